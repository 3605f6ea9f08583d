package dev.parapet.settings.policies;

import static dev.parapet.settings.commands.InMemoryStores.command;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.audit.AuditEvent;
import dev.parapet.schemas.v1.common.Scope;
import dev.parapet.schemas.v1.policies.BlockAllowList;
import dev.parapet.schemas.v1.policies.LogMode;
import dev.parapet.schemas.v1.policies.LogSettings;
import dev.parapet.schemas.v1.policies.Policy;
import dev.parapet.schemas.v1.policies.PolicyType;
import dev.parapet.schemas.v1.settings.DeletePolicy;
import dev.parapet.schemas.v1.settings.DomainList;
import dev.parapet.schemas.v1.settings.ImportPolicyDomains;
import dev.parapet.schemas.v1.settings.SettingsRejection;
import dev.parapet.schemas.v1.settings.UpsertPolicy;
import dev.parapet.settings.commands.Decision;
import dev.parapet.settings.quotas.Quotas;

/**
 * Policies, decided from the stored policy and what the account's other policies use: versions, list
 * imports (added or replaced, never in both lists, within the size limits) and tombstones. The quotas
 * across commands are {@code QuotaDecisionsTest}'s.
 */
class PolicyDecisionsTest {

    private static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");
    private static final Quotas QUOTAS = Quotas.DEFAULTS;
    /** The usage of the other policies, for changes that must not need it (it reads every policy of the account). */
    private static final Supplier<PolicyDecisions.Usage> NOT_READ = () -> {
        throw new AssertionError("the account's other policies were read");
    };

    private final UUID account = UUID.randomUUID();
    private final UUID policyId = UUID.randomUUID();

    private Policy blockList(long version, List<String> blocked, List<String> allowed) {
        return Policy.newBuilder().setAccountId(account).setPolicyId(policyId).setName("p").setVersion(version)
                .setScope(Scope.newBuilder().setEveryone(true).build()).setType(PolicyType.BLOCK_ALLOW_LIST)
                .setBlockAllowList(new BlockAllowList(blocked, allowed)).setUpdatedBy("a").setUpdatedAt(Instant.EPOCH).build();
    }

    private Policy logging(long version) {
        return Policy.newBuilder().setAccountId(account).setPolicyId(policyId).setName("p").setVersion(version)
                .setScope(Scope.newBuilder().setEveryone(true).build()).setType(PolicyType.LOG_SETTINGS)
                .setLogSettings(new LogSettings(LogMode.NOTHING)).setUpdatedBy("a").setUpdatedAt(Instant.EPOCH).build();
    }

    private Decision importing(Policy stored, DomainList list, boolean replace, List<String> domains) {
        ImportPolicyDomains imported = new ImportPolicyDomains(policyId, list, replace, domains, List.of());
        return PolicyDecisions.importDomains(stored, () -> new PolicyDecisions.Usage(0, 0), QUOTAS, command(account, imported), imported, NOW);
    }

    private static Policy published(Decision decision) {
        assertThat(decision.outputs()).extracting(Decision.Output::topic).containsExactly(Topics.POLICIES.name(), Topics.AUDIT.name());
        return (Policy) decision.outputs().get(0).value();
    }

    @Test
    void aCreatedPolicyIsTheCommandsAccountsAtVersionOneKeyedByAccountAndPolicy() {
        Policy wanted = Policy.newBuilder(blockList(0, List.of("ads.example"), List.of())).setAccountId(UUID.randomUUID()).build();
        UpsertPolicy upsert = new UpsertPolicy(true, null, wanted, List.of());
        Decision created = PolicyDecisions.upsert(null, () -> new PolicyDecisions.Usage(0, 0), QUOTAS, command(account, upsert), upsert, NOW);

        Policy next = published(created);
        assertThat(created.outputs().get(0).key()).isEqualTo(PolicyDecisions.key(account, policyId)).isEqualTo(account + "/" + policyId);
        assertThat(next.getAccountId()).isEqualTo(account);
        assertThat(next.getVersion()).isEqualTo(1);
        assertThat(((AuditEvent) created.outputs().get(1).value()).getAction()).isEqualTo("policy.create");
    }

    @Test
    void aReplacementThatAddsNoDomainsDoesNotReadTheAccountsOtherPolicies() {
        Policy stored = blockList(3, List.of("a.example", "b.example"), List.of());
        UpsertPolicy upsert = new UpsertPolicy(false, 3L, blockList(0, List.of("a.example"), List.of()), List.of());

        Decision replaced = PolicyDecisions.upsert(stored, NOT_READ, QUOTAS, command(account, upsert), upsert, NOW);
        assertThat(published(replaced).getVersion()).isEqualTo(4);

        UpsertPolicy stale = new UpsertPolicy(false, 2L, logging(0), List.of());
        Decision refused = PolicyDecisions.upsert(stored, NOT_READ, QUOTAS, command(account, stale), stale, NOW);
        assertThat(refused.result().getRejection()).isEqualTo(SettingsRejection.VERSION_MISMATCH);
        assertThat(refused.result().getVersion()).isEqualTo(3);
    }

    @Test
    void anImportAddsToOneListWithoutRepeatsOrReplacesItAndAuditsACountAndASample() {
        Policy stored = blockList(1, List.of("a.example", "b.example"), List.of("ok.example"));

        Policy added = published(importing(stored, DomainList.BLOCKED, false, List.of("b.example", "c.example")));
        assertThat(added.getBlockAllowList().getBlocked()).containsExactly("a.example", "b.example", "c.example");
        assertThat(added.getBlockAllowList().getAllowed()).containsExactly("ok.example");
        assertThat(added.getVersion()).isEqualTo(2);

        Decision replacing = importing(stored, DomainList.BLOCKED, true, List.of("c.example"));
        assertThat(published(replacing).getBlockAllowList().getBlocked()).containsExactly("c.example");
        String audited = ((AuditEvent) replacing.outputs().get(1).value()).getAfter();
        assertThat(audited).contains("\"addedCount\":1").contains("\"removedCount\":2").contains("\"replace\":true");
    }

    @Test
    void anImportIsRefusedForAMissingPolicyAnotherTypeADomainInTheOtherListOrTooManyDomains() {
        assertThat(importing(null, DomainList.BLOCKED, false, List.of("x.example")).result().getRejection())
                .isEqualTo(SettingsRejection.NOT_FOUND);
        assertThat(importing(logging(1), DomainList.BLOCKED, false, List.of("x.example")).result().getRejection())
                .isEqualTo(SettingsRejection.INVALID);

        Decision both = importing(blockList(1, List.of(), List.of("ok.example")), DomainList.BLOCKED, false, List.of("ok.example"));
        assertThat(both.result().getRejection()).isEqualTo(SettingsRejection.INVALID);
        assertThat(both.result().getDetail()).contains("ok.example");
        assertThat(both.outputs()).isEmpty();

        List<String> tooMany = IntStream.rangeClosed(0, PolicyDecisions.MAX_LIST_DOMAINS).mapToObj(i -> "d" + i + ".example").toList();
        Decision over = importing(blockList(1, List.of(), List.of()), DomainList.BLOCKED, false, tooMany);
        assertThat(over.result().getRejection()).isEqualTo(SettingsRejection.INVALID);
        assertThat(over.result().getDetail()).contains(Integer.toString(PolicyDecisions.MAX_LIST_DOMAINS));
    }

    @Test
    void aDeletionPublishesATombstoneAndNeedsThePolicy() {
        DeletePolicy delete = new DeletePolicy(policyId, null);
        Decision deleted = PolicyDecisions.delete(logging(7), command(account, delete), delete, NOW);
        assertThat(deleted.result().getVersion()).isEqualTo(7);
        assertThat(deleted.outputs().get(0).value()).isNull();
        assertThat(deleted.outputs().get(0).key()).isEqualTo(account + "/" + policyId);

        assertThat(PolicyDecisions.delete(null, command(account, delete), delete, NOW).result().getRejection())
                .isEqualTo(SettingsRejection.NOT_FOUND);
    }
}
