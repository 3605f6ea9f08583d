package dev.parapet.settings.commands;

import static dev.parapet.settings.commands.InMemoryStores.command;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import dev.parapet.schemas.v1.common.Scope;
import dev.parapet.schemas.v1.groups.ProfileGroup;
import dev.parapet.schemas.v1.policies.BlockAllowList;
import dev.parapet.schemas.v1.policies.LogMode;
import dev.parapet.schemas.v1.policies.LogSettings;
import dev.parapet.schemas.v1.policies.Policy;
import dev.parapet.schemas.v1.policies.PolicyType;
import dev.parapet.schemas.v1.settings.DeletePolicy;
import dev.parapet.schemas.v1.settings.DomainList;
import dev.parapet.schemas.v1.settings.ImportPolicyDomains;
import dev.parapet.schemas.v1.settings.SettingsCommandResult;
import dev.parapet.schemas.v1.settings.SettingsRejection;
import dev.parapet.schemas.v1.settings.UpsertPolicy;
import dev.parapet.schemas.v1.settings.UpsertProfileGroup;
import dev.parapet.settings.quotas.Quotas;

/**
 * The account writer's quotas on policies, their domains and profile groups, decided from the
 * writer's own stores: commands applied one after another as the writer applies them, so however
 * many requests race, the writer's count is the one that decides.
 */
class QuotaDecisionsTest {

    private static final Quotas SMALL = new Quotas(3, 10, 2, 500, 256, 1000, 2, 10_000);

    private final InMemoryStores stores = new InMemoryStores();
    private final UUID account = UUID.randomUUID();

    private static Policy blockList(UUID policyId, List<String> blocked) {
        return Policy.newBuilder().setAccountId(UUID.randomUUID()).setPolicyId(policyId).setName("p").setVersion(0)
                .setScope(Scope.newBuilder().setEveryone(true).build()).setType(PolicyType.BLOCK_ALLOW_LIST)
                .setBlockAllowList(new BlockAllowList(blocked, List.of())).setUpdatedBy("a").setUpdatedAt(Instant.EPOCH).build();
    }

    private static Policy logging(UUID policyId) {
        return Policy.newBuilder().setAccountId(UUID.randomUUID()).setPolicyId(policyId).setName("p").setVersion(0)
                .setScope(Scope.newBuilder().setEveryone(true).build()).setType(PolicyType.LOG_SETTINGS)
                .setLogSettings(new LogSettings(LogMode.NOTHING)).setUpdatedBy("a").setUpdatedAt(Instant.EPOCH).build();
    }

    private SettingsCommandResult apply(Object action) {
        return stores.decide(command(account, action), false, InMemoryStores.rules(SMALL)).result();
    }

    private static List<String> domains(String prefix, int count) {
        return IntStream.range(0, count).mapToObj(i -> prefix + i + ".example").toList();
    }

    private static void assertQuota(SettingsCommandResult result, String quota, long limit, long current) {
        assertThat(result.getAccepted()).isFalse();
        assertThat(result.getRejection()).isEqualTo(SettingsRejection.QUOTA_EXCEEDED);
        assertThat(result.getQuota().getQuota()).isEqualTo(quota);
        assertThat(result.getQuota().getLimit()).isEqualTo(limit);
        assertThat(result.getQuota().getCurrent()).isEqualTo(current);
    }

    @Test
    void theWriterRefusesAPolicyBeyondTheAccountsQuotaAndAcceptsOneAfterADeletion() {
        UUID first = UUID.randomUUID();
        assertThat(apply(new UpsertPolicy(true, null, logging(first), List.of())).getAccepted()).isTrue();
        assertThat(apply(new UpsertPolicy(true, null, logging(UUID.randomUUID()), List.of())).getAccepted()).isTrue();
        assertThat(apply(new UpsertPolicy(true, null, logging(UUID.randomUUID()), List.of())).getAccepted()).isTrue();
        assertQuota(apply(new UpsertPolicy(true, null, logging(UUID.randomUUID()), List.of())), "policies-per-account", 3, 3);
        assertThat(apply(new UpsertPolicy(false, null, logging(first), List.of())).getAccepted()).as("replacing is no creation").isTrue();
        assertThat(stores.decide(command(UUID.randomUUID(), new UpsertPolicy(true, null, logging(UUID.randomUUID()), List.of())), false,
                InMemoryStores.rules(SMALL)).result().getAccepted()).as("another account has its own quota").isTrue();

        assertThat(apply(new DeletePolicy(first, null)).getAccepted()).isTrue();
        assertThat(apply(new UpsertPolicy(true, null, logging(UUID.randomUUID()), List.of())).getAccepted()).isTrue();
    }

    @Test
    void domainsAcrossTheAccountsPoliciesStayWithinTheQuotaWhetherWrittenOrImported() {
        UUID one = UUID.randomUUID();
        UUID two = UUID.randomUUID();
        assertThat(apply(new UpsertPolicy(true, null, blockList(one, domains("a", 6)), List.of())).getAccepted()).isTrue();
        assertQuota(apply(new UpsertPolicy(true, null, blockList(two, domains("b", 5)), List.of())), "domains-per-account", 10, 6);
        assertThat(apply(new UpsertPolicy(true, null, blockList(two, domains("b", 4)), List.of())).getAccepted()).isTrue();

        assertQuota(apply(new ImportPolicyDomains(one, DomainList.ALLOWED, false, List.of("c.example"), List.of())), "domains-per-account", 10, 10);
        assertThat(apply(new ImportPolicyDomains(one, DomainList.BLOCKED, true, domains("a", 3), List.of())).getAccepted())
                .as("a replacement that shrinks the list passes").isTrue();
        assertThat(apply(new ImportPolicyDomains(one, DomainList.ALLOWED, false, domains("c", 3), List.of())).getAccepted()).isTrue();
        assertQuota(apply(new ImportPolicyDomains(two, DomainList.BLOCKED, false, List.of("d.example"), List.of())), "domains-per-account", 10, 10);
    }

    @Test
    void anAccountOverALoweredQuotaMayStillShrink() {
        UUID one = UUID.randomUUID();
        assertThat(apply(new UpsertPolicy(true, null, blockList(one, domains("a", 10)), List.of())).getAccepted()).isTrue();
        Quotas lowered = new Quotas(3, 5, 2, 500, 256, 1000, 2, 10_000);
        assertThat(stores.decide(command(account, new UpsertPolicy(false, null, blockList(one, domains("a", 8)), List.of())), false,
                InMemoryStores.rules(lowered)).result().getAccepted()).isTrue();
        assertQuota(stores.decide(command(account, new UpsertPolicy(false, null, blockList(one, domains("a", 9)), List.of())), false,
                InMemoryStores.rules(lowered)).result(), "domains-per-account", 5, 8);
    }

    @Test
    void theWriterRefusesAProfileGroupBeyondTheAccountsQuota() {
        for (int i = 0; i < 2; i++) {
            assertThat(apply(new UpsertProfileGroup(true, null, group(UUID.randomUUID()))).getAccepted()).isTrue();
        }
        assertQuota(apply(new UpsertProfileGroup(true, null, group(UUID.randomUUID()))), "profile-groups-per-account", 2, 2);
    }

    private static ProfileGroup group(UUID groupId) {
        return ProfileGroup.newBuilder().setAccountId(UUID.randomUUID()).setGroupId(groupId).setName("g").setVersion(0)
                .setUpdatedBy("a").setUpdatedAt(Instant.EPOCH).build();
    }
}
