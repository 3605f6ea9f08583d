package dev.parapet.dns.policy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import dev.parapet.dns.index.DomainSet;
import dev.parapet.schemas.v1.exceptions.AccountExceptions;
import dev.parapet.schemas.v1.policies.BlockAllowList;
import dev.parapet.schemas.v1.policies.Policy;
import dev.parapet.schemas.v1.policies.PolicyType;

/**
 * One account's filtering, compiled: its domain exceptions and its enabled Block or Allow List
 * policies, in the order docs/policies.md fixes (specificity, then priority, then policy id).
 * Immutable; a change compiles a new one.
 */
final class AccountPolicies {

    static final AccountPolicies NONE = new AccountPolicies(DomainSet.of(), List.of());

    /** A compiled Block or Allow List policy. */
    record ListPolicy(String name, UUID policyId, int priority, boolean everyone, Set<UUID> locations,
                      DomainSet blocked, DomainSet allowed) {

        /** Specificity at a location: 2 when the policy names it, 1 for everyone, 0 when it does not apply. */
        int specificityAt(UUID locationId) {
            if (locationId != null && locations.contains(locationId)) {
                return 2;
            }
            return everyone ? 1 : 0;
        }
    }

    private final DomainSet exceptions;
    private final List<ListPolicy> lists;

    private AccountPolicies(DomainSet exceptions, List<ListPolicy> lists) {
        this.exceptions = exceptions;
        this.lists = lists;
    }

    static AccountPolicies compile(AccountExceptions exceptions, Iterable<Policy> policies) {
        DomainSet exempt = exceptions == null ? DomainSet.of() : DomainSet.of(exceptions.getDomains().toArray(String[]::new));
        List<ListPolicy> lists = new ArrayList<>();
        for (Policy policy : policies) {
            BlockAllowList domains = policy.getBlockAllowList();
            if (!policy.getEnabled() || policy.getType() != PolicyType.BLOCK_ALLOW_LIST || domains == null) {
                continue;
            }
            lists.add(new ListPolicy(policy.getName(), policy.getPolicyId(), policy.getPriority(),
                    policy.getScope().getEveryone(), Set.copyOf(policy.getScope().getLocationIds()),
                    DomainSet.of(domains.getBlocked().toArray(String[]::new)),
                    DomainSet.of(domains.getAllowed().toArray(String[]::new))));
        }
        return new AccountPolicies(exempt, List.copyOf(lists));
    }

    /** The verdict for a name (lower or mixed case, no trailing dot) asked from a location (or none). */
    Verdict decide(byte[] name, int length, UUID locationId) {
        if (exceptions.match(name, 0, length) >= 0) {
            return Verdict.EXCEPTION;
        }
        List<ListPolicy> applying = lists.stream().filter(p -> p.specificityAt(locationId) > 0)
                .sorted(Comparator.comparingInt((ListPolicy p) -> -p.specificityAt(locationId))
                        .thenComparingInt(ListPolicy::priority)
                        .thenComparing(p -> p.policyId().toString()))
                .toList();
        for (ListPolicy policy : applying) {
            int blocked = policy.blocked().match(name, 0, length);
            int allowed = policy.allowed().match(name, 0, length);
            if (blocked < 0 && allowed < 0) {
                continue;
            }
            // The more specific listed domain (the one starting further left, i.e. the longer) wins.
            boolean block = allowed < 0 || (blocked >= 0 && blocked < allowed);
            return new Verdict(block ? Verdict.Action.BLOCK : Verdict.Action.ALLOW, policy.name(),
                    (block ? "blocked" : "allowed") + " by Block or Allow List '" + policy.name() + "'");
        }
        return Verdict.NO_POLICY;
    }
}
