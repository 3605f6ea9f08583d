package dev.parapet.settings.policies;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import dev.parapet.kit.audit.AuditJson;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.policies.BlockAllowList;
import dev.parapet.schemas.v1.policies.Policy;
import dev.parapet.schemas.v1.policies.PolicyType;
import dev.parapet.schemas.v1.settings.DeletePolicy;
import dev.parapet.schemas.v1.settings.DomainList;
import dev.parapet.schemas.v1.settings.ImportPolicyDomains;
import dev.parapet.schemas.v1.settings.SettingsCommand;
import dev.parapet.schemas.v1.settings.SettingsRejection;
import dev.parapet.schemas.v1.settings.UpsertPolicy;
import dev.parapet.settings.commands.Decision;
import tools.jackson.databind.node.ObjectNode;
import dev.parapet.settings.commands.Feature;
import dev.parapet.settings.commands.SettingsCommandTopology;
import dev.parapet.settings.commands.StateStores;
import dev.parapet.settings.quotas.Quotas;

/** Policies as a pure function of the stored policy and one command. */
public final class PolicyDecisions {

    /** The most domains one policy's lists hold together (one policy is one Kafka record). */
    public static final int MAX_LIST_DOMAINS = 200_000;

    /**
     * The most bytes the domains of one policy take (6 MiB): with the rest of the record and the
     * command that carries them, well under the 8 MiB a Kafka record may be. A record over the limit
     * would stop the writer, so the limit is checked here, not left to the broker.
     */
    public static final long MAX_LIST_BYTES = 6L * 1024 * 1024;

    private static final int AUDIT_SAMPLE = 100;

    /** Policies, their lists and list imports: the account's writer, one record per policy, within the account's quotas. */
    public static final Feature FEATURE = Feature.of("policies", Feature.Writer.ACCOUNT)
            .store(SettingsCommandTopology.POLICIES_STORE, Topics.POLICIES)
            .command(UpsertPolicy.class, (command, upsert, stores, now, rules) -> upsert(
                    stored(stores, command.getAccountId(), upsert.getPolicy().getPolicyId()),
                    usage(stores, command.getAccountId(), upsert.getPolicy().getPolicyId()), rules.quotas(), command, upsert, now))
            .command(DeletePolicy.class, (command, delete, stores, now, rules) -> delete(
                    stored(stores, command.getAccountId(), delete.getPolicyId()), command, delete, now))
            .command(ImportPolicyDomains.class, (command, imported, stores, now, rules) -> importDomains(
                    stored(stores, command.getAccountId(), imported.getPolicyId()),
                    usage(stores, command.getAccountId(), imported.getPolicyId()), rules.quotas(), command, imported, now))
            .build();

    private PolicyDecisions() {
    }

    private static Policy stored(StateStores stores, UUID accountId, UUID policyId) {
        return stores.get(SettingsCommandTopology.POLICIES_STORE, key(accountId, policyId));
    }

    public static String key(UUID accountId, UUID policyId) {
        return accountId + "/" + policyId;
    }

    /**
     * What the account's other policies (all but the one a command changes) use of its quotas.
     *
     * @param policies how many there are
     * @param domains  the domains in their Block and Allow Lists together
     */
    public record Usage(int policies, long domains) {
    }

    /**
     * The usage of the account's policies other than {@code except}, read from the writer's store once,
     * when first asked for: it decodes every policy of the account (about 250 ms for the default
     * quota's million domains), which most changes need not do.
     */
    public static Supplier<Usage> usage(StateStores stores, UUID accountId, UUID except) {
        Usage[] read = {null};
        return () -> {
            if (read[0] == null) {
                int[] policies = {0};
                long[] domains = {0};
                stores.<Policy>forEachOfAccount(SettingsCommandTopology.POLICIES_STORE, accountId, policy -> {
                    if (!policy.getPolicyId().equals(except)) {
                        policies[0]++;
                        domains[0] += domains(policy);
                    }
                });
                read[0] = new Usage(policies[0], domains[0]);
            }
            return read[0];
        };
    }

    /** The domains in a policy's Block and Allow Lists (0 for other types and for none). */
    public static long domains(Policy policy) {
        BlockAllowList lists = policy == null ? null : policy.getBlockAllowList();
        return lists == null ? 0 : lists.getBlocked().size() + lists.getAllowed().size();
    }

    /**
     * Refuses a change that would take the account's domains over its quota. A change that does not
     * add domains always passes, so an account over a lowered quota can still shrink its lists.
     */
    static Decision checkDomainQuota(SettingsCommand command, Policy stored, long after, Supplier<Usage> usage, Quotas quotas) {
        long before = domains(stored);
        if (after <= before) {
            return null;
        }
        long limit = quotas.domainsPerAccount();
        Usage others = usage.get();
        if (others.domains() + after > limit) {
            return Decision.quotaExceeded(command, stored == null ? 0 : stored.getVersion(), "domains-per-account", limit,
                    others.domains() + before, "the account's policies would hold " + (others.domains() + after)
                            + " domains; the account may hold " + limit + " in all its policies");
        }
        return null;
    }

    /**
     * Creates or replaces a policy; a creation beyond the account's policy quota, or a change beyond
     * its domain quota, is refused.
     *
     * @param usage what the account's other policies use; read only when the change needs it (a creation, or more
     *              domains), since it reads every policy of the account
     */
    public static Decision upsert(Policy stored, Supplier<Usage> usage, Quotas quotas, SettingsCommand command,
                                  UpsertPolicy upsert, Instant now) {
        Policy wanted = upsert.getPolicy();
        long current = stored == null ? 0 : stored.getVersion();
        Decision refused = Decision.checkVersion(command, upsert.getCreate(), stored != null, upsert.getExpectedVersion(),
                current, "policy " + wanted.getPolicyId());
        if (refused != null) {
            return refused;
        }
        if (stored == null && usage.get().policies() >= quotas.policiesPerAccount()) {
            return Decision.quotaExceeded(command, 0, "policies-per-account", quotas.policiesPerAccount(), usage.get().policies(),
                    "the account has " + usage.get().policies() + " policies, the most it may have");
        }
        refused = checkDomainQuota(command, stored, domains(wanted), usage, quotas);
        if (refused != null) {
            return refused;
        }
        Policy next = Policy.newBuilder(wanted).setAccountId(command.getAccountId()).setVersion(current + 1)
                .setUpdatedBy(dev.parapet.kit.audit.Actors.name(command.getActor())).setUpdatedAt(now).build();
        String key = key(command.getAccountId(), wanted.getPolicyId());
        ObjectNode after = summary(next);
        if (!upsert.getConfirmedSuffixes().isEmpty()) {
            after.set("confirmedSuffixes", AuditJson.tree(upsert.getConfirmedSuffixes()));
        }
        return Decision.accepted(command, Topics.POLICIES.name(), key, next, next.getVersion(),
                Decision.audit(command, upsert.getCreate() ? "policy.create" : "policy.update", "policy",
                        wanted.getPolicyId().toString(), describe(stored), AuditJson.write(after), now));
    }

    public static Decision delete(Policy stored, SettingsCommand command, DeletePolicy delete, Instant now) {
        long current = stored == null ? 0 : stored.getVersion();
        Decision refused = Decision.checkVersion(command, false, stored != null, delete.getExpectedVersion(), current,
                "policy " + delete.getPolicyId());
        if (refused != null) {
            return refused;
        }
        return Decision.accepted(command, Topics.POLICIES.name(), key(command.getAccountId(), delete.getPolicyId()), null,
                current, Decision.audit(command, "policy.delete", "policy", delete.getPolicyId().toString(),
                        describe(stored), null, now));
    }

    /** Adds domains to one list of a Block or Allow List policy, or replaces that list, within the account's domain quota. */
    public static Decision importDomains(Policy stored, Supplier<Usage> usage, Quotas quotas, SettingsCommand command,
                                         ImportPolicyDomains imported, Instant now) {
        if (stored == null) {
            return Decision.refused(command, SettingsRejection.NOT_FOUND, 0, "policy " + imported.getPolicyId() + " does not exist");
        }
        if (stored.getType() != PolicyType.BLOCK_ALLOW_LIST || stored.getBlockAllowList() == null) {
            return Decision.refused(command, SettingsRejection.INVALID, stored.getVersion(),
                    "policy " + imported.getPolicyId() + " is a " + stored.getType() + " policy, not a Block or Allow List");
        }
        BlockAllowList lists = stored.getBlockAllowList();
        boolean blocked = imported.getList() == DomainList.BLOCKED;
        List<String> before = blocked ? lists.getBlocked() : lists.getAllowed();
        List<String> other = blocked ? lists.getAllowed() : lists.getBlocked();
        Set<String> merged = new LinkedHashSet<>(imported.getReplace() ? List.of() : before);
        merged.addAll(imported.getDomains());
        if (merged.size() + other.size() > MAX_LIST_DOMAINS) {
            return Decision.refused(command, SettingsRejection.INVALID, stored.getVersion(),
                    "the policy would hold " + (merged.size() + other.size()) + " domains; at most " + MAX_LIST_DOMAINS);
        }
        if (bytes(merged) + bytes(other) > MAX_LIST_BYTES) {
            return Decision.refused(command, SettingsRejection.INVALID, stored.getVersion(),
                    "the policy's domains would take more than " + MAX_LIST_BYTES / (1024 * 1024) + " MiB; split them across policies");
        }
        Decision overQuota = checkDomainQuota(command, stored, merged.size() + other.size(), usage, quotas);
        if (overQuota != null) {
            return overQuota;
        }
        Set<String> otherList = new HashSet<>(other);
        List<String> inBoth = imported.getDomains().stream().filter(otherList::contains).limit(10).toList();
        if (!inBoth.isEmpty()) {
            return Decision.refused(command, SettingsRejection.INVALID, stored.getVersion(),
                    "a domain cannot be both blocked and allowed; already in the other list: " + String.join(", ", inBoth));
        }
        List<String> after = List.copyOf(merged);
        BlockAllowList nextLists = blocked ? new BlockAllowList(after, lists.getAllowed()) : new BlockAllowList(lists.getBlocked(), after);
        Policy next = Policy.newBuilder(stored).setBlockAllowList(nextLists).setVersion(stored.getVersion() + 1)
                .setUpdatedBy(dev.parapet.kit.audit.Actors.name(command.getActor())).setUpdatedAt(now).build();
        Set<String> old = new HashSet<>(before);
        List<String> added = after.stream().filter(domain -> !old.contains(domain)).toList();
        long removed = imported.getReplace() ? before.stream().filter(domain -> !merged.contains(domain)).count() : 0;
        ObjectNode change = AuditJson.object().put("list", imported.getList().name()).put("replace", imported.getReplace())
                .put("addedCount", added.size()).put("removedCount", removed);
        change.set("addedSample", AuditJson.tree(added.subList(0, Math.min(AUDIT_SAMPLE, added.size()))));
        if (!imported.getConfirmedSuffixes().isEmpty()) {
            change.set("confirmedSuffixes", AuditJson.tree(imported.getConfirmedSuffixes()));
        }
        ObjectNode audited = AuditJson.object();
        audited.set("policy", summary(next));
        audited.set("change", change);
        return Decision.accepted(command, Topics.POLICIES.name(), key(command.getAccountId(), stored.getPolicyId()), next,
                next.getVersion(), Decision.audit(command, "policy.import", "policy", stored.getPolicyId().toString(),
                        describe(stored), AuditJson.write(audited), now));
    }

    /**
     * The policy as the audit trail keeps it: everything but the lists, which are summarised (counts
     * and the first hundred entries), since a list may hold 200 000 domains.
     */
    static String describe(Policy policy) {
        return policy == null ? null : AuditJson.write(summary(policy));
    }

    private static ObjectNode summary(Policy policy) {
        BlockAllowList lists = policy.getBlockAllowList();
        Policy sampled = Policy.newBuilder(policy).setBlockAllowList(lists == null ? null
                : new BlockAllowList(sample(lists.getBlocked()), sample(lists.getAllowed()))).build();
        ObjectNode summary = AuditJson.object();
        summary.set("policy", AuditJson.tree(sampled));
        if (lists != null) {
            summary.put("blockedCount", lists.getBlocked().size()).put("allowedCount", lists.getAllowed().size());
        }
        return summary;
    }

    /** The bytes a list of domains takes in a record: each name and its length prefix. */
    public static long bytes(java.util.Collection<String> domains) {
        long total = 0;
        for (String domain : domains) {
            total += domain.length() + 2;
        }
        return total;
    }

    private static List<String> sample(List<String> domains) {
        return new ArrayList<>(domains.subList(0, Math.min(AUDIT_SAMPLE, domains.size())));
    }

}
