package dev.parapet.diagnostics.querylog;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import dev.parapet.diagnostics.querylog.QueryLogFiles.Batch;
import dev.parapet.diagnostics.querylog.QueryLogWriter.Entry;
import dev.parapet.schemas.AvroSerdes;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Reads {@code parapet.verdicts.v1} into the query log. A plain consumer in the group
 * {@value #GROUP}, so that several instances share the partitions; where it starts in a partition is
 * the query log's own commit, never the group's offsets (those are committed only to show the lag). At
 * each assignment it claims the partition in the log ({@link QueryLogFiles#claim}: a new epoch, which fences
 * an instance that lost the partition without knowing it yet, so nothing it writes from then on counts), removes what
 * an unfinished batch of the partition left and seeks past the last whole batch; it writes a partition's batch once it
 * holds {@code batchSize} verdicts or is {@code maxDelay} old. A batch that cannot be written (a full disk) or whose
 * commit was fenced is read again from the log's commit after a pause, under a new claim; a record that cannot be read
 * is counted, logged and skipped (its offset is inside the next batch's range, so it is not read again); one the
 * registry could not be asked about is read again, at most {@value VerdictReader#READ_ATTEMPTS} times. Verdicts read
 * and not yet written are bounded ({@code 2 x batchSize} over all partitions: the largest partition's batch is written
 * when they pass it).
 */
public final class QueryLogIngest implements SmartLifecycle {

    public static final String GROUP = dev.parapet.schemas.access.KafkaAccess.QUERY_LOG_GROUP;
    private static final Logger LOG = LoggerFactory.getLogger(QueryLogIngest.class);

    private final Map<String, Object> consumerConfig;
    private final String registryUrl;
    private final QueryLogFiles files;
    private final int batchSize;
    private final Duration maxDelay;
    private final Counter written;
    private final Counter unreadable;
    private final Counter failures;
    private volatile boolean running;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private Thread thread;
    /** The partitions assigned to this writer, each claimed in the log. */
    private final Set<Integer> claimed = new java.util.HashSet<>();

    /** A partition's verdicts read and not yet written. */
    private static final class Pending {
        final List<Entry> entries = new ArrayList<>();
        long first = -1;
        long last = -1;
        long since;
    }

    private final QueryLogPrivacy privacy;

    public QueryLogIngest(Map<String, Object> consumerConfig, String registryUrl, QueryLogFiles files, QueryLogPrivacy privacy,
                          int batchSize, Duration maxDelay, MeterRegistry meters) {
        this.privacy = privacy;
        this.consumerConfig = new HashMap<>(consumerConfig);
        this.registryUrl = registryUrl;
        this.files = files;
        this.batchSize = batchSize;
        this.maxDelay = maxDelay;
        this.written = meters.counter("parapet.query.log.written");
        this.unreadable = meters.counter("parapet.query.log.unreadable");
        this.failures = meters.counter("parapet.query.log.write.failures");
    }

    @Override
    public void start() {
        running = true;
        thread = new Thread(this::run, "query-log");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void stop() {
        running = false;
        KafkaConsumer<String, byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        synchronized (sleeper) {
            sleeper.notifyAll();   // out of a back-off's pause (not an interrupt: the consumer then leaves its group cleanly)
        }
        if (thread != null) {
            try {
                thread.join(Duration.ofSeconds(20).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void run() {
        // One reader for the thread's life: a record read again makes the consumer start again, and the reader's count
        // of attempts must outlive that for its limit to hold.
        VerdictReader reader = new VerdictReader(AvroSerdes.deserializer(registryUrl, false), unreadable, "query log");
        long backoff = 100;
        while (running) {
            try (QueryLogWriter writer = new QueryLogWriter(files, privacy)) {
                follow(writer, reader);
            } catch (WakeupException stopping) {
                // stopping
            } catch (RuntimeException | LinkageError e) {   // LinkageError: DuckDB's native library did not load
                releaseAll();
                if (!running) {
                    break;
                }
                failures.increment();
                LOG.warn("query log: stopped reading verdicts ({}); starting again in {} ms", e.toString(), backoff);
                sleep(backoff);
                backoff = Math.min(30_000, backoff * 2);
            }
        }
    }

    private void follow(QueryLogWriter writer, VerdictReader reader) {
        Map<String, Object> config = new HashMap<>(consumerConfig);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.max(500, Math.min(batchSize, 10_000)));
        Map<Integer, Pending> pending = new HashMap<>();
        try (KafkaConsumer<String, byte[]> kafka = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer = kafka;
            kafka.subscribe(List.of(Topics.VERDICTS.name()), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    // What was read and not written is the next owner's to read again from the log's commit.
                    partitions.forEach(partition -> {
                        pending.remove(partition.partition());
                        release(partition.partition());
                    });
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    onPartitionsRevoked(partitions);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    Set<Integer> numbers = partitions.stream().map(TopicPartition::partition).collect(Collectors.toSet());
                    numbers.forEach(QueryLogIngest.this::claim);
                    int removed = files.removeUncommitted(numbers).size();
                    if (removed > 0) {
                        LOG.info("query log: removed {} file(s) of unfinished batches of partitions {}", removed, numbers);
                    }
                    for (TopicPartition partition : partitions) {
                        resume(kafka, partition);
                    }
                }
            });
            while (running) {
                for (ConsumerRecord<String, byte[]> record : kafka.poll(Duration.ofMillis(200))) {
                    Pending batch = pending.computeIfAbsent(record.partition(), partition -> new Pending());
                    if (batch.first < 0) {
                        batch.first = record.offset();
                        batch.since = System.nanoTime();
                    }
                    batch.last = record.offset();
                    DnsVerdict verdict;
                    try {
                        verdict = reader.read(record);
                    } catch (VerdictReader.ReadAgain again) {
                        // not the record's fault: read it again from the log's commit (the consumer starts again)
                        throw again.failure();
                    }
                    if (verdict != null) {
                        batch.entries.add(new Entry(record.partition(), record.offset(), verdict));
                    }
                }
                long now = System.nanoTime();
                int held = pending.values().stream().mapToInt(batch -> batch.entries.size()).sum();
                while (held > 2L * batchSize) {   // catching up on many partitions at once: bounded memory
                    var largest = pending.entrySet().stream().max(java.util.Comparator.comparingInt(each -> each.getValue().entries.size()))
                            .orElseThrow();
                    pending.remove(largest.getKey());
                    held -= largest.getValue().entries.size();
                    write(kafka, writer, largest.getKey(), largest.getValue());
                }
                for (var it = pending.entrySet().iterator(); it.hasNext(); ) {
                    var each = it.next();
                    Pending batch = each.getValue();
                    if (batch.first >= 0 && (batch.last - batch.first + 1 >= batchSize || now - batch.since >= maxDelay.toNanos())) {
                        it.remove();
                        write(kafka, writer, each.getKey(), batch);
                    }
                }
            }
        } finally {
            consumer = null;
            releaseAll();
        }
    }

    /** Claims the partition in the log, in a new epoch: whoever wrote it before is fenced from now on. */
    private void claim(int partition) {
        files.claim(partition);
        claimed.add(partition);
    }

    private void release(int partition) {
        if (claimed.remove(partition)) {
            files.release(partition);
        }
    }

    private void releaseAll() {
        List.copyOf(claimed).forEach(this::release);
    }

    private void write(KafkaConsumer<String, byte[]> kafka, QueryLogWriter writer, int partition, Pending batch) {
        TopicPartition topicPartition = new TopicPartition(Topics.VERDICTS.name(), partition);
        try {
            writer.write(new Batch(partition, batch.first, batch.last), batch.entries);
        } catch (RuntimeException e) {
            failures.increment();
            LOG.error("query log: could not write partition {} offsets {}-{} ({}); reading them again", partition, batch.first, batch.last,
                    e.toString());
            sleep(1000);
            if (kafka.assignment().contains(topicPartition)) {
                // A new epoch: what the failed attempt left never counts, whether or not it is deleted now.
                claim(partition);
                files.removeUncommitted(Set.of(partition));
                resume(kafka, topicPartition);
            }
            return;
        }
        written.increment(batch.entries.size());
        kafka.commitAsync(Map.of(topicPartition, new OffsetAndMetadata(batch.last + 1)), null);
    }

    private void resume(KafkaConsumer<String, byte[]> kafka, TopicPartition partition) {
        OptionalLong committed = files.committed(partition.partition());
        if (committed.isPresent()) {
            kafka.seek(partition, committed.getAsLong() + 1);
        } else {
            kafka.seekToBeginning(List.of(partition));
        }
    }

    private final Object sleeper = new Object();

    /** Pauses, unless stopping (or until {@link #stop()}). */
    private void sleep(long millis) {
        synchronized (sleeper) {
            if (!running) {
                return;
            }
            try {
                sleeper.wait(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
