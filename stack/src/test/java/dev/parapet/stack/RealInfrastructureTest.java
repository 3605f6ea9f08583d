package dev.parapet.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import dev.parapet.stack.RealInfrastructure.WithRealInfrastructure;

@WithRealInfrastructure
class RealInfrastructureTest {

    @Test
    void theBrokerStoresAndReturnsRecordsOnLoopback() throws Exception {
        Infrastructure infrastructure = RealInfrastructure.get();
        assertThat(infrastructure.bootstrapServers()).startsWith("127.0.0.1:");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", infrastructure.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("stack-smoke", 1, (short) 1))).all().get();
        }
        Properties producerProperties = new Properties();
        producerProperties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infrastructure.bootstrapServers());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProperties, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>("stack-smoke", "k", "hello")).get();
        }
        Properties consumerProperties = new Properties();
        consumerProperties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infrastructure.bootstrapServers());
        consumerProperties.put(ConsumerConfig.GROUP_ID_CONFIG, "stack-smoke");
        consumerProperties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProperties, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("stack-smoke"));
            ConsumerRecords<String, String> records = ConsumerRecords.empty();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (records.isEmpty() && System.nanoTime() < deadline) {
                records = consumer.poll(Duration.ofMillis(200));
            }
            assertThat(records.iterator().next().value()).isEqualTo("hello");
        }
    }

    @Test
    void theRegistryRunsWithBackwardCompatibilityAsItsGlobalRule() throws Exception {
        HttpResponse<String> rule = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(RealInfrastructure.get().registryUrl() + "/apis/registry/v3/admin/rules/COMPATIBILITY")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(rule.statusCode()).isEqualTo(200);
        assertThat(rule.body()).contains("BACKWARD");
    }
}
