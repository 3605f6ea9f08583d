package dev.parapet.dns.policy;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import dev.parapet.dns.Standalone;
import dev.parapet.kit.kafka.KafkaDefaults;
import dev.parapet.kit.kafka.RegistryProperties;
import dev.parapet.kit.state.TopicFollower;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.resolvers.AppliedPosition;
import dev.parapet.schemas.v1.resolvers.ResolverApplied;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Tells settings-service what this instance enforces, on {@code parapet.resolver-applied.v1}: the
 * positions of the {@link ResolverState}'s follower once a batch is compiled into the snapshot that
 * queries are decided with, sent at once after each change and every {@code heartbeat} in between
 * (so that an instance that falls silent stops counting). Only once the state has caught up: an
 * instance still reading its state does not serve (its health is out of service) and is not counted.
 * A clean stop sends a tombstone, so that the instance stops counting at once.
 */
@Component
public class AppliedReports implements SmartLifecycle {

    /**
     * @param heartbeat how often a report is sent when nothing changed; settings-service stops
     *                  counting an instance silent for three of these
     */
    @ConfigurationProperties("parapet.dns.applied-reports")
    public record Properties(@DefaultValue("5s") Duration heartbeat) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(AppliedReports.class);

    private final String instanceId = UUID.randomUUID().toString();
    private final TopicFollower follower;
    private final boolean enabled;
    private final Duration heartbeat;
    private final Map<String, Object> producerConfig;
    private final Counter sent;
    private final Counter failed;
    private final Object signal = new Object();
    private boolean signalled;
    private volatile boolean running;
    private Instant startedAt;
    private Thread reporter;
    private Producer<String, ResolverApplied> producer;

    public AppliedReports(ResolverState state, Standalone standalone, Properties properties, KafkaProperties kafka,
                          RegistryProperties registry, MeterRegistry meters) {
        this.follower = state.follower();
        this.enabled = !standalone.enabled();
        this.heartbeat = properties.heartbeat();
        Map<String, Object> config = new HashMap<>(kafka.buildProducerProperties());
        config.putAll(KafkaDefaults.producer(registry, "lz4"));
        // A report is worth sending only at once; when Kafka is away the next one says the same.
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        this.producerConfig = config;
        this.sent = meters.counter("parapet.dns.applied.reports", "outcome", "sent");
        this.failed = meters.counter("parapet.dns.applied.reports", "outcome", "failed");
        if (enabled) {
            follower.onPositions(positions -> wake());
            follower.ready().thenRun(this::wake);
        }
    }

    /** This process's id in the reports. */
    public String instanceId() {
        return instanceId;
    }

    private void wake() {
        synchronized (signal) {
            signalled = true;
            signal.notifyAll();
        }
    }

    @Override
    public synchronized void start() {
        running = true;
        if (!enabled) {
            return;
        }
        producer = new KafkaProducer<>(producerConfig);
        reporter = new Thread(this::report, "applied-reports");
        reporter.setDaemon(true);
        reporter.start();
    }

    private void report() {
        Map<TopicPartition, Long> lastSent = null;
        long nextHeartbeat = System.nanoTime() + heartbeat.toNanos();
        while (running) {
            if (!awaitSignalOr(nextHeartbeat)) {
                return;
            }
            long now = System.nanoTime();
            if (!running) {
                return;
            }
            if (!follower.isReady()) {
                nextHeartbeat = now + heartbeat.toNanos();
                continue;
            }
            Map<TopicPartition, Long> positions = follower.appliedPositions();
            if (!positions.equals(lastSent) || now - nextHeartbeat >= 0) {
                send(report(positions));
                lastSent = positions;
                nextHeartbeat = now + heartbeat.toNanos();
            }
        }
    }

    /** Waits until woken (a batch applied, the state ready, stopping) or the deadline; false if interrupted. */
    private boolean awaitSignalOr(long deadlineNanos) {
        synchronized (signal) {
            long waitMillis = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
            if (!signalled && waitMillis > 0) {
                try {
                    signal.wait(waitMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            signalled = false;
            return true;
        }
    }

    ResolverApplied report(Map<TopicPartition, Long> positions) {
        Instant now = Instant.ofEpochMilli(System.currentTimeMillis());
        if (startedAt == null) {
            startedAt = now;
        }
        List<AppliedPosition> applied = positions.entrySet().stream()
                .sorted(Comparator.comparing((Map.Entry<TopicPartition, Long> entry) -> entry.getKey().topic())
                        .thenComparingInt(entry -> entry.getKey().partition()))
                .map(entry -> new AppliedPosition(entry.getKey().topic(), entry.getKey().partition(), entry.getValue()))
                .toList();
        return new ResolverApplied(instanceId, startedAt, now, heartbeat.toMillis(), applied);
    }

    private void send(ResolverApplied report) {
        try {
            producer.send(new ProducerRecord<>(Topics.RESOLVER_APPLIED.name(), instanceId, report),
                    (metadata, failure) -> {
                        (failure == null ? sent : failed).increment();
                        if (failure != null) {
                            LOG.debug("applied report not sent: {}", failure.toString());
                        }
                    });
        } catch (RuntimeException e) {
            failed.increment();
            LOG.debug("applied report not sent: {}", e.toString());
        }
    }

    /**
     * As the application begins to close, before its listeners wind down (seconds): an instance on
     * its way out must not hold anyone's {@code ?wait=enforced}; until it stops, its state is still
     * followed and applied.
     */
    @EventListener(ContextClosedEvent.class)
    public void closing() {
        stop();
    }

    /** Stops reporting and says so with a tombstone, so that the instance stops counting at once. */
    @Override
    public synchronized void stop() {
        running = false;
        if (reporter == null) {
            return;
        }
        Thread stopping = reporter;
        reporter = null;
        wake();
        try {
            stopping.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            producer.send(new ProducerRecord<>(Topics.RESOLVER_APPLIED.name(), instanceId, null)).get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.info("no tombstone for instance {} ({}); it stops counting once silent", instanceId, e.toString());
        }
        producer.close(Duration.ofSeconds(2));
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Started after the state's follower (whose phase, {@code FollowedState}'s, is lower) and stopped before it. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 1000;
    }
}
