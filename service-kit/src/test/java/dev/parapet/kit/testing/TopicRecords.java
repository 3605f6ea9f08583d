package dev.parapet.kit.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import dev.parapet.schemas.AvroSerdes;
import dev.parapet.stack.RealInfrastructure;

/** What a topic holds for one key, read the way any other consumer would (committed records only). */
public final class TopicRecords {

    private TopicRecords() {
    }

    /** Every committed value with this key, oldest first, as of now. */
    @SuppressWarnings("unchecked")
    public static <T> List<T> valuesFor(String topic, String key) {
        return read(topic, key, false);
    }

    /** The latest value of the key on a compacted topic, or null if there is none or it was deleted (tombstone). */
    public static <T> T latestFor(String topic, String key) {
        List<T> values = read(topic, key, true);
        return values.isEmpty() ? null : values.get(values.size() - 1);
    }

    private static <T> List<T> read(String topic, String key, boolean tombstones) {
        var deserializer = AvroSerdes.deserializer(RealInfrastructure.get().registryUrl(), false);
        List<T> values = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfrastructure.get().bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline && partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    if (key.equals(record.key()) && record.value() != null) {
                        values.add((T) deserializer.deserialize(topic, record.value()));
                    } else if (key.equals(record.key()) && tombstones) {
                        values.add(null);
                    }
                }
            }
        }
        return values;
    }
}
