package dev.parapet.settings.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import dev.parapet.schemas.Topics;
import dev.parapet.settings.commands.SettingsCommandTopology;

/**
 * Where an administrator's write spends its time, seen from outside the service: three consumers of
 * the bench's own watch the broker and note, per command id, when
 * <ol>
 * <li>the command is on the command topic (read uncommitted: the HTTP side has produced it, after the
 * producer's linger and the broker's acknowledgement),</li>
 * <li>the writer's records for it are on the output topics, not yet committed (the writer has polled,
 * decided and produced them inside its transaction),</li>
 * <li>those records are committed (read committed: the writer's commit interval and the transaction's
 * commit).</li>
 * </ol>
 * The rest, up to the answer, is the service reading the committed result and state back and
 * answering. Each consumer long-polls, so it sees a record within a fraction of a millisecond of the
 * broker making it readable; they run on the bench's own threads.
 */
final class WriteStages implements AutoCloseable {

    enum Stage { COMMAND, OUTPUT, COMMITTED }

    private final Map<UUID, long[]> seen = new ConcurrentHashMap<>();
    private final List<Watcher> watchers = new ArrayList<>();

    WriteStages(String bootstrap) throws InterruptedException {
        List<String> outputs = List.of(Topics.AGENT_SETTINGS.name(), Topics.SETTINGS_COMMAND_RESULTS.name());
        watchers.add(new Watcher(bootstrap, Stage.COMMAND, List.of(Topics.SETTINGS_COMMANDS.name()), "read_uncommitted",
                WriteStages::commandIdOfCommand));
        watchers.add(new Watcher(bootstrap, Stage.OUTPUT, outputs, "read_uncommitted", WriteStages::commandIdHeader));
        watchers.add(new Watcher(bootstrap, Stage.COMMITTED, outputs, "read_committed", WriteStages::commandIdHeader));
        for (Watcher watcher : watchers) {
            watcher.positioned.await(30, TimeUnit.SECONDS);
        }
    }

    /**
     * The command id of a command record, read from its first bytes (magic byte, 4-byte schema id, then the Avro binary
     * of {@code SettingsCommand}, whose first field is the id as a string) rather than through the registry's
     * deserializer: its first lookup takes the watcher most of a second, and every command behind it would be seen late.
     */
    static UUID commandIdOfCommand(ConsumerRecord<String, byte[]> record) {
        byte[] value = record.value();
        if (value == null || value.length < 6) {
            return null;
        }
        int position = 5;
        int length = 0;
        int shift = 0;
        int next;
        do {
            next = value[position++] & 0xff;
            length |= (next & 0x7f) << shift;
            shift += 7;
        } while ((next & 0x80) != 0);
        length = (length >>> 1) ^ -(length & 1);
        return UUID.fromString(new String(value, position, length, java.nio.charset.StandardCharsets.UTF_8));
    }

    private static UUID commandIdHeader(ConsumerRecord<String, byte[]> record) {
        Header header = record.headers().lastHeader(SettingsCommandTopology.COMMAND_ID_HEADER);
        return header == null ? null : UUID.fromString(new String(header.value(), java.nio.charset.StandardCharsets.UTF_8));
    }

    /** When each stage was first seen for the command (System.nanoTime), 0 where it was not. */
    long[] of(UUID commandId) {
        return seen.getOrDefault(commandId, new long[Stage.values().length]);
    }

    /**
     * Prints each stage's share of the writes: from the request sent to the command on its topic, to
     * the writer's output, to its commit, to the answer received.
     */
    void print(List<UUID> commandIds, long[] sentNanos, long[] answeredNanos) {
        String[] names = {"request sent -> command on its topic (HTTP in, producer linger, acks)",
                "command on its topic -> writer's output produced (writer's poll, decide, produce)",
                "output produced -> output committed (commit interval, transaction commit)",
                "output committed -> answer received (service reads result and state back, answers)"};
        long[][] spans = new long[names.length][commandIds.size()];
        int complete = 0;
        for (int i = 0; i < commandIds.size(); i++) {
            long[] at = of(commandIds.get(i));
            if (Arrays.stream(at).anyMatch(t -> t == 0)) {
                continue;
            }
            long[] points = {sentNanos[i], at[0], at[1], at[2], answeredNanos[i]};
            for (int stage = 0; stage < names.length; stage++) {
                spans[stage][complete] = points[stage + 1] - points[stage];
            }
            complete++;
        }
        System.out.printf("stages of the %d writes whose every stage was seen:%n", complete);
        for (int stage = 0; stage < names.length; stage++) {
            System.out.printf("  %-85s %s%n", names[stage], AgentStreamsBench.percentiles(Arrays.copyOf(spans[stage], complete)));
        }
    }

    @Override
    public void close() {
        watchers.forEach(Watcher::close);
    }

    /** One consumer, on a thread of its own, from the end of its topics. */
    private final class Watcher implements AutoCloseable {

        private final KafkaConsumer<String, byte[]> consumer;
        private final Thread thread;
        private final CountDownLatch positioned = new CountDownLatch(1);
        private volatile boolean running = true;

        Watcher(String bootstrap, Stage stage, List<String> topics, String isolation,
                Function<ConsumerRecord<String, byte[]>, UUID> commandId) {
            Properties config = new Properties();
            config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
            config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
            thread = new Thread(() -> {
                try {
                    List<TopicPartition> partitions = new ArrayList<>();
                    topics.forEach(topic -> consumer.partitionsFor(topic)
                            .forEach(info -> partitions.add(new TopicPartition(topic, info.partition()))));
                    consumer.assign(partitions);
                    consumer.seekToEnd(partitions);
                    partitions.forEach(consumer::position);
                    positioned.countDown();
                    while (running) {
                        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                            long now = System.nanoTime();
                            UUID id = commandId.apply(record);
                            if (id != null) {
                                long[] at = seen.computeIfAbsent(id, key -> new long[Stage.values().length]);
                                synchronized (at) {
                                    if (at[stage.ordinal()] == 0) {
                                        at[stage.ordinal()] = now;
                                    }
                                }
                            }
                        }
                    }
                } catch (WakeupException stopping) {
                    // closed
                } finally {
                    consumer.close(Duration.ofSeconds(2));
                }
            }, "bench-" + stage.name().toLowerCase());
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() {
            running = false;
            consumer.wakeup();
        }
    }
}
