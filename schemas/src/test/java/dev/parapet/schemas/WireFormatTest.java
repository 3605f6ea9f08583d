package dev.parapet.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import dev.parapet.schemas.v1.audit.AuditEvent;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;
import dev.parapet.stack.RealInfrastructure;
import dev.parapet.stack.RealInfrastructure.WithRealInfrastructure;

/**
 * A record written by one service's serializer is read by another's deserializer (each with its own
 * registry client and cache), and the bytes on the wire are the Confluent format: byte 0, then a
 * 4-byte id that the registry's Confluent-compatible API resolves to the writer's schema.
 */
@WithRealInfrastructure
class WireFormatTest {

    private static final String TOPIC = Topics.AUDIT.name();

    @Test
    void aRecordWrittenByOneServiceIsReadByAnotherInConfluentWireFormat() throws Exception {
        String bootstrap = RealInfrastructure.get().bootstrapServers();
        String registry = RealInfrastructure.get().registryUrl();
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
        }
        AuditEvent written = SchemaRegistrationTest.event();

        Properties producerConfig = new Properties();
        producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (KafkaProducer<String, AuditEvent> keyService = new KafkaProducer<>(producerConfig,
                new StringSerializer(), AvroSerdes.<AuditEvent>serializer(registry, false))) {
            keyService.send(new ProducerRecord<>(TOPIC, written.getAccountId().toString(), written)).get();
        }

        byte[] wire = readOne(bootstrap, new ByteArrayDeserializer());
        assertThat(wire[0]).as("magic byte").isZero();
        int schemaId = ByteBuffer.wrap(wire, 1, 4).getInt();

        HttpResponse<String> resolved = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(registry + "/apis/ccompat/v7/schemas/ids/" + schemaId)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(resolved.statusCode()).isEqualTo(200);
        Matcher schemaField = Pattern.compile("\"schema\"\\s*:\\s*(\".*\")", Pattern.DOTALL).matcher(resolved.body());
        assertThat(schemaField.find()).isTrue();
        String schemaJson = new com.fasterxml.jackson.databind.ObjectMapper().readValue(schemaField.group(1), String.class);
        assertThat(new Schema.Parser().parse(schemaJson)).isEqualTo(AuditEvent.getClassSchema());

        Deserializer<AuditEvent> diagnosticsService = AvroSerdes.deserializer(registry, false);
        AuditEvent read = readOne(bootstrap, diagnosticsService);
        assertThat(read).isEqualTo(written);
    }

    /**
     * The command docs/topics.md and the README give for reading a topic with tools nobody here wrote
     * (Kafka's console consumer, Apicurio's deserializer) prints a service's record as JSON.
     */
    @Test
    void theDocumentedConsoleConsumerPrintsARecordAsJson() throws Exception {
        String bootstrap = RealInfrastructure.get().bootstrapServers();
        String registry = RealInfrastructure.get().registryUrl();
        String topic = Topics.VERDICTS.name();
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
            if (!admin.listTopics().names().get().contains(topic)) {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            }
        }
        DnsVerdict verdict = SchemaIdentityDatumProviderTest.verdict();
        Properties producerConfig = new Properties();
        producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (KafkaProducer<String, DnsVerdict> dnsService = new KafkaProducer<>(producerConfig,
                new StringSerializer(), AvroSerdes.<DnsVerdict>serializer(registry, false))) {
            dnsService.send(new ProducerRecord<>(topic, verdict.getAccountId().toString(), verdict)).get();
        }

        Path root = Path.of(System.getProperty("parapet.root", "..")).toAbsolutePath().normalize();
        ProcessBuilder command = new ProcessBuilder(root.resolve("bin").resolve("kafka-avro-console-consumer").toString(),
                "--topic", topic, "--from-beginning", "--max-messages", "1", "--timeout-ms", "60000")
                .redirectErrorStream(true);
        command.environment().put("PARAPET_BOOTSTRAP", bootstrap);
        command.environment().put("PARAPET_REGISTRY", registry);
        Process consumer = command.start();
        String output = new String(consumer.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(consumer.waitFor(90, TimeUnit.SECONDS)).isTrue();
        assertThat(consumer.exitValue()).as(output).isZero();
        assertThat(output).contains(verdict.getAccountId() + "\t{\"eventId\": \"" + verdict.getEventId() + "\"")
                .contains("\"queryName\": \"a.test\"", "\"action\": \"BLOCKED\"", "\"categoryIds\": [\"phishing\"]")
                .doesNotContain("SLF4J", "WARNING");
    }

    private static <V> V readOne(String bootstrap, Deserializer<V> values) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "wire-format-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(config, new StringDeserializer(), values)) {
            consumer.subscribe(List.of(TOPIC));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, V> record : consumer.poll(Duration.ofMillis(200))) {
                    return record.value();
                }
            }
        }
        throw new AssertionError("No record arrived on " + TOPIC);
    }
}
