package dev.parapet.kit.state;

import java.util.HashMap;
import java.util.Map;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.kafka.config.KafkaStreamsConfiguration;
import org.springframework.kafka.config.StreamsBuilderFactoryBeanConfigurer;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;

import dev.parapet.kit.kafka.KafkaKitProperties;
import dev.parapet.kit.kafka.RegistryProperties;
import dev.parapet.kit.streams.StreamsDeadLetters;
import dev.parapet.schemas.AvroSerdes;
import dev.parapet.schemas.Topic;

/**
 * The settings of a service's single writer per account: a Kafka Streams application over a command
 * topic partitioned by account, exactly-once, committing fast because an administrator waits for
 * the result, handing its accounts over within seconds when an instance stops, and dead-lettering
 * commands it cannot read, process or write out (invariant 4, {@link StreamsDeadLetters}).
 */
public final class CommandProcessing {

    /** See {@link #streamsConfig}: commit after every processed batch. */
    public static final long COMMIT_INTERVAL_MS = 0;

    private CommandProcessing() {
    }

    /**
     * The producer for commands: the service's own (same brokers, serialisers, idempotence, acks=all), but sending each
     * command at once, without the linger other records batch with (5 ms in {@code KafkaDefaults}): a command is one
     * record an administrator waits on, with nothing to batch it with. The template makes a producer of its own; call
     * {@link KafkaTemplate#destroy()} when done with it.
     */
    public static <K, V> KafkaTemplate<K, V> commandTemplate(KafkaTemplate<K, V> template) {
        return new KafkaTemplate<>(template.getProducerFactory(), Map.of(ProducerConfig.LINGER_MS_CONFIG, 0));
    }

    public static KafkaStreamsConfiguration streamsConfig(String applicationId, KafkaProperties kafka, KafkaKitProperties kit,
                                                          String stateDirectory, DeadLetterPublishingRecoverer deadLetters) {
        // Spring's Kafka settings first: the brokers, and how to authenticate to them (spring.kafka.security.*,
        // spring.kafka.ssl.*, spring.kafka.properties.*), which a secured cluster requires of every client.
        Map<String, Object> config = new HashMap<>(kafka.buildStreamsProperties());
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        config.putIfAbsent(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", kafka.getBootstrapServers()));
        config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        config.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) kit.replicationFactor());
        config.put(StreamsConfig.STATE_DIR_CONFIG, stateDirectory);
        // Commit as soon as a batch of commands is processed: their results and records become readable
        // (read_committed) only then, and an administrator waits for them. With an interval (it was 20 ms),
        // a command that arrived within the interval of the last check waited for the next poll to return
        // (poll.ms, 100 ms while idle) before its commit: a fifth of the writes took 100 ms more.
        // Commands are few, so a transaction per batch costs nothing that matters; a burst is one batch.
        config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL_MS);
        config.put(StreamsConfig.producerPrefix("linger.ms"), 0);
        // One produce request in flight: with more, a batch refused retriably (CONCURRENT_TRANSACTIONS,
        // while the previous transaction's markers are written) can be overtaken by the next one, and
        // its retry then fails with OUT_OF_ORDER_SEQUENCE_NUMBER until the delivery timeout
        // (KAFKA-14359): the writer stalls and administrators wait. Commands are few; order is cheap.
        config.put(StreamsConfig.producerPrefix("max.in.flight.requests.per.connection"), 1);
        config.put(StreamsConfig.producerPrefix("max.request.size"), Topic.MAX_RECORD_BYTES);
        config.put(StreamsConfig.topicPrefix("max.message.bytes"), Integer.toString(Topic.MAX_RECORD_BYTES));
        config.put(StreamsConfig.consumerPrefix("max.poll.records"), 200);
        config.put(StreamsConfig.consumerPrefix("session.timeout.ms"), 6000);
        config.put(StreamsConfig.consumerPrefix("heartbeat.interval.ms"), 1500);
        config.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, StreamsDeadLetters.Deserialization.class);
        // A command that breaks a rule, or whose output cannot be written, is set aside too; the writer goes on.
        config.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, StreamsDeadLetters.Processing.class);
        config.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, StreamsDeadLetters.Production.class);
        config.put(StreamsDeadLetters.RECOVERER, deadLetters);
        return new KafkaStreamsConfiguration(config);
    }

    /** Leave the group when stopping, so that a restart hands the accounts over at once. */
    public static StreamsBuilderFactoryBeanConfigurer leaveGroupOnClose() {
        return factory -> factory.setLeaveGroupOnClose(true);
    }

    /**
     * A fresh Avro serde. Use one per store and per output: Apicurio's serializer caches the id of a
     * schema it registered, so one shared between a changelog and an output topic would never
     * register the output topic's subject. It registers a missing schema only where
     * {@link RegistryProperties#autoRegister()} says so.
     */
    public static <T extends SpecificRecord> Serde<T> avroSerde(RegistryProperties registry) {
        return Serdes.serdeFrom(AvroSerdes.serializer(registry.url(), false, registry.autoRegister()),
                AvroSerdes.deserializer(registry.url(), false));
    }
}
