package dev.parapet.settings.commands;

import static dev.parapet.settings.commands.InMemoryStores.command;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

import dev.parapet.schemas.Topics;
import dev.parapet.settings.siem.SiemDestinationDecisions;
import dev.parapet.schemas.v1.access.AccessRequestRaised;
import dev.parapet.schemas.v1.settings.SettingsCommand;
import dev.parapet.schemas.v1.settings.SettingsRejection;
import dev.parapet.schemas.v1.settings.UpdateAgentSettings;
import dev.parapet.schemas.v1.settings.UpsertLocation;
import dev.parapet.settings.quotas.Quotas;

/**
 * The features' registrations: every command the schema allows has exactly one feature, on the
 * writer it always had, and the stores the topology builds follow from them.
 */
class CommandFeaturesTest {

    /** The global writer's commands, as they were before the registrations (the rest are the accounts' writers'). */
    private static final Set<String> GLOBAL = Set.of("UpsertLocation", "DeleteLocation", "ReviewLocationRanges",
            "SetLocationEncryptedDns", "ImportCategoryFeed", "UpsertCategoryFeedSubscription", "DeleteCategoryFeedSubscription",
            "RecordCategoryFeedCheck", "CreateAccount", "SuspendAccount", "ResumeAccount", "SetAccountAdministrator",
            "RemoveAccountAdministrator");

    private static List<Class<?>> commandTypes() {
        return SettingsCommand.getClassSchema().getField("action").schema().getTypes().stream().map(Schema::getFullName)
                .<Class<?>>map(name -> {
                    try {
                        return (Class<?>) Class.forName(name);
                    } catch (ClassNotFoundException e) {
                        throw new AssertionError(e);
                    }
                }).toList();
    }

    @Test
    void everyCommandTheSchemaAllowsIsRegisteredByOneFeatureOnItsWriter() {
        List<Class<?>> types = commandTypes();
        assertThat(types).hasSize(25);
        Set<Class<?>> registered = CommandFeatures.ALL.stream().flatMap(feature -> feature.commandTypes().stream()).collect(Collectors.toSet());
        assertThat(registered).containsExactlyInAnyOrderElementsOf(types);
        for (Class<?> type : types) {
            Feature.Writer expected = GLOBAL.contains(type.getSimpleName()) ? Feature.Writer.GLOBAL : Feature.Writer.ACCOUNT;
            Feature feature = CommandFeatures.ALL.stream().filter(f -> f.commandTypes().contains(type)).findFirst().orElseThrow();
            assertThat(feature.writer()).as(type.getSimpleName()).isEqualTo(expected);
        }
    }

    @Test
    void theStoresMirrorTheTopicsTheyAlwaysMirroredEachOnOneWriter() {
        assertThat(SettingsCommandTopology.STORE_OF_TOPIC).isEqualTo(Map.of(
                Topics.AGENT_SETTINGS.name(), SettingsCommandTopology.SETTINGS_STORE,
                Topics.EXCEPTIONS.name(), SettingsCommandTopology.EXCEPTIONS_STORE,
                Topics.POLICIES.name(), SettingsCommandTopology.POLICIES_STORE,
                Topics.PROFILE_GROUPS.name(), SettingsCommandTopology.GROUPS_STORE,
                Topics.LOCATIONS.name(), SettingsCommandTopology.LOCATIONS_STORE,
                Topics.DOMAIN_CATEGORIES.name(), SettingsCommandTopology.DOMAIN_CATEGORIES_STORE,
                Topics.CATEGORY_FEEDS.name(), SettingsCommandTopology.CATEGORY_FEEDS_STORE,
                Topics.ACCOUNTS.name(), SettingsCommandTopology.ACCOUNTS_STORE,
                Topics.ACCESS_REQUESTS.name(), SettingsCommandTopology.ACCESS_REQUESTS_STORE,
                Topics.SIEM_DESTINATIONS.name(), SiemDestinationDecisions.STORE));
        assertThat(CommandFeatures.storesOf(Feature.Writer.ACCOUNT)).containsExactlyInAnyOrder(SettingsCommandTopology.SETTINGS_STORE,
                SettingsCommandTopology.EXCEPTIONS_STORE, SettingsCommandTopology.POLICIES_STORE, SettingsCommandTopology.GROUPS_STORE,
                SettingsCommandTopology.ACCESS_REQUESTS_STORE, SiemDestinationDecisions.STORE);
        assertThat(CommandFeatures.storesOf(Feature.Writer.GLOBAL)).containsExactlyInAnyOrder(SettingsCommandTopology.LOCATIONS_STORE,
                SettingsCommandTopology.DOMAIN_CATEGORIES_STORE, SettingsCommandTopology.CATEGORY_FEEDS_STORE,
                SettingsCommandTopology.ACCOUNTS_STORE);
    }

    @Test
    void aCommandIsSentToItsFeaturesWriterUnderItsKey() {
        UUID account = UUID.randomUUID();
        SettingsCommand settings = command(account, new UpdateAgentSettings(null, true, false, false));
        assertThat(CommandFeatures.writerOf(settings.getAction())).isEqualTo(Feature.Writer.ACCOUNT);
        assertThat(Feature.Writer.ACCOUNT.commandTopic()).isEqualTo(Topics.SETTINGS_COMMANDS);
        assertThat(Feature.Writer.ACCOUNT.key(settings)).isEqualTo(account.toString());
        assertThat(CommandFeatures.writerOf(new UpsertLocation())).isEqualTo(Feature.Writer.GLOBAL);
        assertThat(Feature.Writer.GLOBAL.commandTopic()).isEqualTo(Topics.GLOBAL_COMMANDS);
        assertThat(Feature.Writer.GLOBAL.key(settings)).isEqualTo("global");
    }

    @Test
    void aCommandOnTheWrongWriterOrOfNoFeatureIsRefusedAndChangesNothing() {
        InMemoryStores stores = new InMemoryStores();
        CommandDecisions.Rules rules = InMemoryStores.rules(Quotas.DEFAULTS);
        UUID account = UUID.randomUUID();

        Decision wrongWriter = stores.decide(command(account, new UpdateAgentSettings(null, true, false, false)), true, rules);
        assertThat(wrongWriter.result().getAccepted()).isFalse();
        assertThat(wrongWriter.result().getRejection()).isEqualTo(SettingsRejection.OTHER);
        assertThat(wrongWriter.result().getDetail()).isEqualTo("command sent to the wrong writer");
        assertThat(wrongWriter.outputs()).isEmpty();

        SettingsCommand unknown = command(account, new AccessRequestRaised());
        assertThat(CommandDecisions.decide(unknown, stores, Instant.now(), false, rules).result().getDetail()).isEqualTo("unknown command");
        assertThat(CommandDecisions.decide(unknown, stores, Instant.now(), true, rules).result().getDetail())
                .isEqualTo("command sent to the wrong writer");
    }

    @Test
    void aFeatureRegisteringOneCommandTwiceFailsAtOnce() {
        assertThatThrownBy(() -> Feature.of("twice", Feature.Writer.ACCOUNT)
                .command(UpdateAgentSettings.class, (command, update, stores, now, rules) -> null)
                .command(UpdateAgentSettings.class, (command, update, stores, now, rules) -> null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("UpdateAgentSettings");
    }
}
