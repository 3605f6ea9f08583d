package dev.parapet.settings.siem;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

import dev.parapet.kit.problem.Problems;
import dev.parapet.kit.security.Admin;
import dev.parapet.kit.security.Permission;
import dev.parapet.schemas.v1.settings.DeleteSiemDestination;
import dev.parapet.schemas.v1.settings.SetSiemDestination;
import dev.parapet.schemas.v1.siem.SiemDestination;
import dev.parapet.settings.SettingsProperties;
import dev.parapet.settings.agentsettings.SettingsState;
import dev.parapet.settings.commands.Commands;
import reactor.core.publisher.Mono;

/**
 * The account's SIEM destination (docs/siem.md): the syslog-over-TLS receiver that diagnostics-service sends the account's
 * verdicts to. Readable with web-security:read; set and removed only by a Super, Full or Partner Administrator with
 * web-security:write, since it sends every query of the account out of Parapet. Changes are audited.
 */
@RestController
public class SiemDestinationController {

    /** The destination as administrators see it, with what its certificates are. */
    public record DestinationView(String host, int port, String caCertificates, List<SiemDestinationInput.CertificateView> certificates,
                                  boolean verifyHostname, String format, String facility, long version, String updatedBy,
                                  Instant updatedAt) {
    }

    private static final String PATH = "/api/v1/accounts/{accountId}/siem-destination";

    private final SettingsState state;
    private final boolean allowPrivate;

    public SiemDestinationController(SettingsState state, SettingsProperties properties) {
        this.state = state;
        this.allowPrivate = properties.allowPrivateRanges();
    }

    @GetMapping(PATH)
    public ResponseEntity<DestinationView> read(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin) {
        admin.require(accountId, Permission.WEB_SECURITY_READ);
        SiemDestination destination = state.siemDestination(accountId)
                .orElseThrow(() -> Problems.notFound("This account has no SIEM destination."));
        return ResponseEntity.ok().eTag(Commands.etag(destination.getVersion())).body(view(destination));
    }

    @PutMapping(PATH)
    public Mono<ResponseEntity<DestinationView>> set(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin,
                                                     @RequestHeader(name = "If-Match", required = false) String ifMatch,
                                                     @RequestBody(required = false) SiemDestinationInput body, ServerHttpRequest http) {
        admin.requirePrivileged(accountId).require(accountId, Permission.WEB_SECURITY_WRITE);
        if (body == null) {
            return Mono.error(Problems.badRequest("A body with host, port and caCertificates is required."));
        }
        SiemDestinationInput.Checked checked = body.check(allowPrivate);
        if (checked.destination().isEmpty()) {
            return Mono.error(Problems.invalid(checked.errors()));
        }
        return Commands.send(state, accountId, admin, http, new SetSiemDestination(Commands.expectedVersion(ifMatch), checked.destination().get()),
                        version -> state.siemDestination(accountId).map(SiemDestination::getVersion).orElse(0L) >= version)
                .map(version -> {
                    SiemDestination stored = state.siemDestination(accountId).orElseThrow();
                    return ResponseEntity.ok().eTag(Commands.etag(stored.getVersion())).body(view(stored));
                });
    }

    @DeleteMapping(PATH)
    public Mono<ResponseEntity<Void>> delete(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin,
                                             @RequestHeader(name = "If-Match", required = false) String ifMatch, ServerHttpRequest http) {
        admin.requirePrivileged(accountId).require(accountId, Permission.WEB_SECURITY_WRITE);
        return Commands.send(state, accountId, admin, http, new DeleteSiemDestination(Commands.expectedVersion(ifMatch)),
                        version -> state.siemDestination(accountId).isEmpty())
                .thenReturn(ResponseEntity.noContent().build());
    }

    static DestinationView view(SiemDestination destination) {
        return new DestinationView(destination.getHost(), destination.getPort(), destination.getCaCertificates(),
                SiemDestinationInput.certificates(destination.getCaCertificates(), new ArrayList<>()), destination.getVerifyHostname(),
                destination.getFormat().name(), destination.getFacility().name(), destination.getVersion(), destination.getUpdatedBy(),
                destination.getUpdatedAt());
    }
}
