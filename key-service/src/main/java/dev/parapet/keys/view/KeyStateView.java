package dev.parapet.keys.view;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

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
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import dev.parapet.keys.key.Secrets;
import dev.parapet.kit.kafka.RegistryProperties;
import dev.parapet.schemas.AvroSerdes;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.agents.AgentState;
import dev.parapet.schemas.v1.keys.AccountKeyState;
import dev.parapet.schemas.v1.keys.KeyCommandResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * This instance's view of every account's key and every agent, materialised from the compacted
 * topics (invariant 1: nothing else holds them), plus the results of the commands this instance
 * sent. Every instance reads every partition, so any instance answers any request the same way.
 * Not ready (health DOWN) until it has read the topics to the end they had at start-up.
 */
@Component("keyState")
public class KeyStateView extends AbstractHealthIndicator implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(KeyStateView.class);

    private record Waiter(Predicate<KeyStateView> condition, CompletableFuture<Void> future) {
    }

    private final Map<UUID, AccountKeyState> keysByAccount = new ConcurrentHashMap<>();
    private final Map<String, UUID> accountByKeyFingerprint = new ConcurrentHashMap<>();
    private final Map<UUID, AgentState> agentsById = new ConcurrentHashMap<>();
    private final Map<UUID, CompletableFuture<KeyCommandResult>> pending = new ConcurrentHashMap<>();
    private final List<Waiter> waiters = new CopyOnWriteArrayList<>();
    private final KafkaProperties kafka;
    private final String registryUrl;
    private final Counter unreadable;
    private volatile boolean ready;
    private final CompletableFuture<Void> readyFuture = new CompletableFuture<>();
    private volatile boolean running;
    private KafkaConsumer<String, byte[]> consumer;
    private Thread thread;

    public KeyStateView(KafkaProperties kafka, RegistryProperties registry, MeterRegistry meters) {
        super("Key state view check failed");
        this.kafka = kafka;
        this.registryUrl = registry.url();
        this.unreadable = meters.counter("parapet.keys.view.unreadable.records");
    }

    public Optional<AccountKeyState> key(UUID accountId) {
        return Optional.ofNullable(keysByAccount.get(accountId));
    }

    /** The account whose key (active or not) has this fingerprint. */
    public Optional<UUID> accountOfKeyFingerprint(String fingerprint) {
        return Optional.ofNullable(accountByKeyFingerprint.get(fingerprint));
    }

    public Optional<AgentState> agent(UUID agentId) {
        return Optional.ofNullable(agentsById.get(agentId));
    }

    public List<AgentState> agents(UUID accountId) {
        return agentsById.values().stream().filter(agent -> agent.getAccountId().equals(accountId))
                .sorted(Comparator.comparing(AgentState::getEnrolledAt)).toList();
    }

    /** A future of the result of a command this instance is about to send. */
    public CompletableFuture<KeyCommandResult> expectResult(UUID commandId) {
        return pending.computeIfAbsent(commandId, id -> new CompletableFuture<>());
    }

    public void forget(UUID commandId) {
        pending.remove(commandId);
    }

    /** Completes once the view satisfies the condition (read-your-writes). */
    public CompletableFuture<Void> when(Predicate<KeyStateView> condition) {
        if (condition.test(this)) {
            return CompletableFuture.completedFuture(null);
        }
        Waiter waiter = new Waiter(condition, new CompletableFuture<>());
        waiters.add(waiter);
        if (condition.test(this)) {
            waiters.remove(waiter);
            waiter.future().complete(null);
        }
        return waiter.future();
    }

    public boolean isReady() {
        return ready;
    }

    /** Completes once the view has read the topics up to where they ended at start-up. */
    public CompletableFuture<Void> ready() {
        return readyFuture;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        (ready ? builder.up() : builder.outOfService())
                .withDetail("accounts", keysByAccount.size()).withDetail("agents", agentsById.size());
    }

    @Override
    public void start() {
        Map<String, Object> config = new HashMap<>(kafka.buildConsumerProperties());
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "key-service-view-" + UUID.randomUUID());
        consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        running = true;
        thread = new Thread(this::run, "key-state-view");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        Deserializer<AccountKeyState> keys = AvroSerdes.deserializer(registryUrl, false);
        Deserializer<AgentState> agents = AvroSerdes.deserializer(registryUrl, false);
        Deserializer<KeyCommandResult> results = AvroSerdes.deserializer(registryUrl, false);
        try {
            List<TopicPartition> state = new ArrayList<>();
            List<TopicPartition> resultPartitions = new ArrayList<>();
            state.addAll(partitions(Topics.ACCOUNT_KEYS.name()));
            state.addAll(partitions(Topics.AGENTS.name()));
            resultPartitions.addAll(partitions(Topics.KEY_COMMAND_RESULTS.name()));
            List<TopicPartition> all = new ArrayList<>(state);
            all.addAll(resultPartitions);
            consumer.assign(all);
            consumer.seekToBeginning(state);
            consumer.seekToEnd(resultPartitions);
            resultPartitions.forEach(partition -> consumer.position(partition));
            Map<TopicPartition, Long> startupEnd = consumer.endOffsets(state);
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    try {
                        apply(record, keys, agents, results);
                    } catch (RuntimeException e) {
                        unreadable.increment();
                        LOG.warn("Skipping unreadable record {}-{}@{}: {}", record.topic(), record.partition(),
                                record.offset(), e.toString());
                    }
                }
                if (!ready && startupEnd.entrySet().stream().allMatch(end -> consumer.position(end.getKey()) >= end.getValue())) {
                    ready = true;
                    readyFuture.complete(null);
                    LOG.info("Key state view ready: {} accounts, {} agents", keysByAccount.size(), agentsById.size());
                }
                checkWaiters();
            }
        } catch (WakeupException e) {
            // stopping
        } catch (RuntimeException e) {
            LOG.error("Key state view stopped", e);
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private void apply(ConsumerRecord<String, byte[]> record, Deserializer<AccountKeyState> keys,
                       Deserializer<AgentState> agents, Deserializer<KeyCommandResult> results) {
        if (record.topic().equals(Topics.ACCOUNT_KEYS.name())) {
            if (record.value() == null) {
                return;
            }
            AccountKeyState key = keys.deserialize(record.topic(), record.value());
            keysByAccount.put(key.getAccountId(), key);
            accountByKeyFingerprint.put(Secrets.fingerprint(key.getVerifier()), key.getAccountId());
        } else if (record.topic().equals(Topics.AGENTS.name())) {
            if (record.value() == null) {
                agentsById.remove(UUID.fromString(record.key()));
                return;
            }
            AgentState agent = agents.deserialize(record.topic(), record.value());
            agentsById.put(agent.getAgentId(), agent);
        } else {
            KeyCommandResult result = results.deserialize(record.topic(), record.value());
            CompletableFuture<KeyCommandResult> future = pending.remove(result.getCommandId());
            if (future != null) {
                future.complete(result);
            }
        }
    }

    private void checkWaiters() {
        for (Waiter waiter : waiters) {
            if (waiter.condition().test(this)) {
                waiters.remove(waiter);
                waiter.future().complete(null);
            }
        }
    }

    private Collection<TopicPartition> partitions(String topic) {
        return consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(info -> new TopicPartition(topic, info.partition())).toList();
    }

    @Override
    public void stop() {
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

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        // After Kafka Admin has created the topics, before the web server takes requests.
        return Integer.MAX_VALUE - 2000;
    }

    /** Agents counted by status. */
    public Set<UUID> accounts() {
        return keysByAccount.keySet();
    }
}
