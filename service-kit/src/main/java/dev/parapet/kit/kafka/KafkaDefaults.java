package dev.parapet.kit.kafka;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.kafka.support.serializer.ErrorHandlingDeserializer;

import dev.parapet.schemas.AvroSerdes;
import dev.parapet.schemas.Topic;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;

/**
 * The Kafka client settings every Parapet service uses. They are pinned in code, above whatever a
 * configuration file says, because the invariants depend on them: an acknowledged write is never
 * lost (idempotent, acks=all) and every value is Avro in the Confluent wire format.
 */
public final class KafkaDefaults {

    private KafkaDefaults() {
    }

    /**
     * Producer settings: idempotent, acknowledged by all in-sync replicas, compressed, Avro values
     * (registering a missing schema only where {@link RegistryProperties#autoRegister()} says so).
     */
    public static Map<String, Object> producer(RegistryProperties registry, String compression) {
        Map<String, Object> config = new LinkedHashMap<>(AvroSerdes.serializerConfig(registry.url(), registry.autoRegister()));
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        config.put(ProducerConfig.RETRIES_CONFIG, Integer.MAX_VALUE);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topic.MAX_RECORD_BYTES);
        // A send that cannot even start (no metadata, buffer full) fails within API timeouts, not after a minute.
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroKafkaSerializer.class);
        return config;
    }

    /**
     * Consumer settings: Avro values read as the generated classes; a value that cannot be
     * deserialised does not stop the consumer but reaches the error handler, which dead-letters it.
     */
    public static Map<String, Object> consumer(String registryUrl) {
        Map<String, Object> config = new LinkedHashMap<>(AvroSerdes.deserializerConfig(registryUrl));
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ErrorHandlingDeserializer.class);
        config.put(ErrorHandlingDeserializer.KEY_DESERIALIZER_CLASS, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ErrorHandlingDeserializer.class);
        config.put(ErrorHandlingDeserializer.VALUE_DESERIALIZER_CLASS, AvroKafkaDeserializer.class);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return config;
    }
}
