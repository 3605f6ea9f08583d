package dev.parapet.kit.kafka;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaConsumerFactoryCustomizer;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaProducerFactoryCustomizer;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.support.serializer.DelegatingByTypeSerializer;

import dev.parapet.schemas.AvroSerdes;
import dev.parapet.schemas.Topic;
import dev.parapet.schemas.Topics;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Wires the Kafka settings of {@link KafkaDefaults} into Spring Boot's Kafka auto-configuration,
 * the dead-letter error handler for every listener, and the creation of the catalogue's topics
 * (and their dead-letter topics) when they are missing.
 */
@AutoConfiguration(before = KafkaAutoConfiguration.class)
@EnableConfigurationProperties({KafkaKitProperties.class, RegistryProperties.class})
public class KafkaKitConfiguration {

    @Bean
    DefaultKafkaProducerFactoryCustomizer parapetProducerDefaults(RegistryProperties registry, KafkaKitProperties kafka) {
        return factory -> factory.updateConfigs(KafkaDefaults.producer(registry, kafka.compression()));
    }

    @Bean
    DefaultKafkaConsumerFactoryCustomizer parapetConsumerDefaults(RegistryProperties registry) {
        return factory -> factory.updateConfigs(KafkaDefaults.consumer(registry.url()));
    }

    /** Writes dead letters: raw bytes as they came, or Avro records that failed in processing. */
    static KafkaTemplate<Object, Object> deadLetterTemplate(KafkaProperties properties, RegistryProperties registry,
                                                     KafkaKitProperties kafka) {
        Map<String, Object> config = new LinkedHashMap<>(properties.buildProducerProperties());
        config.putAll(KafkaDefaults.producer(registry, kafka.compression()));
        config.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
        config.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
        Map<Class<?>, Serializer<?>> keys = new LinkedHashMap<>();
        keys.put(byte[].class, new ByteArraySerializer());
        keys.put(String.class, new StringSerializer());
        Map<Class<?>, Serializer<?>> values = new LinkedHashMap<>();
        values.put(byte[].class, new ByteArraySerializer());
        values.put(SpecificRecord.class, AvroSerdes.serializer(registry.url(), false, registry.autoRegister()));
        DefaultKafkaProducerFactory<Object, Object> factory = new DefaultKafkaProducerFactory<>(config,
                new DelegatingByTypeSerializer(keys, true), new DelegatingByTypeSerializer(values, true));
        return new KafkaTemplate<>(factory);
    }

    @Bean
    @ConditionalOnMissingBean
    DeadLetterPublishingRecoverer deadLetterRecoverer(KafkaProperties properties, RegistryProperties registry,
                                                      KafkaKitProperties kafka, MeterRegistry meters) {
        return DeadLetters.recoverer(deadLetterTemplate(properties, registry, kafka), meters);
    }

    @Bean
    @ConditionalOnMissingBean
    CommonErrorHandler parapetDeadLetterErrorHandler(DeadLetterPublishingRecoverer deadLetterRecoverer) {
        return DeadLetters.errorHandler(deadLetterRecoverer);
    }

    /** Every topic of the catalogue and its dead-letter topic, created at start-up where missing. */
    @Bean
    KafkaAdmin.NewTopics parapetTopics(KafkaKitProperties kafka) {
        if (!kafka.createTopics()) {
            return new KafkaAdmin.NewTopics();
        }
        List<NewTopic> topics = new ArrayList<>();
        for (Topic<?> topic : Topics.all()) {
            topics.add(newTopic(topic.name(), topic.partitions(), topic.configs(), kafka));
            topics.add(newTopic(topic.deadLetterTopic(), 1, Topic.deadLetterConfigs(), kafka));
        }
        return new KafkaAdmin.NewTopics(topics.toArray(NewTopic[]::new));
    }

    private static NewTopic newTopic(String name, int partitions, Map<String, String> configs, KafkaKitProperties kafka) {
        Map<String, String> all = new LinkedHashMap<>(configs);
        all.put("min.insync.replicas", Integer.toString(kafka.minInsyncReplicas()));
        return TopicBuilder.name(name).partitions(partitions).replicas(kafka.replicationFactor()).configs(all).build();
    }
}
