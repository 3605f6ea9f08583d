package dev.parapet.kit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.parapet.kit.kafka.KafkaDefaults;
import dev.parapet.kit.kafka.RegistryProperties;
import dev.parapet.stack.KafkaCluster;
import dev.parapet.stack.KafkaNode;
import dev.parapet.stack.StackDistribution;

/**
 * Invariant 2 on a production-shaped cluster: three brokers, one controller, replication factor 3,
 * min.insync.replicas 2. The partition leader is killed (no clean shutdown) while the kit's
 * producer writes; every write the producer saw acknowledged is read back, and none twice.
 */
class ProducerFailoverTest {

    private static final String TOPIC = "failover-test";
    private static final int RECORDS = 3000;

    @Test
    void killingThePartitionLeaderLosesNoAcknowledgedRecordAndDuplicatesNone(@TempDir Path directory) throws Exception {
        try (KafkaCluster cluster = KafkaCluster.withSeparateControllers(StackDistribution.locate(), directory, 3, 1)) {
            try (Admin admin = cluster.admin()) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 3)
                        .configs(Map.of("min.insync.replicas", "2")))).all().get(30, TimeUnit.SECONDS);
            }
            String bootstrap = cluster.bootstrapServers();
            Map<String, Object> config = new HashMap<>(KafkaDefaults.producer(new RegistryProperties("http://127.0.0.1:1"), "lz4"));
            config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            int leader;
            try (KafkaProducer<String, String> producer =
                         new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < RECORDS; i++) {
                    int sequence = i;
                    sends.add(producer.send(new ProducerRecord<>(TOPIC, "k" + (i % 7), Integer.toString(i)),
                            (metadata, error) -> {
                                if (error == null) {
                                    acknowledged.add(sequence);
                                }
                            }));
                    if (i == RECORDS / 3) {
                        producer.flush();
                        leader = leaderOf(cluster);
                        cluster.broker(leader).kill();
                    }
                    if (i % 100 == 0) {
                        Thread.sleep(5);
                    }
                }
                producer.flush();
            }
            assertThat(acknowledged).as("writes acknowledged after the leader died").hasSizeGreaterThan(RECORDS / 2);

            List<Integer> readBack = readAll(cluster.bootstrapServers());
            assertThat(readBack).as("no record twice").doesNotHaveDuplicates();
            assertThat(readBack).as("every acknowledged record").containsAll(acknowledged);
        }
    }

    private static int leaderOf(KafkaCluster cluster) throws Exception {
        try (Admin admin = cluster.admin()) {
            TopicDescription description = admin.describeTopics(List.of(TOPIC)).allTopicNames()
                    .get(10, TimeUnit.SECONDS).get(TOPIC);
            int leader = description.partitions().get(0).leader().id();
            assertThat(cluster.brokers().stream().map(KafkaNode::nodeId)).contains(leader);
            return leader;
        }
    }

    private static List<Integer> readAll(String bootstrap) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<Integer> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                     new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            TopicPartition partition = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition), Duration.ofSeconds(30)).get(partition);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (consumer.position(partition, Duration.ofSeconds(30)) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    values.add(Integer.parseInt(record.value()));
                }
            }
        }
        return values;
    }
}
