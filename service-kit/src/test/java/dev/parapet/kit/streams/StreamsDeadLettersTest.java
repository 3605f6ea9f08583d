package dev.parapet.kit.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.annotation.EnableKafkaStreams;
import org.springframework.kafka.annotation.KafkaStreamsDefaultConfiguration;
import org.springframework.kafka.config.KafkaStreamsConfiguration;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;

import dev.parapet.kit.KitTestApplication;
import dev.parapet.kit.kafka.DeadLetters;
import dev.parapet.kit.kafka.KafkaKitProperties;
import dev.parapet.kit.state.CommandProcessing;
import dev.parapet.stack.RealInfrastructure;
import dev.parapet.stack.RealInfrastructure.WithRealInfrastructure;

/**
 * A Kafka Streams writer configured as every Parapet writer is ({@link CommandProcessing}) meets a
 * record whose processing throws and one whose output cannot be serialised: each goes to the
 * dead-letter topic with its reason, and the records after them are still processed. (Before the
 * handlers, the first one stopped the client for good.)
 */
@WithRealInfrastructure
@SpringBootTest(classes = {KitTestApplication.class, StreamsDeadLettersTest.Writer.class})
class StreamsDeadLettersTest {

    static final String IN = "kit-streams-faults";
    static final String OUT = "kit-streams-faults-out";

    @TestConfiguration
    @EnableKafkaStreams
    static class Writer {

        @Bean(name = KafkaStreamsDefaultConfiguration.DEFAULT_STREAMS_CONFIG_BEAN_NAME)
        KafkaStreamsConfiguration config(KafkaProperties kafka, KafkaKitProperties kit, DeadLetterPublishingRecoverer deadLetters) {
            return CommandProcessing.streamsConfig("kit-streams-faults-" + UUID.randomUUID(), kafka, kit,
                    "target/streams/kit-" + UUID.randomUUID(), deadLetters);
        }

        @Bean
        KStream<String, String> faultyWriter(StreamsBuilder builder) {
            KStream<String, String> in = builder.stream(IN, Consumed.with(Serdes.String(), Serdes.String()));
            in.mapValues(value -> switch (value) {
                case "explode" -> throw new IllegalStateException("this command breaks a rule");
                default -> value + " done";
            }).to(OUT, Produced.with(Serdes.String(), Serdes.serdeFrom((topic, value) -> {
                if (value.startsWith("unwritable")) {
                    throw new org.apache.kafka.common.errors.SerializationException("this output cannot be written");
                }
                return value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            }, (topic, bytes) -> new String(bytes, java.nio.charset.StandardCharsets.UTF_8))));
            return in;
        }
    }

    @Autowired
    StreamsBuilderFactoryBean factory;

    @Autowired
    StreamsSupervision.StreamsHealthIndicator streamsHealth;

    @BeforeAll
    static void topics() throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", RealInfrastructure.get().bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(IN, 1, (short) 1), new NewTopic(IN + ".dlt", 1, (short) 1),
                    new NewTopic(OUT, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aRecordThatFailsInProcessingOrProductionIsDeadLetteredAndTheWriterGoesOn() throws Exception {
        String run = UUID.randomUUID().toString();
        send(run + "-poison", "explode");
        send(run + "-unwritable", "unwritable");
        send(run + "-good", "fine");

        Map<String, ConsumerRecord<byte[], byte[]>> out = read(OUT, 1, run);
        assertThat(new String(out.get(run + "-good").value())).isEqualTo("fine done");

        Map<String, ConsumerRecord<byte[], byte[]>> dead = read(IN + ".dlt", 2, run);
        assertThat(new String(dead.get(run + "-poison").value())).as("the command as it was read").isEqualTo("explode");
        assertThat(DeadLetters.reasonOf(dead.get(run + "-poison")))
                .isEqualTo("cannot process: IllegalStateException: this command breaks a rule");
        assertThat(new String(dead.get(run + "-unwritable").value())).isEqualTo("unwritable");
        assertThat(DeadLetters.reasonOf(dead.get(run + "-unwritable"))).contains("this output cannot be written");

        assertThat(factory.getKafkaStreams().state()).isEqualTo(KafkaStreams.State.RUNNING);
        assertThat(streamsHealth.health(true).getStatus().getCode()).isEqualTo("UP");
        System.out.printf("streams faults: 2 records dead-lettered, the writer RUNNING, the next record processed%n");

        // What a fatal error leaves behind: a client that is not running is not ready.
        factory.getKafkaStreams().close(Duration.ofSeconds(10));
        assertThat(streamsHealth.health(true).getStatus().getCode()).isEqualTo("DOWN");
    }

    private static void send(String key, String value) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.<String, Object>of(
                "bootstrap.servers", RealInfrastructure.get().bootstrapServers()), new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(IN, key, value)).get(30, TimeUnit.SECONDS);
        }
    }

    private static Map<String, ConsumerRecord<byte[], byte[]>> read(String topic, int count, String run) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfrastructure.get().bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024);
        Map<String, ConsumerRecord<byte[], byte[]>> found = new java.util.HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (found.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    String key = new String(record.key());
                    if (key.startsWith(run)) {
                        found.put(key, record);
                    }
                }
            }
        }
        assertThat(found).as("records of this run on " + topic).hasSize(count);
        return found;
    }
}
