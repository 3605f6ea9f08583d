package dev.parapet.keys.commands;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
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

import dev.parapet.keys.KeyServiceProperties;
import dev.parapet.kit.kafka.KafkaKitProperties;
import dev.parapet.kit.kafka.RegistryProperties;
import dev.parapet.kit.state.CommandProcessing;
import dev.parapet.kit.streams.RecordSizes;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.access.KafkaAccess;
import dev.parapet.schemas.v1.agents.AgentState;
import dev.parapet.schemas.v1.audit.AuditEvent;
import dev.parapet.schemas.v1.keys.AccountKeyState;
import dev.parapet.schemas.v1.keys.DeleteKey;
import dev.parapet.schemas.v1.keys.EnrolAgent;
import dev.parapet.schemas.v1.keys.KeyCommand;
import dev.parapet.schemas.v1.keys.KeyCommandResult;

/**
 * One writer per account (invariant 2): a Kafka Streams processor over the command topic,
 * partitioned by account, with exactly-once processing. It keeps each account's key and agents in
 * state stores backed by changelog topics, applies {@link KeyDecisions}, and writes the new states,
 * the command's result and the audit events in one transaction.
 */
@Configuration
@EnableKafkaStreams
public class KeyCommandTopology {

    static final String KEYS_STORE = "account-keys";
    static final String AGENTS_STORE = "agents-by-device";

    @Bean(name = KafkaStreamsDefaultConfiguration.DEFAULT_STREAMS_CONFIG_BEAN_NAME)
    KafkaStreamsConfiguration keyCommandStreamsConfig(KafkaProperties kafka, KafkaKitProperties kit,
                                                      KeyServiceProperties keys, DeadLetterPublishingRecoverer deadLetters) {
        return CommandProcessing.streamsConfig(KafkaAccess.KEY_SERVICE.streamsApplicationId(), kafka, kit, keys.stateDirectory(), deadLetters);
    }

    /** Leave the group when stopping, so that a restart hands the accounts over at once. */
    @Bean
    StreamsBuilderFactoryBeanConfigurer leaveGroupOnClose() {
        return CommandProcessing.leaveGroupOnClose();
    }

    @Bean
    org.apache.kafka.streams.kstream.KStream<String, KeyCommand> keyCommandStream(StreamsBuilder builder, RegistryProperties registry) {
        Serde<SpecificRecord> avro = CommandProcessing.avroSerde(registry);
        Serde<KeyCommand> commands = CommandProcessing.avroSerde(registry);
        Serde<AccountKeyState> keyStates = CommandProcessing.avroSerde(registry);
        Serde<AgentState> agentStates = CommandProcessing.avroSerde(registry);
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(KEYS_STORE), Serdes.String(), keyStates));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(AGENTS_STORE), Serdes.String(), agentStates));
        var stream = builder.stream(Topics.KEY_COMMANDS.name(), Consumed.with(Serdes.String(), commands));
        stream.process(CommandProcessor::new, KEYS_STORE, AGENTS_STORE)
                .to((key, value, context) -> topicFor(value), Produced.with(Serdes.String(), avro));
        return stream;
    }

    private static String topicFor(SpecificRecord value) {
        if (value instanceof AccountKeyState) {
            return Topics.ACCOUNT_KEYS.name();
        }
        if (value instanceof AgentState) {
            return Topics.AGENTS.name();
        }
        if (value instanceof KeyCommandResult) {
            return Topics.KEY_COMMAND_RESULTS.name();
        }
        if (value instanceof AuditEvent) {
            return Topics.AUDIT.name();
        }
        throw new IllegalArgumentException("No topic for " + value.getClass());
    }

    /** Applies commands one at a time per account partition. */
    static final class CommandProcessor implements Processor<String, KeyCommand, String, SpecificRecord> {

        private ProcessorContext<String, SpecificRecord> context;
        private KeyValueStore<String, AccountKeyState> keys;
        private KeyValueStore<String, AgentState> agents;

        @Override
        public void init(ProcessorContext<String, SpecificRecord> context) {
            this.context = context;
            this.keys = context.getStateStore(KEYS_STORE);
            this.agents = context.getStateStore(AGENTS_STORE);
        }

        @Override
        public void process(Record<String, KeyCommand> record) {
            KeyCommand command = record.value();
            if (command == null) {
                return;
            }
            String account = command.getAccountId().toString();
            KeyDecisions.Decision decision = KeyDecisions.decide(keys.get(account), agentsConcerned(account, command), command, Instant.now());
            // Exactly-once cannot skip an output the producer refuses: refuse the command before anything changes.
            List<SpecificRecord> written = new ArrayList<>(decision.agents());
            decision.key().ifPresent(written::add);
            written.addAll(decision.audit());
            written.add(decision.result());
            RecordSizes.requireFits(written);
            decision.key().ifPresent(key -> {
                keys.put(account, key);
                context.forward(record.withKey(account).withValue(key));
            });
            for (AgentState agent : decision.agents()) {
                agents.put(account + "/" + agent.getDeviceId(), agent);
                context.forward(record.withKey(agent.getAgentId().toString()).withValue(agent));
            }
            for (AuditEvent event : decision.audit()) {
                context.forward(record.withKey(account).withValue(event));
            }
            context.forward(record.withKey(account).withValue(decision.result()));
        }

        /**
         * The agents a command can change: an enrolment only its own device's (one lookup, so that
         * enrolling the ten-thousandth agent costs what the first did); a key's deletion all of the
         * account's.
         */
        private List<AgentState> agentsConcerned(String account, KeyCommand command) {
            if (command.getAction() instanceof EnrolAgent enrol) {
                AgentState existing = agents.get(account + "/" + enrol.getDeviceId());
                return existing == null ? List.of() : List.of(existing);
            }
            if (!(command.getAction() instanceof DeleteKey)) {
                return List.of();
            }
            List<AgentState> accountAgents = new ArrayList<>();
            try (KeyValueIterator<String, AgentState> iterator = agents.prefixScan(account + "/", new StringSerializer())) {
                iterator.forEachRemaining((KeyValue<String, AgentState> entry) -> accountAgents.add(entry.value));
            }
            return accountAgents;
        }
    }
}
