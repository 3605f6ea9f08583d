package dev.parapet.settings.policies;

import java.net.URI;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.parapet.kit.problem.Problems;
import dev.parapet.kit.security.Admin;
import dev.parapet.kit.security.Permission;
import dev.parapet.schemas.v1.policies.Policy;
import dev.parapet.schemas.v1.policies.PolicyType;
import dev.parapet.schemas.v1.settings.DeletePolicy;
import dev.parapet.schemas.v1.settings.DomainList;
import dev.parapet.schemas.v1.settings.ImportPolicyDomains;
import dev.parapet.schemas.v1.settings.UpsertPolicy;
import dev.parapet.settings.agentsettings.SettingsState;
import dev.parapet.settings.commands.Commands;
import reactor.core.publisher.Mono;

/**
 * Web security policies: Block or Allow Lists, Category Filtering, Advanced Security and Log Settings,
 * each scoped to everyone or to users, profile groups and locations (see docs/policies.md for how
 * scopes and overlaps resolve). Read with web-security:read; changed with gateway-policies:write.
 */
@RestController
public class PolicyController {

    private final SettingsState state;

    public PolicyController(SettingsState state) {
        this.state = state;
    }

    @GetMapping("/api/v1/accounts/{accountId}/policies")
    public List<PolicyJson.Summary> list(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin) {
        admin.require(accountId, Permission.WEB_SECURITY_READ);
        return state.policies().of(accountId).stream()
                .sorted(Comparator.comparing(Policy::getPriority).thenComparing(Policy::getName))
                .map(PolicyInput::summary).toList();
    }

    @GetMapping("/api/v1/accounts/{accountId}/policies/{policyId}")
    public ResponseEntity<PolicyJson.View> read(@PathVariable UUID accountId, @PathVariable UUID policyId,
                                                @AuthenticationPrincipal Admin admin) {
        admin.require(accountId, Permission.WEB_SECURITY_READ);
        Policy policy = find(accountId, policyId);
        return ResponseEntity.ok().eTag(Commands.etag(policy.getVersion())).body(PolicyInput.view(policy));
    }

    /**
     * Creates a policy. A Block or Allow List entry that is a public suffix or a single label is refused
     * unless {@code confirmSuffix} names it (repeatable; see docs/policies.md).
     */
    @PostMapping("/api/v1/accounts/{accountId}/policies")
    public Mono<ResponseEntity<PolicyJson.View>> create(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin,
                                                        @RequestBody PolicyJson.Write body,
                                                        @RequestParam(name = "confirmSuffix", required = false) List<String> confirmSuffix,
                                                        ServerHttpRequest http) {
        admin.require(accountId, Permission.GATEWAY_POLICIES_WRITE);
        UUID policyId = UUID.randomUUID();
        PolicyInput.Written written = PolicyInput.toPolicy(body, confirmSuffix, accountId, policyId, admin.subject(), state);
        return send(accountId, policyId, admin, http, new UpsertPolicy(true, null, written.policy(), written.confirmedSuffixes()))
                .map(view -> ResponseEntity.created(URI.create("/api/v1/accounts/" + accountId + "/policies/" + policyId))
                        .eTag(Commands.etag(view.version())).body(view.withWarnings(written.warnings())));
    }

    /** Replaces a policy; {@code confirmSuffix} as for {@link #create}. */
    @PutMapping("/api/v1/accounts/{accountId}/policies/{policyId}")
    public Mono<ResponseEntity<PolicyJson.View>> replace(@PathVariable UUID accountId, @PathVariable UUID policyId,
                                                         @AuthenticationPrincipal Admin admin,
                                                         @RequestHeader(name = "If-Match", required = false) String ifMatch,
                                                         @RequestBody PolicyJson.Write body,
                                                         @RequestParam(name = "confirmSuffix", required = false) List<String> confirmSuffix,
                                                         ServerHttpRequest http) {
        admin.require(accountId, Permission.GATEWAY_POLICIES_WRITE);
        Long expected = Commands.expectedVersion(ifMatch);
        PolicyInput.Written written = PolicyInput.toPolicy(body, confirmSuffix, accountId, policyId, admin.subject(), state);
        return send(accountId, policyId, admin, http, new UpsertPolicy(false, expected, written.policy(), written.confirmedSuffixes()))
                .map(view -> ResponseEntity.ok().eTag(Commands.etag(view.version())).body(view.withWarnings(written.warnings())));
    }

    @DeleteMapping("/api/v1/accounts/{accountId}/policies/{policyId}")
    public Mono<ResponseEntity<Void>> delete(@PathVariable UUID accountId, @PathVariable UUID policyId,
                                             @AuthenticationPrincipal Admin admin,
                                             @RequestHeader(name = "If-Match", required = false) String ifMatch,
                                             ServerHttpRequest http) {
        admin.require(accountId, Permission.GATEWAY_POLICIES_WRITE);
        return Commands.send(state, accountId, admin, http, new DeletePolicy(policyId, Commands.expectedVersion(ifMatch)),
                        version -> state.policies().get(accountId, policyId).isEmpty())
                .thenReturn(ResponseEntity.noContent().build());
    }

    /**
     * Bulk import into one list of a Block or Allow List policy: a text body, one domain a line (or
     * hosts-file lines), read as it streams in. Good lines are kept and bad ones reported by line
     * number, unless {@code strict=true}, which refuses the whole import if any line is bad.
     * {@code mode=replace} replaces the list instead of adding to it. A public suffix or single label
     * is a bad line unless {@code confirmSuffix} names it; an empty body is refused.
     */
    @PostMapping("/api/v1/accounts/{accountId}/policies/{policyId}/domains")
    public Mono<ResponseEntity<PolicyJson.ImportReport>> importDomains(
            @PathVariable UUID accountId, @PathVariable UUID policyId, @AuthenticationPrincipal Admin admin,
            @RequestParam(defaultValue = "blocked") String list, @RequestParam(defaultValue = "append") String mode,
            @RequestParam(defaultValue = "false") boolean strict,
            @RequestParam(name = "confirmSuffix", required = false) List<String> confirmSuffix, ServerHttpRequest http) {
        admin.require(accountId, Permission.GATEWAY_POLICIES_WRITE);
        DomainList target = switch (list.toLowerCase(Locale.ROOT)) {
            case "blocked" -> DomainList.BLOCKED;
            case "allowed" -> DomainList.ALLOWED;
            default -> throw Problems.invalid("list", "must be blocked or allowed");
        };
        boolean replace = switch (mode.toLowerCase(Locale.ROOT)) {
            case "append" -> false;
            case "replace" -> true;
            default -> throw Problems.invalid("mode", "must be append or replace");
        };
        Policy policy = find(accountId, policyId);
        if (policy.getType() != PolicyType.BLOCK_ALLOW_LIST) {
            throw Problems.badRequest("Policy " + policyId + " is a " + policy.getType()
                    + " policy; domains can be imported into Block or Allow List policies only.");
        }
        Set<String> confirmed = ListEntries.confirmedOrRefused(confirmSuffix);
        ListEntries rules = new ListEntries(confirmed, target == DomainList.BLOCKED ? ListEntries.Effect.BLOCK : ListEntries.Effect.ALLOW);
        return DomainListImport.read(http.getBody(), rules, PolicyDecisions.MAX_LIST_DOMAINS).flatMap(read -> {
            if (read.overLimit()) {
                return Mono.error(Problems.badRequest("The list holds more than " + PolicyDecisions.MAX_LIST_DOMAINS
                        + " distinct domains or " + PolicyDecisions.MAX_LIST_BYTES / (1024 * 1024)
                        + " MiB of them, the most one policy holds; split it across policies."));
            }
            if (strict && read.rejectedCount() > 0) {
                return Mono.error(Problems.invalid(read.rejected().stream().limit(100)
                        .map(bad -> new Problems.FieldError("line " + bad.line(), "'" + bad.text() + "' " + bad.reason()))
                        .toList()));
            }
            ImportPolicyDomains command = new ImportPolicyDomains(policyId, target, replace, read.domains(), read.confirmedSuffixes());
            return Commands.send(state, accountId, admin, http, command,
                            version -> state.policies().version(accountId, policyId, Policy::getVersion) >= version)
                    .map(version -> ResponseEntity.ok().eTag(Commands.etag(version))
                            .body(report(policyId, version, target, replace, read)));
        });
    }

    private static PolicyJson.ImportReport report(UUID policyId, long version, DomainList list, boolean replace,
                                                  DomainListImport.Result read) {
        return new PolicyJson.ImportReport(policyId, version, list.name().toLowerCase(Locale.ROOT), replace ? "replace" : "append",
                read.lines(), read.ignoredLines(), read.domains().size(), read.duplicates(), read.rejectedCount(), read.rejected(),
                read.rejectedCount() > read.rejected().size(), read.skippedCount(), read.skipped(), read.warningCount(),
                read.warnings(), read.confirmedSuffixes());
    }

    private Policy find(UUID accountId, UUID policyId) {
        return state.policies().get(accountId, policyId)
                .orElseThrow(() -> Problems.notFound("There is no policy " + policyId + " in this account."));
    }

    private Mono<PolicyJson.View> send(UUID accountId, UUID policyId, Admin admin, ServerHttpRequest http, Object action) {
        return Commands.send(state, accountId, admin, http, action,
                        version -> state.policies().version(accountId, policyId, Policy::getVersion) >= version)
                .map(version -> PolicyInput.view(find(accountId, policyId)));
    }
}
