package dev.parapet.settings.propagation;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import dev.parapet.kit.problem.Problems;
import dev.parapet.kit.security.Admin;
import dev.parapet.kit.security.Permission;
import dev.parapet.settings.propagation.PropagationState.Propagation;

/**
 * Where an administrator's change has reached: {@code GET /api/v1/accounts/{accountId}/changes/{changeId}},
 * the id being the {@code Parapet-Change-Id} of the write's answer. Any administrator of the account
 * who may read or change its web security sees it; another account's change is not found.
 */
@RestController
public class ChangeController {

    /**
     * @param changeId  the write's change id
     * @param writtenAt when the write was sent to its writer
     * @param resolvers how it stands with the resolvers (dns-service instances)
     * @param agents    how it stands with the agents
     */
    public record ChangeView(UUID changeId, UUID accountId, Instant writtenAt, ResolversView resolvers, AgentsView agents) {
    }

    /**
     * @param carried                whether resolvers enforce this kind of change (agent settings they do not)
     * @param applied                live resolvers that have it in force
     * @param total                  live resolvers (reported within three heartbeats) that enforce what it changed
     * @param enforced               in force on every live resolver, and there is at least one
     * @param lastAppliedAfterMillis once enforced: how long the slowest resolver took, from the write; null until
     *                               then, or if this instance started after the change was applied
     */
    public record ResolversView(boolean carried, int applied, int total, boolean enforced, Long lastAppliedAfterMillis) {
    }

    /**
     * @param carried   whether agents are sent what this change changed (agent settings, exceptions)
     * @param applied   of the connected agents, those whose configuration stream has been sent the change
     * @param connected agents' configuration streams of the account open on the settings-service instance that answers
     */
    public record AgentsView(boolean carried, int applied, int connected) {
    }

    private final PropagationState propagation;

    public ChangeController(PropagationState propagation) {
        this.propagation = propagation;
    }

    @GetMapping("/api/v1/accounts/{accountId}/changes/{changeId}")
    public ChangeView change(@PathVariable UUID accountId, @PathVariable UUID changeId, @AuthenticationPrincipal Admin admin) {
        requireMaySee(admin, accountId);
        return propagation.of(accountId, changeId).map(ChangeController::view).orElseThrow(() -> Problems.notFound(
                "There is no recent change " + changeId + " in this account (changes are kept for an hour after they are written)."));
    }

    /** The account's administrators who may read or change its web security. */
    static void requireMaySee(Admin admin, UUID accountId) {
        admin.requireAccount(accountId);
        if (!admin.has(Permission.WEB_SECURITY_READ) && !admin.has(Permission.WEB_SECURITY_WRITE)
                && !admin.has(Permission.GATEWAY_POLICIES_WRITE)) {
            throw Problems.forbidden("Seeing a change needs the permission 'web-security:read', 'web-security:write' "
                    + "or 'gateway-policies:write'.");
        }
    }

    static ChangeView view(Propagation propagation) {
        var resolvers = propagation.resolvers();
        AgentsView agents = propagation.agents()
                .map(delivery -> new AgentsView(true, delivery.sent(), delivery.connected()))
                .orElse(new AgentsView(false, 0, 0));
        return new ChangeView(propagation.change().changeId(), propagation.change().accountId(), propagation.change().writtenAt(),
                new ResolversView(resolvers.carried(), resolvers.applied(), resolvers.total(), resolvers.enforced(),
                        resolvers.lastAppliedAfter().map(Duration::toMillis).orElse(null)),
                agents);
    }
}
