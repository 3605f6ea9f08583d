package dev.parapet.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.audit.AuditEvent;
import dev.parapet.schemas.v1.common.Actor;
import dev.parapet.schemas.v1.common.ActorKind;
import dev.parapet.schemas.v1.common.Scope;
import dev.parapet.schemas.v1.groups.ProfileGroup;
import dev.parapet.schemas.v1.locations.Location;
import dev.parapet.schemas.v1.policies.BlockAllowList;
import dev.parapet.schemas.v1.policies.Policy;
import dev.parapet.schemas.v1.policies.PolicyType;
import dev.parapet.schemas.v1.settings.DomainList;
import dev.parapet.schemas.v1.settings.ImportCategoryFeed;
import dev.parapet.schemas.v1.settings.ImportPolicyDomains;
import dev.parapet.schemas.v1.settings.SettingsCommand;
import dev.parapet.schemas.v1.settings.UpdateExceptions;
import dev.parapet.schemas.v1.settings.UpsertLocation;
import dev.parapet.schemas.v1.settings.UpsertPolicy;
import dev.parapet.schemas.v1.settings.UpsertProfileGroup;
import dev.parapet.settings.categories.CategoryFeedDecisions;
import dev.parapet.settings.commands.CommandDecisions;
import dev.parapet.settings.commands.Decision;
import dev.parapet.settings.quotas.Quotas;
import dev.parapet.settings.commands.StateStores;
import dev.parapet.settings.exceptions.ExceptionDecisions;
import dev.parapet.settings.groups.GroupDecisions;
import dev.parapet.settings.locations.LocationDecisions;
import dev.parapet.settings.policies.PolicyDecisions;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every audit record's {@code before} and {@code after} is JSON that gives back exactly what an
 * administrator typed, whatever it was: quotes, backslashes, control characters, U+2028.
 */
class AuditRecordsTest {

    private static final String HOSTILE = "a\"b\\c\n\r\t\u0000\u001f\u007f\u2028\u2029\"}, \"injected\": \"yes";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final UUID ACCOUNT = UUID.randomUUID();
    private static final Instant NOW = Instant.parse("2026-03-04T05:06:07.890Z");

    private static SettingsCommand command(Object action) {
        return SettingsCommand.newBuilder().setCommandId(UUID.randomUUID()).setAccountId(ACCOUNT).setRequestedAt(NOW)
                .setActor(new Actor(HOSTILE, "SUPER_ADMIN", ActorKind.ADMIN, null)).setSourceAddress("192.0.2.1").setAction(action).build();
    }

    /** The audit event among a decision's outputs. */
    private static AuditEvent audit(Decision decision) {
        assertThat(decision.result().getAccepted()).as(String.valueOf(decision.result().getDetail())).isTrue();
        return decision.outputs().stream().filter(output -> output.topic().equals(Topics.AUDIT.name()))
                .map(output -> (AuditEvent) output.value()).findFirst().orElseThrow();
    }

    private static JsonNode after(Decision decision) {
        AuditEvent audit = audit(decision);
        if (audit.getBefore() != null) {
            JSON.readTree(audit.getBefore());
        }
        return JSON.readTree(audit.getAfter());
    }

    private static final java.util.function.Supplier<PolicyDecisions.Usage> NOTHING_USED = () -> new PolicyDecisions.Usage(0, 0);

    /** A writer's state, in memory. */
    private static final class Stores implements StateStores {
        private final Map<String, Map<String, SpecificRecord>> stores = new HashMap<>();

        @Override
        @SuppressWarnings("unchecked")
        public <T extends SpecificRecord> T get(String store, String key) {
            return (T) stores.getOrDefault(store, Map.of()).get(key);
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T extends SpecificRecord> void forEach(String store, Consumer<T> action) {
            stores.getOrDefault(store, Map.of()).values().forEach(value -> action.accept((T) value));
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T extends SpecificRecord> void forEachOfAccount(String store, UUID accountId, Consumer<T> action) {
            stores.getOrDefault(store, Map.of()).forEach((key, value) -> {
                if (key.startsWith(accountId + "/")) {
                    action.accept((T) value);
                }
            });
        }
    }

    private static Policy policy(String name, List<String> blocked) {
        return Policy.newBuilder().setAccountId(ACCOUNT).setPolicyId(UUID.randomUUID()).setName(name).setVersion(0)
                .setScope(Scope.newBuilder().setEveryone(true).build()).setType(PolicyType.BLOCK_ALLOW_LIST)
                .setBlockAllowList(new BlockAllowList(blocked, List.of())).setUpdatedBy("x").setUpdatedAt(NOW).build();
    }

    @Test
    void aPolicysNameAndDomainsComeBackExactly() {
        Policy wanted = policy(HOSTILE, List.of(HOSTILE));
        JsonNode after = after(PolicyDecisions.upsert(null, NOTHING_USED, Quotas.DEFAULTS, command(new UpsertPolicy(true, null, wanted, List.of())),
                new UpsertPolicy(true, null, wanted, List.of()), NOW));
        assertThat(after.at("/policy/name").asString()).isEqualTo(HOSTILE);
        assertThat(after.at("/policy/blockAllowList/blocked/0").asString()).isEqualTo(HOSTILE);
        assertThat(after.at("/policy/updatedBy").asString()).isEqualTo(HOSTILE);
        assertThat(after.at("/blockedCount").asLong()).isEqualTo(1);
        assertThat(after.has("injected")).isFalse();
    }

    @Test
    void importedDomainsComeBackExactly() {
        Policy stored = Policy.newBuilder(policy("p", List.of("a.example"))).setVersion(1).build();
        ImportPolicyDomains imported = new ImportPolicyDomains(stored.getPolicyId(), DomainList.BLOCKED, false, List.of(HOSTILE), List.of());
        JsonNode after = after(PolicyDecisions.importDomains(stored, NOTHING_USED, Quotas.DEFAULTS, command(imported), imported, NOW));
        assertThat(after.at("/change/addedSample/0").asString()).isEqualTo(HOSTILE);
        assertThat(after.at("/change/list").asString()).isEqualTo("BLOCKED");
        assertThat(after.at("/change/addedCount").asLong()).isEqualTo(1);
        assertThat(after.at("/policy/policy/name").asString()).isEqualTo("p");
    }

    @Test
    void exceptionsComeBackExactly() {
        UpdateExceptions update = new UpdateExceptions(null, List.of(HOSTILE), List.of("192.0.2.0/24"));
        JsonNode after = after(ExceptionDecisions.decide(null, command(update), update, NOW));
        assertThat(after.at("/domains/0").asString()).isEqualTo(HOSTILE);
        assertThat(after.at("/ipRanges/0").asString()).isEqualTo("192.0.2.0/24");
    }

    @Test
    void aGroupsNameAndMembersComeBackExactly() {
        ProfileGroup group = new ProfileGroup(ACCOUNT, UUID.randomUUID(), HOSTILE, 0L, List.of(HOSTILE), List.of(HOSTILE), "x", NOW);
        UpsertProfileGroup upsert = new UpsertProfileGroup(true, null, group);
        JsonNode after = after(GroupDecisions.upsert(null, 0, Quotas.DEFAULTS, command(upsert), upsert, NOW));
        assertThat(after.at("/name").asString()).isEqualTo(HOSTILE);
        assertThat(after.at("/memberEmails/0").asString()).isEqualTo(HOSTILE);
        assertThat(after.at("/version").asLong()).isEqualTo(1);
    }

    @Test
    void aLocationsNameComesBackExactly() {
        Location location = Location.newBuilder().setAccountId(ACCOUNT).setLocationId(UUID.randomUUID()).setName(HOSTILE).setVersion(0L)
                .setCidrs(List.of("198.51.100.0/24")).setUpdatedBy("x").setUpdatedAt(NOW).build();
        UpsertLocation upsert = new UpsertLocation(true, null, location);
        JsonNode after = after(LocationDecisions.upsert(new Stores(), new CommandDecisions.Rules(Quotas.DEFAULTS, false), command(upsert), upsert, NOW));
        assertThat(after.at("/name").asString()).isEqualTo(HOSTILE);
        assertThat(after.at("/cidrs/0").asString()).isEqualTo("198.51.100.0/24");
        assertThat(after.at("/locationId").asString()).isEqualTo(location.getLocationId().toString());
    }

    @Test
    void aCategoryFeedsSummaryIsJson() {
        ImportCategoryFeed feed = new ImportCategoryFeed(HOSTILE, List.of("casino.example"), List.of(), null);
        JsonNode after = after(CategoryFeedDecisions.importFeed(new Stores(), command(feed), feed, NOW));
        assertThat(after.at("/category").asString()).isEqualTo(HOSTILE);
        assertThat(after.at("/added").asLong()).isEqualTo(1);
    }

    @Test
    void theSuffixesAChangeKeptByConfirmationAreInItsAuditEvent() {
        Policy wanted = policy("p", List.of("example", "casino.example"));
        UpsertPolicy upsert = new UpsertPolicy(true, null, wanted, List.of("example"));
        assertThat(after(PolicyDecisions.upsert(null, NOTHING_USED, Quotas.DEFAULTS, command(upsert), upsert, NOW))
                .at("/confirmedSuffixes/0").asString()).isEqualTo("example");

        Policy stored = Policy.newBuilder(policy("p", List.of("a.example"))).setVersion(1).build();
        ImportPolicyDomains imported = new ImportPolicyDomains(stored.getPolicyId(), DomainList.BLOCKED, false, List.of("co.uk"),
                List.of("co.uk"));
        assertThat(after(PolicyDecisions.importDomains(stored, NOTHING_USED, Quotas.DEFAULTS, command(imported), imported, NOW))
                .at("/change/confirmedSuffixes/0").asString()).isEqualTo("co.uk");

        ImportCategoryFeed feed = new ImportCategoryFeed("scam", List.of("tk"), List.of("tk"), null);
        assertThat(after(CategoryFeedDecisions.importFeed(new Stores(), command(feed), feed, NOW))
                .at("/confirmedSuffixes/0").asString()).isEqualTo("tk");

        ImportCategoryFeed plain = new ImportCategoryFeed("scam", List.of("casino.example"), List.of(), null);
        assertThat(after(CategoryFeedDecisions.importFeed(new Stores(), command(plain), plain, NOW)).has("confirmedSuffixes")).isFalse();
    }
}
