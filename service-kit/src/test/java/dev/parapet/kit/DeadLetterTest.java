package dev.parapet.kit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.annotation.KafkaListener;

import dev.parapet.kit.kafka.DeadLetters;
import dev.parapet.schemas.AvroSerdes;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.audit.AuditEvent;
import dev.parapet.schemas.v1.audit.Outcome;
import dev.parapet.schemas.v1.common.Actor;
import dev.parapet.stack.RealInfrastructure;
import dev.parapet.stack.RealInfrastructure.WithRealInfrastructure;
import io.micrometer.core.instrument.MeterRegistry;

/** Invariant 4: bad records are set aside with their reason, counted, and consumption goes on. */
@WithRealInfrastructure
@SpringBootTest(classes = {KitTestApplication.class, DeadLetterTest.Listener.class},
        properties = "spring.kafka.consumer.group-id=dead-letter-test")
class DeadLetterTest {

    private static final String TOPIC = Topics.AUDIT.name();

    @TestConfiguration
    static class Listener {
        final BlockingQueue<AuditEvent> received = new LinkedBlockingQueue<>();

        @KafkaListener(topics = "parapet.audit.v1")
        void on(AuditEvent event) {
            if (event.getAction().equals("test.explode")) {
                throw new IllegalStateException("this record cannot be processed");
            }
            received.add(event);
        }

        @Bean
        BlockingQueue<AuditEvent> receivedAuditEvents() {
            return received;
        }
    }

    @Autowired
    BlockingQueue<AuditEvent> received;

    @Autowired
    MeterRegistry meters;

    @Test
    void anUndeserialisableRecordIsDeadLetteredWithItsReasonAndTheConsumerGoesOn() throws Exception {
        String key = "garbage-" + UUID.randomUUID();
        byte[] garbage = {0, 0, 0, 0, 42, 1, 2, 3};
        send(key, garbage);
        AuditEvent good = event("test.good");
        send(good);

        assertThat(received.poll(60, TimeUnit.SECONDS)).isEqualTo(good);
        ConsumerRecord<byte[], byte[]> deadLetter = deadLetter(key);
        assertThat(deadLetter.value()).isEqualTo(garbage);
        assertThat(DeadLetters.reasonOf(deadLetter)).startsWith("cannot deserialise");
        assertThat(meters.counter(DeadLetters.METRIC, "topic", TOPIC).count()).isGreaterThanOrEqualTo(1.0);
    }

    @Test
    void aRecordWhoseProcessingFailsIsDeadLetteredAfterRetriesAndTheConsumerGoesOn() throws Exception {
        AuditEvent poison = event("test.explode");
        send(poison);
        AuditEvent good = event("test.good");
        send(good);

        assertThat(received.poll(60, TimeUnit.SECONDS)).isEqualTo(good);
        ConsumerRecord<byte[], byte[]> deadLetter = deadLetter(poison.getAccountId().toString());
        assertThat(DeadLetters.reasonOf(deadLetter)).isEqualTo("cannot process: IllegalStateException: this record cannot be processed");
        AuditEvent readBack = AvroSerdes.<AuditEvent>deserializer(RealInfrastructure.get().registryUrl(), false)
                .deserialize(TOPIC + ".dlt", deadLetter.value());
        assertThat(readBack).isEqualTo(poison);
    }

    private static AuditEvent event(String action) {
        return AuditEvent.newBuilder().setEventId(UUID.randomUUID()).setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setAccountId(UUID.randomUUID()).setActor(Actor.newBuilder().setSubject("test").build())
                .setAction(action).setResourceType("test").setOutcome(Outcome.SUCCESS).build();
    }

    private static void send(AuditEvent event) throws Exception {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfrastructure.get().bootstrapServers());
        try (KafkaProducer<String, AuditEvent> producer = new KafkaProducer<>(config, new StringSerializer(),
                AvroSerdes.<AuditEvent>serializer(RealInfrastructure.get().registryUrl(), false))) {
            producer.send(new ProducerRecord<>(TOPIC, event.getAccountId().toString(), event)).get();
        }
    }

    private static void send(String key, byte[] value) throws Exception {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfrastructure.get().bootstrapServers());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(TOPIC, key, value)).get();
        }
    }

    private static ConsumerRecord<byte[], byte[]> deadLetter(String key) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfrastructure.get().bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "dlt-reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(TOPIC + ".dlt"));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (key.equals(new String(record.key()))) {
                        return record;
                    }
                }
            }
        }
        throw new AssertionError("No dead letter with key " + key);
    }
}
