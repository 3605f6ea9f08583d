package dev.parapet.settings.commands;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.TopicNameExtractor;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.annotation.EnableKafkaStreams;
import org.springframework.kafka.annotation.KafkaStreamsDefaultConfiguration;
import org.springframework.kafka.config.KafkaStreamsConfiguration;
import org.springframework.kafka.config.StreamsBuilderFactoryBeanConfigurer;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;

import dev.parapet.kit.kafka.KafkaKitProperties;
import dev.parapet.kit.kafka.RegistryProperties;
import dev.parapet.kit.state.CommandProcessing;
import dev.parapet.kit.streams.RecordSizes;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.access.AccessRequestRaised;
import dev.parapet.settings.access.AccessRequestDecisions;
import dev.parapet.schemas.access.KafkaAccess;
import dev.parapet.schemas.v1.settings.SettingsCommand;
import dev.parapet.settings.SettingsProperties;

/**
 * The writers of settings-service, one Kafka Streams application with exactly-once processing: one
 * writer per account (settings-commands, partitioned by account) for agent settings, exceptions,
 * policies, profile groups and access requests; and one global writer (global-commands, one partition) for
 * locations, whose ranges must not overlap across accounts, for category feeds (merged per domain) and their
 * subscriptions, and for the account registry, whose names and administrators are unique across accounts. Which
 * commands, stores and writer each feature has is its registration ({@link CommandFeatures}); this class only
 * wires them. Each command is decided from the writer's state stores ({@link CommandDecisions}); what it
 * publishes goes to the topic its decision names, and to the store kept for that topic.
 */
@Configuration
@EnableKafkaStreams
public class SettingsCommandTopology {

    public static final String SETTINGS_STORE = "agent-settings";
    public static final String EXCEPTIONS_STORE = "account-exceptions";
    public static final String POLICIES_STORE = "policies";
    public static final String GROUPS_STORE = "profile-groups";
    public static final String LOCATIONS_STORE = "locations";
    public static final String DOMAIN_CATEGORIES_STORE = "domain-categories";
    public static final String CATEGORY_FEEDS_STORE = "category-feeds";
    public static final String ACCOUNTS_STORE = "accounts";
    public static final String ACCESS_REQUESTS_STORE = "access-requests";

    /** The store that mirrors each published topic, under the same key, as the features registered them. */
    static final Map<String, String> STORE_OF_TOPIC = CommandFeatures.storeOfTopic();

    /**
     * Carries each output's topic from the processor to the sink: the topic is whatever the decision names, so no
     * command type or topic needs wiring here.
     */
    private static final String TARGET_HEADER = "parapet-target-topic";

    /**
     * Every record a command writes carries the command's id and account, so that whoever follows
     * the topics can tell which change it belongs to (see docs/settings.md, Propagation).
     */
    public static final String COMMAND_ID_HEADER = "parapet-command-id";
    public static final String ACCOUNT_ID_HEADER = "parapet-account-id";

    @Bean(name = KafkaStreamsDefaultConfiguration.DEFAULT_STREAMS_CONFIG_BEAN_NAME)
    KafkaStreamsConfiguration settingsCommandStreamsConfig(KafkaProperties kafka, KafkaKitProperties kit,
                                                           SettingsProperties settings, DeadLetterPublishingRecoverer deadLetters) {
        return CommandProcessing.streamsConfig(KafkaAccess.SETTINGS_SERVICE.streamsApplicationId(), kafka, kit, settings.stateDirectory(), deadLetters);
    }

    @Bean
    StreamsBuilderFactoryBeanConfigurer settingsLeaveGroupOnClose() {
        return CommandProcessing.leaveGroupOnClose();
    }

    @Bean
    KStream<String, SettingsCommand> settingsCommandStream(StreamsBuilder builder, RegistryProperties registry,
                                                           SettingsProperties settings) {
        CommandDecisions.Rules rules = new CommandDecisions.Rules(settings.quotas(), settings.allowPrivateRanges());
        // Every store a feature registered, connected to the processor of the feature's writer.
        for (String store : STORE_OF_TOPIC.values()) {
            Serde<SpecificRecord> stored = CommandProcessing.avroSerde(registry);
            builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(store), Serdes.String(), stored));
        }
        Serde<SpecificRecord> output = CommandProcessing.avroSerde(registry);
        KStream<String, SettingsCommand> accountCommands = builder.stream(Feature.Writer.ACCOUNT.commandTopic().name(),
                Consumed.with(Serdes.String(), CommandProcessing.<SettingsCommand>avroSerde(registry)));
        // Access requests raised on block pages (dns-service) join the account's commands: same key (the account), same
        // partitions, one writer. A record keyed other than by its own account would reach another partition's store: dropped.
        KStream<String, SettingsCommand> raisedRequests = builder.stream(Topics.ACCESS_REQUESTS_RAISED.name(),
                        Consumed.with(Serdes.String(), CommandProcessing.<AccessRequestRaised>avroSerde(registry)))
                .filter((key, raised) -> raised != null && raised.getAccountId().toString().equals(key))
                .mapValues(AccessRequestDecisions::command);
        accountCommands.merge(raisedRequests)
                .process(() -> new CommandProcessor(false, rules), storesOf(Feature.Writer.ACCOUNT))
                .to(byTargetHeader(), Produced.with(Serdes.String(), output));
        KStream<String, SettingsCommand> globalCommands = builder.stream(Feature.Writer.GLOBAL.commandTopic().name(),
                Consumed.with(Serdes.String(), CommandProcessing.<SettingsCommand>avroSerde(registry)));
        globalCommands.process(() -> new CommandProcessor(true, rules), storesOf(Feature.Writer.GLOBAL))
                .to(byTargetHeader(), Produced.with(Serdes.String(), output));
        return accountCommands;
    }

    private static String[] storesOf(Feature.Writer writer) {
        return CommandFeatures.storesOf(writer).toArray(String[]::new);
    }

    private static TopicNameExtractor<String, SpecificRecord> byTargetHeader() {
        return (key, value, context) -> new String(context.headers().lastHeader(TARGET_HEADER).value(), StandardCharsets.UTF_8);
    }

    static final class CommandProcessor implements Processor<String, SettingsCommand, String, SpecificRecord>, StateStores {

        private final boolean global;
        private final CommandDecisions.Rules rules;
        private final Map<String, KeyValueStore<String, SpecificRecord>> stores = new HashMap<>();
        private ProcessorContext<String, SpecificRecord> context;

        CommandProcessor(boolean global, CommandDecisions.Rules rules) {
            this.global = global;
            this.rules = rules;
        }

        @Override
        public void init(ProcessorContext<String, SpecificRecord> context) {
            this.context = context;
            for (String store : STORE_OF_TOPIC.values()) {
                try {
                    stores.put(store, context.getStateStore(store));
                } catch (RuntimeException notConnected) {
                    // this processor is not connected to that store
                }
            }
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T extends SpecificRecord> T get(String store, String key) {
            return (T) stores.get(store).get(key);
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T extends SpecificRecord> void forEach(String store, Consumer<T> action) {
            try (KeyValueIterator<String, SpecificRecord> all = stores.get(store).all()) {
                all.forEachRemaining(entry -> action.accept((T) entry.value));
            }
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T extends SpecificRecord> void forEachOfAccount(String store, UUID accountId, Consumer<T> action) {
            try (KeyValueIterator<String, SpecificRecord> ofAccount =
                         stores.get(store).prefixScan(accountId + "/", new StringSerializer())) {
                ofAccount.forEachRemaining(entry -> action.accept((T) entry.value));
            }
        }

        @Override
        public void process(Record<String, SettingsCommand> record) {
            SettingsCommand command = record.value();
            if (command == null) {
                return;
            }
            Decision decision = CommandDecisions.decide(command, this, Instant.now(), global, rules);
            // Exactly-once cannot skip an output the producer refuses: refuse the command before anything changes.
            java.util.List<SpecificRecord> written = new java.util.ArrayList<>();
            decision.outputs().forEach(output -> written.add(output.value()));
            written.add(decision.result());
            RecordSizes.requireFits(written);
            for (Decision.Output output : decision.outputs()) {
                String store = STORE_OF_TOPIC.get(output.topic());
                if (store != null) {
                    if (output.value() == null) {
                        stores.get(store).delete(output.key());
                    } else {
                        stores.get(store).put(output.key(), output.value());
                    }
                }
                forward(record, output.topic(), output.key(), output.value());
            }
            forward(record, Topics.SETTINGS_COMMAND_RESULTS.name(), command.getAccountId().toString(), decision.result());
        }

        private void forward(Record<String, SettingsCommand> record, String topic, String key, SpecificRecord value) {
            RecordHeaders headers = new RecordHeaders();
            headers.add(TARGET_HEADER, topic.getBytes(StandardCharsets.UTF_8));
            headers.add(COMMAND_ID_HEADER, record.value().getCommandId().toString().getBytes(StandardCharsets.UTF_8));
            headers.add(ACCOUNT_ID_HEADER, record.value().getAccountId().toString().getBytes(StandardCharsets.UTF_8));
            context.forward(new Record<>(key, value, record.timestamp(), headers));
        }
    }
}
