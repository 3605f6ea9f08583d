package dev.parapet.kit.security;

import java.util.Comparator;
import java.util.List;
import java.util.UUID;

import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/accounts/{accountId}/access}: what the caller may do in the account, on every
 * service, so that a console can show or hide actions and an operator can check a token.
 */
@RestController
public class AccessController {

    /** What the caller may do in one account. */
    public record Access(UUID accountId, String subject, Role role, List<String> permissions, boolean privileged) {
    }

    @GetMapping("/api/v1/accounts/{accountId}/access")
    public Access access(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin) {
        admin.requireAccount(accountId);
        return new Access(accountId, admin.subject(), admin.role(),
                admin.permissions().stream().sorted(Comparator.naturalOrder()).map(Permission::claimValue).toList(),
                admin.role().privileged());
    }
}
