package dev.parapet.schemas;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * One Kafka topic of the system: what its records mean and how it is kept.
 *
 * @param name       {@code parapet.<what>.v<major>}
 * @param key        what the record key is (always a UTF-8 string)
 * @param valueType  the Avro record of the value
 * @param cleanup    compacted (latest record per key is the truth, tombstones delete) or time-retained
 * @param partitions partitions when the topic is created
 * @param retention  how long records stay (time-retained topics); empty for compacted ones
 * @param producers  the services that write it
 * @param consumers  the services that read it
 * @param overrides  further topic-level settings of this topic alone (e.g. {@code segment.ms})
 */
public record Topic<V extends SpecificRecord>(String name, String key, Class<V> valueType, Cleanup cleanup,
                                              int partitions, Optional<Duration> retention,
                                              String producers, String consumers, Map<String, String> overrides) {

    public Topic {
        overrides = Map.copyOf(overrides);
    }

    public Topic(String name, String key, Class<V> valueType, Cleanup cleanup, int partitions, Optional<Duration> retention,
                 String producers, String consumers) {
        this(name, key, valueType, cleanup, partitions, retention, producers, consumers, Map.of());
    }

    public enum Cleanup {
        COMPACT("compact"), DELETE("delete");

        private final String kafkaValue;

        Cleanup(String kafkaValue) {
            this.kafkaValue = kafkaValue;
        }

        public String kafkaValue() {
            return kafkaValue;
        }
    }

    /** Where records that this topic's consumers cannot read or process are set aside. */
    public String deadLetterTopic() {
        return name + ".dlt";
    }

    public Schema valueSchema() {
        return SpecificData.get().getSchema(valueType);
    }

    /**
     * The largest record any Parapet topic takes (8 MiB): a Block or Allow List policy of 200 000
     * domains is one record. Producers and Kafka Streams' own topics are configured to match.
     */
    public static final int MAX_RECORD_BYTES = 8 * 1024 * 1024;

    /** Topic-level settings of every dead-letter topic (one partition): kept 30 days, records as large as any topic's. */
    public static Map<String, String> deadLetterConfigs() {
        return Map.of("retention.ms", Long.toString(Duration.ofDays(30).toMillis()),
                "max.message.bytes", Integer.toString(MAX_RECORD_BYTES));
    }

    /** Topic-level settings for creating it. */
    public Map<String, String> configs() {
        Map<String, String> configs = new TreeMap<>(defaultConfigs());
        configs.putAll(overrides);
        return Map.copyOf(configs);
    }

    private Map<String, String> defaultConfigs() {
        String maxBytes = Integer.toString(MAX_RECORD_BYTES);
        return retention
                .map(keep -> Map.of("cleanup.policy", cleanup.kafkaValue(), "retention.ms", Long.toString(keep.toMillis()),
                        "max.message.bytes", maxBytes))
                .orElseGet(() -> Map.of("cleanup.policy", cleanup.kafkaValue(),
                        "min.compaction.lag.ms", "0",
                        "delete.retention.ms", Long.toString(Duration.ofDays(1).toMillis()),
                        "max.message.bytes", maxBytes));
    }
}
