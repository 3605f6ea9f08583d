package dev.parapet.settings.agentsettings;

import java.time.Instant;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
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
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.audit.AuditEvent;
import dev.parapet.schemas.v1.settings.AgentSettings;
import dev.parapet.schemas.v1.settings.SettingsCommand;
import dev.parapet.schemas.v1.settings.SettingsCommandResult;
import dev.parapet.schemas.v1.settings.SettingsRejection;
import dev.parapet.schemas.v1.settings.UpdateExceptions;
import dev.parapet.schemas.v1.exceptions.AccountExceptions;
import dev.parapet.settings.exceptions.ExceptionDecisions;
import dev.parapet.settings.SettingsProperties;

/** One writer per account for agent settings: commands applied in order, exactly once. */
@Configuration
@EnableKafkaStreams
public class SettingsCommandTopology {

    static final String STORE = "agent-settings";
    static final String EXCEPTIONS_STORE = "account-exceptions";

    @Bean(name = KafkaStreamsDefaultConfiguration.DEFAULT_STREAMS_CONFIG_BEAN_NAME)
    KafkaStreamsConfiguration settingsCommandStreamsConfig(KafkaProperties kafka, KafkaKitProperties kit,
                                                           SettingsProperties settings, DeadLetterPublishingRecoverer deadLetters) {
        return CommandProcessing.streamsConfig("settings-service-commands", kafka, kit, settings.stateDirectory(), deadLetters);
    }

    @Bean
    StreamsBuilderFactoryBeanConfigurer settingsLeaveGroupOnClose() {
        return CommandProcessing.leaveGroupOnClose();
    }

    @Bean
    KStream<String, SettingsCommand> settingsCommandStream(StreamsBuilder builder, RegistryProperties registry) {
        Serde<SpecificRecord> output = CommandProcessing.avroSerde(registry.url());
        Serde<SettingsCommand> commands = CommandProcessing.avroSerde(registry.url());
        Serde<AgentSettings> stored = CommandProcessing.avroSerde(registry.url());
        Serde<AccountExceptions> storedExceptions = CommandProcessing.avroSerde(registry.url());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(), stored));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(EXCEPTIONS_STORE), Serdes.String(), storedExceptions));
        KStream<String, SettingsCommand> stream = builder.stream(Topics.SETTINGS_COMMANDS.name(), Consumed.with(Serdes.String(), commands));
        stream.process(CommandProcessor::new, STORE, EXCEPTIONS_STORE)
                .to((key, value, context) -> value instanceof AgentSettings ? Topics.AGENT_SETTINGS.name()
                        : value instanceof AccountExceptions ? Topics.EXCEPTIONS.name()
                        : value instanceof AuditEvent ? Topics.AUDIT.name() : Topics.SETTINGS_COMMAND_RESULTS.name(),
                        Produced.with(Serdes.String(), output));
        return stream;
    }

    static final class CommandProcessor implements Processor<String, SettingsCommand, String, SpecificRecord> {

        private ProcessorContext<String, SpecificRecord> context;
        private KeyValueStore<String, AgentSettings> store;
        private KeyValueStore<String, AccountExceptions> exceptions;

        @Override
        public void init(ProcessorContext<String, SpecificRecord> context) {
            this.context = context;
            this.store = context.getStateStore(STORE);
            this.exceptions = context.getStateStore(EXCEPTIONS_STORE);
        }

        @Override
        public void process(Record<String, SettingsCommand> record) {
            SettingsCommand command = record.value();
            if (command == null) {
                return;
            }
            String account = command.getAccountId().toString();
            if (command.getAction() instanceof UpdateExceptions update) {
                Instant now = Instant.now();
                AccountExceptions before = exceptions.get(account);
                var after = ExceptionDecisions.apply(before, command, update, now);
                after.ifPresent(updated -> {
                    exceptions.put(account, updated);
                    context.forward(record.withKey(account).withValue(updated));
                    context.forward(record.withKey(account).withValue(ExceptionDecisions.audit(command, before, updated, now)));
                });
                context.forward(record.withKey(account).withValue(SettingsCommandResult.newBuilder()
                        .setCommandId(command.getCommandId()).setAccountId(command.getAccountId())
                        .setAccepted(after.isPresent())
                        .setRejection(after.isPresent() ? null : SettingsRejection.VERSION_MISMATCH)
                        .setVersion(after.map(AccountExceptions::getVersion).orElse(ExceptionDecisions.currentVersion(before)))
                        .build()));
                return;
            }
            SettingsDecisions.Decision decision = SettingsDecisions.decide(store.get(account), command, Instant.now());
            decision.settings().ifPresent(settings -> {
                store.put(account, settings);
                context.forward(record.withKey(account).withValue(settings));
            });
            decision.audit().forEach(event -> context.forward(record.withKey(account).withValue(event)));
            SettingsCommandResult result = decision.result();
            context.forward(record.withKey(account).withValue(result));
        }
    }
}
