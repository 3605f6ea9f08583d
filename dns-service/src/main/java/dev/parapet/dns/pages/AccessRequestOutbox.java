package dev.parapet.dns.pages;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.stereotype.Component;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.parapet.dns.Standalone;
import dev.parapet.dns.pages.BlockNotices.Notice;
import dev.parapet.kit.kafka.KafkaDefaults;
import dev.parapet.kit.kafka.RegistryProperties;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.access.AccessRequestRaised;
import dev.parapet.schemas.v1.access.AccessRequester;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Sends the access requests users raise on block pages to {@code parapet.access-requests-raised.v1}, where
 * settings-service records them for the account's administrators. The reason is the user's own text: checked here
 * (length, no control characters) and again by settings-service. A client may raise at most
 * {@value #PER_CLIENT_PER_HOUR} an hour, so that one device cannot flood the administrators' queue.
 */
@Component
public class AccessRequestOutbox implements org.springframework.beans.factory.DisposableBean {

    static final int MAX_REASON = 500;
    static final int PER_CLIENT_PER_HOUR = 5;

    /** What became of a request. */
    public enum Outcome {
        SENT, TOO_MANY, INVALID_REASON, UNAVAILABLE
    }

    private static final Logger log = LoggerFactory.getLogger(AccessRequestOutbox.class);

    private final boolean enabled;
    private final Map<String, Object> producerConfig;
    private final Cache<String, AtomicInteger> perClient = Caffeine.newBuilder().maximumSize(100_000)
            .expireAfterWrite(Duration.ofHours(1)).build();
    private final Counter sent;
    private final Counter refused;
    private volatile Producer<String, AccessRequestRaised> producer;

    public AccessRequestOutbox(Standalone standalone, KafkaProperties kafka, RegistryProperties registry, MeterRegistry meters) {
        this.enabled = !standalone.enabled();
        Map<String, Object> config = new HashMap<>(kafka.buildProducerProperties());
        config.putAll(KafkaDefaults.producer(registry, "lz4"));
        // A user waits on the page for the answer: never long.
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        this.producerConfig = config;
        this.sent = meters.counter("parapet.dns.access-requests.sent");
        this.refused = meters.counter("parapet.dns.access-requests.refused");
    }

    /** Whether block pages offer the request form (not in standalone mode, which has no administrators). */
    public boolean enabled() {
        return enabled;
    }

    /** The user's reason as it would be sent, or null when it cannot be. */
    static String reason(String text) {
        if (text == null) {
            return null;
        }
        String reason = text.replace("\r\n", "\n").strip();
        if (reason.isEmpty() || reason.length() > MAX_REASON || reason.chars().anyMatch(c -> Character.isISOControl(c) && c != '\n')) {
            return null;
        }
        return reason;
    }

    /** Raises a request for the notice's name for whoever the notice names; waits at most a few seconds for Kafka. */
    public Outcome raise(Notice notice, String reasonText, Instant now) {
        String reason = reason(reasonText);
        if (reason == null) {
            return Outcome.INVALID_REASON;
        }
        AtomicInteger count = perClient.get(notice.client(), client -> new AtomicInteger());
        if (count.incrementAndGet() > PER_CLIENT_PER_HOUR) {
            refused.increment();
            return Outcome.TOO_MANY;
        }
        if (!enabled) {
            return Outcome.UNAVAILABLE;
        }
        AccessRequestRaised raised = AccessRequestRaised.newBuilder().setRequestId(UUID.randomUUID()).setAccountId(notice.accountId())
                .setName(notice.name()).setReason(reason)
                .setRequester(new AccessRequester(notice.userEmail(), notice.agentId(), notice.client(), notice.locationId()))
                .setPolicyName(notice.policyName()).setRaisedAt(now).build();
        try {
            producer().send(new ProducerRecord<>(Topics.ACCESS_REQUESTS_RAISED.name(), notice.accountId().toString(), raised))
                    .get(10, java.util.concurrent.TimeUnit.SECONDS);
            sent.increment();
            return Outcome.SENT;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.UNAVAILABLE;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException | RuntimeException e) {
            log.warn("An access request could not be sent: {}", e.toString());
            count.decrementAndGet();
            return Outcome.UNAVAILABLE;
        }
    }

    private Producer<String, AccessRequestRaised> producer() {
        Producer<String, AccessRequestRaised> current = producer;
        if (current == null) {
            synchronized (this) {
                if (producer == null) {
                    producer = new KafkaProducer<>(producerConfig);
                }
                current = producer;
            }
        }
        return current;
    }

    @Override
    public void destroy() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
