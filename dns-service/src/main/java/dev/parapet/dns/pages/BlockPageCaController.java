package dev.parapet.dns.pages;

import java.util.UUID;

import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import dev.parapet.kit.security.Admin;
import dev.parapet.kit.security.Permission;

/**
 * {@code GET /api/v1/accounts/{accountId}/block-page/ca-certificate}: the account's block-page CA
 * certificate as PEM, for administrators to install on their devices (MDM, group policy) so that
 * HTTPS block pages show without certificate errors. Only the certificate: the key never leaves
 * the service.
 */
@RestController
public class BlockPageCaController {

    static final MediaType PEM = MediaType.parseMediaType("application/x-pem-file");

    private final AccountCertificateAuthority authority;

    public BlockPageCaController(AccountCertificateAuthority authority) {
        this.authority = authority;
    }

    @GetMapping("/api/v1/accounts/{accountId}/block-page/ca-certificate")
    public ResponseEntity<String> caCertificate(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin) {
        admin.require(accountId, Permission.WEB_SECURITY_READ);
        return ResponseEntity.ok()
                .contentType(PEM)
                .header(HttpHeaders.CONTENT_DISPOSITION,
                        ContentDisposition.attachment().filename("parapet-" + accountId + "-ca.pem").build().toString())
                .body(AccountCertificateAuthority.pem(authority.certificate(accountId)));
    }
}
