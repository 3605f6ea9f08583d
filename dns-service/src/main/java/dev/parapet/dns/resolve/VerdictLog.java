package dev.parapet.dns.resolve;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import dev.parapet.dns.DnsProperties;
import dev.parapet.kit.kafka.KafkaDefaults;
import dev.parapet.kit.kafka.RegistryProperties;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Verdicts on their way to `parapet.verdicts.v1`. The DNS path only offers a verdict to a bounded
 * queue and never waits: when the queue is full (Kafka slow or away) the verdict is dropped and
 * counted (`parapet.dns.verdicts.dropped`, exported with the other metrics). One thread drains the
 * queue into a Kafka producer, whose own failures are counted the same way.
 */
@Component
public class VerdictLog implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(VerdictLog.class);

    private final BlockingQueue<DnsVerdict> queue;
    private final boolean enabled;
    private final Map<String, Object> producerConfig;
    private final Counter published;
    private final Counter dropped;
    private volatile boolean running;
    private Thread drainer;
    private Producer<String, DnsVerdict> producer;

    public VerdictLog(DnsProperties properties, dev.parapet.dns.Standalone standalone, KafkaProperties kafka,
                      RegistryProperties registry, MeterRegistry meters) {
        this.enabled = properties.verdicts().enabled() && !standalone.enabled();
        this.queue = new ArrayBlockingQueue<>(Math.max(1, properties.verdicts().buffer()));
        Map<String, Object> config = new HashMap<>(kafka.buildProducerProperties());
        config.putAll(KafkaDefaults.producer(registry, "lz4"));
        // Verdicts are many and small: batch them, and never hold the drainer long when Kafka is away.
        config.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_000);
        this.producerConfig = config;
        this.published = meters.counter("parapet.dns.verdicts.published");
        this.dropped = meters.counter("parapet.dns.verdicts.dropped");
        meters.gauge("parapet.dns.verdicts.queued", queue, BlockingQueue::size);
    }

    /** Hands a verdict over without waiting; false (and counted) when there is no room. */
    public boolean offer(DnsVerdict verdict) {
        if (!enabled) {
            return false;
        }
        if (queue.offer(verdict)) {
            return true;
        }
        dropped.increment();
        return false;
    }

    public boolean enabled() {
        return enabled;
    }

    @Override
    public void start() {
        if (!enabled) {
            running = true;
            return;
        }
        producer = new KafkaProducer<>(producerConfig);
        running = true;
        drainer = new Thread(this::drain, "verdict-log");
        drainer.setDaemon(true);
        drainer.start();
    }

    private void drain() {
        List<DnsVerdict> batch = new ArrayList<>(1024);
        while (running || !queue.isEmpty()) {
            try {
                DnsVerdict first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 1023);
                for (DnsVerdict verdict : batch) {
                    producer.send(new ProducerRecord<>(Topics.VERDICTS.name(), verdict.getAccountId().toString(), verdict),
                            (metadata, failure) -> (failure == null ? published : dropped).increment());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                dropped.increment(batch.size());
                LOG.warn("verdicts: {} dropped: {}", batch.size(), e.toString());
            } finally {
                batch.clear();
            }
        }
    }

    @Override
    public void stop() {
        running = false;
        if (drainer != null) {
            try {
                drainer.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (producer != null) {
            producer.close(java.time.Duration.ofSeconds(5));
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
