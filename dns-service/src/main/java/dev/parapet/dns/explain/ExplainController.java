package dev.parapet.dns.explain;

import dev.parapet.schemas.v1.verdicts.Action;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.parapet.dns.policy.CategoryBits;
import dev.parapet.dns.resolve.Client;
import dev.parapet.kit.domains.DomainNames;
import dev.parapet.dns.policy.CategoryState;
import dev.parapet.dns.policy.AccessGrants;
import dev.parapet.dns.policy.ResolverState;
import dev.parapet.dns.policy.Snapshot;
import dev.parapet.dns.policy.Verdict;
import dev.parapet.kit.problem.Problems;
import dev.parapet.kit.security.Admin;
import dev.parapet.kit.security.Permission;

/**
 * "What happens to this name, for this user, at this location, and which rule decides": the verdict
 * the resolver would reach now, from the same snapshot the resolver uses. What depends on the answer
 * (IP exceptions, CNAMEs to stopped names) is named as such rather than guessed.
 */
@RestController
public class ExplainController {

    /** The explanation. {@code appliedVia}: user, profile group, location or everyone. */
    public record Explanation(UUID accountId, String name, String queriedAs, UUID locationId, String userEmail,
                              List<String> userGroups, String action, String reason, UUID policyId, String policyName,
                              String appliedVia, String matchedDomain, List<String> categories, String safeSearchHost,
                              String logMode, boolean logged, String note) {
    }

    private final ResolverState state;
    private final CategoryState categories;
    private final CategoryBits bits;

    public ExplainController(ResolverState state, CategoryState categories, CategoryBits bits) {
        this.state = state;
        this.categories = categories;
        this.bits = bits;
    }

    @GetMapping("/api/v1/accounts/{accountId}/dns/explain")
    public Explanation explain(@PathVariable UUID accountId, @RequestParam String name,
                               @RequestParam(required = false) String user, @RequestParam(required = false) UUID location,
                               @AuthenticationPrincipal Admin admin) {
        admin.require(accountId, Permission.WEB_SECURITY_READ);
        DomainNames.Result parsed = DomainNames.normalise(name);
        if (parsed.domain().isEmpty()) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "Invalid name", "name is not a domain name: " + parsed.error().orElse("") + ".");
        }
        String normalised = parsed.domain().get();
        String email;
        try {
            email = Client.userEmail(user);
        } catch (IllegalArgumentException e) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "Invalid user", "user must be an email address.");
        }
        Snapshot snapshot = state.snapshot();
        if (location != null && !snapshot.hasLocation(accountId, location)) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "Unknown location", "The account has no location " + location + ".");
        }
        Snapshot.Attribution who = new Snapshot.Attribution(accountId, location, null, email);
        byte[] bytes = normalised.getBytes(StandardCharsets.US_ASCII);
        Verdict verdict = snapshot.decide(who, bytes, bytes.length);
        Snapshot.Explanation how = snapshot.explain(who, bytes, bytes.length, verdict);
        // An approved access request for this user lifts the stop (for them only, until it ends).
        java.util.Optional<AccessGrants.Grant> grant = verdict.stops() && email != null
                ? state.grants().find(accountId, email, null, null, normalised, java.time.Instant.now()) : java.util.Optional.empty();
        if (grant.isPresent()) {
            verdict = verdict.with(Action.ALLOWED, dev.parapet.schemas.v1.verdicts.Reason.ACCESS_REQUEST);
        }
        long categoryBits = verdict.categories() != 0 ? verdict.categories() : snapshot.categoriesOf(bytes, bytes.length);
        List<String> categoryNames = bits.idsOf(categoryBits).stream()
                .map(id -> categories.catalogue().categoryNames().getOrDefault(id, id)).toList();
        String note = verdict.bypasses() ? "A domain exception: resolved as is, no policy applies, never logged."
                : switch (verdict.action()) {
            case BLOCKED, WARNED -> "Unless the answer holds an address in one of the account's IP exceptions, which lifts the "
                    + (verdict.action() == Action.WARNED ? "warning." : "block.");
            case ALLOWED -> grant.isPresent()
                    ? "Stopped by policy '" + verdict.policyName() + "', but allowed for " + email + " by access request "
                    + grant.get().requestId() + ", approved by " + grant.get().decidedBy() + ", until " + grant.get().until() + "."
                    : verdict.policyId() == null
                    ? "Resolved upstream; still stopped if the answer's CNAME leads to a blocked name."
                    : "Allowed by a Block or Allow List: final.";
            case SAFESEARCH_REWRITTEN -> "Answered with a CNAME to the engine's safe-search host.";
            case ALLOWED_AFTER_WARNING -> "Allowed after a warning.";
            case REFUSED -> "Refused.";
        };
        return new Explanation(accountId, normalised, name, location, email,
                how.groups(), verdict.action().name(), verdict.reason().name(), verdict.policyId(), verdict.policyName(),
                how.appliedVia(), how.matchedDomain(),
                categoryNames, verdict.safeSearchHost(), verdict.logMode().name(), verdict.logged(), note);
    }
}
