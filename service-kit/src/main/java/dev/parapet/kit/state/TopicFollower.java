package dev.parapet.kit.state;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.parapet.kit.kafka.DeadLetters;
import dev.parapet.schemas.AvroSerdes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Follows topics on one thread, every partition, outside any consumer group, so that every instance
 * of a service sees every record: compacted topics from the beginning (the service's materialised
 * state, invariant 1) and result topics from their end. Ready once the compacted topics are read up
 * to where they ended at start; {@link #when} completes once a condition on the state holds
 * (read-your-writes).
 *
 * <p>It never stops on its own. A record it cannot read or apply goes to the dead-letter sink (and is
 * counted); if even that fails, the record is read again. Any other failure (the broker unreachable
 * at start, a poll that throws) closes the consumer and starts a new one after a backoff (100 ms
 * doubling to 30 s), resuming where it was. Meanwhile, and whenever it has not heard from the broker
 * for {@link #staleAfter} or has not reached, within that time, the end its state topics had, it is
 * not {@link #isFollowing() following}: health says so, and whoever must not act on stale state
 * (the credential verifier) refuses.
 */
public final class TopicFollower implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TopicFollower.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    /** One topic and what to do with each record (the value is null for a tombstone). */
    public record Subscription(String topic, boolean fromBeginning, BiConsumer<String, SpecificRecord> handler) {
    }

    /** Where a record goes that could not be read or applied; it may throw if it cannot take it now. */
    @FunctionalInterface
    public interface DeadLetterSink {
        void accept(ConsumerRecord<String, byte[]> record, Exception error);
    }

    /**
     * Sees each record once its subscription's handler has applied it, with what the handler does not
     * get: partition, offset, timestamp and headers (the value is null for a tombstone).
     */
    @FunctionalInterface
    public interface RecordObserver {
        void applied(ConsumerRecord<String, byte[]> record, SpecificRecord value);
    }

    /** What the follower is doing, for health and for the fail-closed checks. */
    public enum Status { STARTING, FOLLOWING, RETRYING, STOPPED }

    private record Waiter(BooleanSupplier condition, CompletableFuture<Void> future) {
    }

    private final Map<String, Subscription> subscriptions = new HashMap<>();
    private final List<Waiter> waiters = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final Map<String, Object> consumerConfig;
    private final String registryUrl;
    private final Counter unreadable;
    private final Counter restarts;
    private final String name;
    private final Runnable afterBatch;
    /** The next offset to read of every partition, kept across consumers so that a restart resumes. */
    private final Map<TopicPartition, Long> positions = new HashMap<>();
    private Map<TopicPartition, Long> startupEnd;
    private volatile DeadLetterSink deadLetters = (record, error) -> { };
    private final List<RecordObserver> observers = new CopyOnWriteArrayList<>();
    private final List<Consumer<Map<TopicPartition, Long>>> positionsListeners = new CopyOnWriteArrayList<>();
    private volatile Map<TopicPartition, Long> applied = Map.of();
    private volatile Duration staleAfter = Duration.ofSeconds(30);
    private volatile boolean running;
    private volatile Status status = Status.STARTING;
    private volatile long lastContactNanos = System.nanoTime();
    private volatile boolean behind;
    private volatile String lastError;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private final Object sleeper = new Object();
    private Thread thread;
    /** State partitions' ends seen at the last check that found the follower short of them, and when. */
    private Map<TopicPartition, Long> chasing;
    private long chasingSince;
    private long lastCheckNanos;
    private long followingSince;
    /** Whether the last check's question for the state topics' ends went unanswered (logged once). */
    private boolean endsUnanswered;

    public TopicFollower(String name, Map<String, Object> consumerConfig, String registryUrl, MeterRegistry meters,
                         List<Subscription> subscriptions) {
        this(name, consumerConfig, registryUrl, meters, subscriptions, () -> { });
    }

    /**
     * @param afterBatch run on the reading thread after each batch of records has been handled (and
     *                   before readiness and waiters are checked), e.g. to publish a new snapshot
     */
    public TopicFollower(String name, Map<String, Object> consumerConfig, String registryUrl, MeterRegistry meters,
                         List<Subscription> subscriptions, Runnable afterBatch) {
        this.afterBatch = afterBatch;
        this.name = name;
        this.consumerConfig = new HashMap<>(consumerConfig);
        this.registryUrl = registryUrl;
        this.unreadable = meters.counter("parapet.state.unreadable.records", "follower", name);
        this.restarts = meters.counter("parapet.state.follower.restarts", "follower", name);
        meters.gauge("parapet.state.following", List.of(io.micrometer.core.instrument.Tag.of("follower", name)), this,
                follower -> follower.isFollowing() ? 1 : 0);
        subscriptions.forEach(subscription -> this.subscriptions.put(subscription.topic(), subscription));
    }

    /** Where records that cannot be read or applied go (set before {@link #start}). */
    public TopicFollower deadLetterTo(DeadLetterSink sink) {
        this.deadLetters = sink;
        return this;
    }

    /** Adds one who sees every record applied, with its partition, offset and headers; it must return quickly. */
    public TopicFollower observeRecords(RecordObserver observer) {
        observers.add(observer);
        return this;
    }

    /**
     * Adds one who is told, on the reading thread, each time the positions in force move: after a
     * batch has been applied and {@code afterBatch} has run (so a state published there is what they
     * cover). It must return quickly.
     */
    public TopicFollower onPositions(Consumer<Map<TopicPartition, Long>> listener) {
        positionsListeners.add(listener);
        return this;
    }

    /**
     * The next offset to read of every partition followed, as of the last batch applied (and
     * {@code afterBatch} run): every record below it is in force. Empty before the first batch.
     */
    public Map<TopicPartition, Long> appliedPositions() {
        return applied;
    }

    /** How long without news from the broker, or short of the state's end, before the follower is not following. */
    public TopicFollower staleAfter(Duration staleAfter) {
        this.staleAfter = staleAfter;
        return this;
    }

    public void start() {
        consumerConfig.remove(ConsumerConfig.GROUP_ID_CONFIG);
        consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerConfig.putIfAbsent(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        running = true;
        thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Whether the state has been read, once, up to where it ended at start. */
    public boolean isReady() {
        return ready.isDone();
    }

    /** Completes once ready. A copy: cancelling it (a request that gave up waiting) changes nothing here. */
    public CompletableFuture<Void> ready() {
        return ready.copy();
    }

    /**
     * Whether the state is current: ready, reading, in touch with the broker within {@link #staleAfter},
     * and not stuck short of the end of its state topics for longer than that.
     */
    public boolean isFollowing() {
        return isReady() && status == Status.FOLLOWING && !behind
                && System.nanoTime() - lastContactNanos < staleAfter.toNanos();
    }

    public Status status() {
        return status;
    }

    /** Seconds since the broker last answered this follower. */
    public long secondsSinceContact() {
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - lastContactNanos);
    }

    public boolean isBehind() {
        return behind;
    }

    /** The last failure that made the follower start over, or null. */
    public String lastError() {
        return lastError;
    }

    /**
     * Completes once the condition holds (checked after every batch of records), or fails with a
     * {@link TimeoutException} after the timeout; either way the waiter is gone then, as it is when
     * the caller cancels the future.
     */
    public CompletableFuture<Void> when(BooleanSupplier condition, Duration timeout) {
        if (condition.getAsBoolean()) {
            return CompletableFuture.completedFuture(null);
        }
        Waiter waiter = new Waiter(condition, new CompletableFuture<>());
        waiter.future().whenComplete((result, error) -> waiters.remove(waiter));
        waiters.add(waiter);
        if (condition.getAsBoolean()) {
            waiter.future().complete(null);
        }
        return waiter.future().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waiters not yet completed, timed out or cancelled. */
    int waiting() {
        return waiters.size();
    }

    private void run() {
        Deserializer<SpecificRecord> values = AvroSerdes.deserializer(registryUrl, false);
        Duration backoff = FIRST_BACKOFF;
        while (running) {
            try {
                consumer = new KafkaConsumer<>(withClientId(), new StringDeserializer(), new ByteArrayDeserializer());
                follow(consumer, values);
            } catch (WakeupException e) {
                // stopping
            } catch (Exception e) {
                if (!running) {
                    break;
                }
                status = Status.RETRYING;
                lastError = e.toString();
                restarts.increment();
                LOG.warn("{}: stopped following ({}); starting again in {} ms", name, e.toString(), backoff.toMillis());
            } finally {
                closeConsumer();
            }
            if (running) {
                // A follower that had been reading for a while starts again quickly; one failing over and over backs off.
                if (followingSince != 0 && System.nanoTime() - followingSince > MAX_BACKOFF.toNanos()) {
                    backoff = FIRST_BACKOFF;
                }
                followingSince = 0;
                sleep(backoff);
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
        status = Status.STOPPED;
    }

    private Map<String, Object> withClientId() {
        Map<String, Object> config = new HashMap<>(consumerConfig);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, name + "-" + UUID.randomUUID());
        return config;
    }

    private void follow(KafkaConsumer<String, byte[]> consumer, Deserializer<SpecificRecord> values) {
        List<TopicPartition> fromBeginning = new ArrayList<>();
        List<TopicPartition> fromEnd = new ArrayList<>();
        for (Subscription subscription : subscriptions.values()) {
            var partitions = consumer.partitionsFor(subscription.topic(), Duration.ofSeconds(30));
            if (partitions == null || partitions.isEmpty()) {
                throw new IllegalStateException("topic " + subscription.topic() + " not found");
            }
            partitions.forEach(info -> {
                TopicPartition partition = new TopicPartition(subscription.topic(), info.partition());
                (subscription.fromBeginning() ? fromBeginning : fromEnd).add(partition);
            });
        }
        List<TopicPartition> all = new ArrayList<>(fromBeginning);
        all.addAll(fromEnd);
        consumer.assign(all);
        for (TopicPartition partition : all) {
            Long position = positions.get(partition);
            if (position != null) {
                consumer.seek(partition, position);
            } else if (fromBeginning.contains(partition)) {
                consumer.seekToBeginning(List.of(partition));
            } else {
                consumer.seekToEnd(List.of(partition));
            }
            positions.put(partition, consumer.position(partition));
        }
        if (startupEnd == null) {
            startupEnd = consumer.endOffsets(fromBeginning);
        }
        contact();
        status = Status.FOLLOWING;
        followingSince = System.nanoTime();
        while (running) {
            ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(100));
            if (!records.isEmpty()) {
                contact(); // records came: the broker answered
            }
            for (ConsumerRecord<String, byte[]> record : records) {
                apply(record, values);
                positions.put(new TopicPartition(record.topic(), record.partition()), record.offset() + 1);
            }
            // Positions also move past transaction markers and compacted gaps without a record to show for it.
            positions.replaceAll((partition, position) -> consumer.position(partition));
            try {
                afterBatch.run();
            } catch (RuntimeException e) {
                LOG.error("{}: failed after a batch", name, e);
            }
            if (!positions.equals(applied)) {
                applied = Map.copyOf(positions);
                for (Consumer<Map<TopicPartition, Long>> listener : positionsListeners) {
                    try {
                        listener.accept(applied);
                    } catch (RuntimeException e) {
                        LOG.error("{}: failed telling where it stands", name, e);
                    }
                }
            }
            if (!ready.isDone() && startupEnd.entrySet().stream()
                    .allMatch(end -> positions.getOrDefault(end.getKey(), 0L) >= end.getValue())) {
                LOG.info("{} caught up with {} partitions", name, startupEnd.size());
                ready.complete(null);
            }
            for (Waiter waiter : waiters) {
                if (waiter.future().isDone() || waiter.condition().getAsBoolean()) {
                    waiters.remove(waiter);
                    waiter.future().complete(null);
                }
            }
            checkProgress(consumer, fromBeginning);
        }
    }

    /** Deserialises and applies one record; one that cannot be is dead-lettered (or, if that fails too, read again). */
    private void apply(ConsumerRecord<String, byte[]> record, Deserializer<SpecificRecord> values) {
        SpecificRecord value;
        try {
            value = record.value() == null ? null : values.deserialize(record.topic(), record.value());
        } catch (RuntimeException e) {
            setAside(record, new org.springframework.kafka.support.serializer.DeserializationException(
                    "cannot deserialise", record.value(), false, e));
            return;
        }
        try {
            subscriptions.get(record.topic()).handler().accept(record.key(), value);
        } catch (RuntimeException e) {
            setAside(record, e);
            return;
        }
        for (RecordObserver observer : observers) {
            try {
                observer.applied(record, value);
            } catch (RuntimeException e) {
                LOG.error("{}: the observer of {}-{}@{} failed", name, record.topic(), record.partition(), record.offset(), e);
            }
        }
    }

    private void setAside(ConsumerRecord<String, byte[]> record, RuntimeException error) {
        if (DeadLetters.isTransient(error)) {
            // The registry or the broker did not answer: not the record's fault. Read it again later.
            throw error;
        }
        unreadable.increment();
        LOG.warn("{}: dead-lettering unreadable record {}-{}@{}: {}", name, record.topic(), record.partition(),
                record.offset(), error.getCause() != null ? error.getCause().toString() : error.toString());
        deadLetters.accept(record, error);
    }

    /**
     * Every {@code staleAfter / 6}: asks the broker where the state topics end (which is also how
     * contact is known), and marks the follower behind if it has not reached, since the last check
     * that found it short, the ends seen then for longer than {@code staleAfter}.
     */
    private void checkProgress(KafkaConsumer<String, byte[]> consumer, List<TopicPartition> state) {
        long now = System.nanoTime();
        if (now - lastCheckNanos < staleAfter.toNanos() / 6) {
            return;
        }
        lastCheckNanos = now;
        Map<TopicPartition, Long> ends;
        try {
            ends = consumer.endOffsets(state, Duration.ofSeconds(5));
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            // Said once, not at every check: past staleAfter without contact the follower is not following, and health
            // (and the credential verifier's refusals) should have a reason in the log.
            if (!endsUnanswered) {
                LOG.warn("{}: the broker did not say within 5 s where the state topics end (last contact {} s ago); asking again",
                        name, secondsSinceContact());
                endsUnanswered = true;
            }
            return;
        }
        if (endsUnanswered) {
            LOG.info("{}: the broker answers again", name);
            endsUnanswered = false;
        }
        contact();
        boolean shortOfEnd = ends.entrySet().stream().anyMatch(end -> positions.getOrDefault(end.getKey(), 0L) < end.getValue());
        if (!shortOfEnd) {
            chasing = null;
            behind = false;
            return;
        }
        boolean reachedLastTarget = chasing != null && chasing.entrySet().stream()
                .allMatch(end -> positions.getOrDefault(end.getKey(), 0L) >= end.getValue());
        if (chasing == null || reachedLastTarget) {
            chasing = ends;
            chasingSince = now;
            behind = false;
        } else if (now - chasingSince > staleAfter.toNanos()) {
            if (!behind) {
                LOG.warn("{}: behind, short of the ends its state topics had {} s ago", name,
                        TimeUnit.NANOSECONDS.toSeconds(now - chasingSince));
            }
            behind = true;
        }
    }

    private void contact() {
        lastContactNanos = System.nanoTime();
    }

    private void sleep(Duration duration) {
        synchronized (sleeper) {
            try {
                if (running) {
                    sleeper.wait(duration.toMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
    }

    private void closeConsumer() {
        KafkaConsumer<String, byte[]> current = consumer;
        consumer = null;
        if (current != null) {
            try {
                current.close(Duration.ofSeconds(2));
            } catch (RuntimeException e) {
                LOG.debug("{}: closing the consumer failed", name, e);
            }
        }
    }

    @Override
    public void close() {
        running = false;
        synchronized (sleeper) {
            sleeper.notifyAll();
        }
        KafkaConsumer<String, byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        status = Status.STOPPED;
    }
}
