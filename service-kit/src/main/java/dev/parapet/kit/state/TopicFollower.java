package dev.parapet.kit.state;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.parapet.schemas.AvroSerdes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Follows topics on one thread, every partition, outside any consumer group, so that every instance
 * of a service sees every record: compacted topics from the beginning (the service's materialised
 * state, invariant 1) and result topics from their end. Ready once the compacted topics are read up
 * to where they ended at start; {@link #when} completes once a condition on the state holds
 * (read-your-writes).
 */
public final class TopicFollower implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TopicFollower.class);

    /** One topic and what to do with each record (the value is null for a tombstone). */
    public record Subscription(String topic, boolean fromBeginning, BiConsumer<String, SpecificRecord> handler) {
    }

    private record Waiter(BooleanSupplier condition, CompletableFuture<Void> future) {
    }

    private final Map<String, Subscription> subscriptions = new HashMap<>();
    private final List<Waiter> waiters = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final Map<String, Object> consumerConfig;
    private final String registryUrl;
    private final Counter unreadable;
    private final String name;
    private final Runnable afterBatch;
    private volatile boolean running;
    private KafkaConsumer<String, byte[]> consumer;
    private Thread thread;

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
        subscriptions.forEach(subscription -> this.subscriptions.put(subscription.topic(), subscription));
    }

    public void start() {
        consumerConfig.remove(ConsumerConfig.GROUP_ID_CONFIG);
        consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerConfig.put(ConsumerConfig.CLIENT_ID_CONFIG, name + "-" + UUID.randomUUID());
        consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer());
        running = true;
        thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    public boolean isReady() {
        return ready.isDone();
    }

    public CompletableFuture<Void> ready() {
        return ready;
    }

    /** Completes once the condition holds; checked after every batch of records. */
    public CompletableFuture<Void> when(BooleanSupplier condition) {
        if (condition.getAsBoolean()) {
            return CompletableFuture.completedFuture(null);
        }
        Waiter waiter = new Waiter(condition, new CompletableFuture<>());
        waiters.add(waiter);
        if (condition.getAsBoolean()) {
            waiters.remove(waiter);
            waiter.future().complete(null);
        }
        return waiter.future();
    }

    private void run() {
        Deserializer<SpecificRecord> values = AvroSerdes.deserializer(registryUrl, false);
        try {
            List<TopicPartition> fromBeginning = new ArrayList<>();
            List<TopicPartition> fromEnd = new ArrayList<>();
            for (Subscription subscription : subscriptions.values()) {
                consumer.partitionsFor(subscription.topic(), Duration.ofSeconds(30)).forEach(info -> {
                    TopicPartition partition = new TopicPartition(subscription.topic(), info.partition());
                    (subscription.fromBeginning() ? fromBeginning : fromEnd).add(partition);
                });
            }
            List<TopicPartition> all = new ArrayList<>(fromBeginning);
            all.addAll(fromEnd);
            consumer.assign(all);
            // Never with an empty list: Kafka reads that as "every assigned partition".
            if (!fromBeginning.isEmpty()) {
                consumer.seekToBeginning(fromBeginning);
            }
            if (!fromEnd.isEmpty()) {
                consumer.seekToEnd(fromEnd);
            }
            fromEnd.forEach(consumer::position);
            Map<TopicPartition, Long> startupEnd = consumer.endOffsets(fromBeginning);
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    try {
                        SpecificRecord value = record.value() == null ? null : values.deserialize(record.topic(), record.value());
                        subscriptions.get(record.topic()).handler().accept(record.key(), value);
                    } catch (RuntimeException e) {
                        unreadable.increment();
                        LOG.warn("{}: skipping unreadable record {}-{}@{}: {}", name, record.topic(), record.partition(),
                                record.offset(), e.toString());
                    }
                }
                try {
                    afterBatch.run();
                } catch (RuntimeException e) {
                    LOG.error("{}: failed after a batch", name, e);
                }
                if (!ready.isDone() && startupEnd.entrySet().stream()
                        .allMatch(end -> consumer.position(end.getKey()) >= end.getValue())) {
                    LOG.info("{} caught up with {} partitions", name, startupEnd.size());
                    ready.complete(null);
                }
                for (Waiter waiter : waiters) {
                    if (waiter.condition().getAsBoolean()) {
                        waiters.remove(waiter);
                        waiter.future().complete(null);
                    }
                }
            }
        } catch (WakeupException e) {
            // stopping
        } catch (RuntimeException e) {
            LOG.error("{} stopped", name, e);
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    @Override
    public void close() {
        running = false;
        if (consumer != null) {
            consumer.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
