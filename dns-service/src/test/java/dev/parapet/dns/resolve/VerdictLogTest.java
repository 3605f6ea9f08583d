package dev.parapet.dns.resolve;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;

import dev.parapet.dns.DnsProperties;
import dev.parapet.dns.Standalone;
import dev.parapet.kit.kafka.RegistryProperties;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;
import dev.parapet.schemas.v1.verdicts.Reason;
import dev.parapet.schemas.v1.verdicts.Transport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The DNS path never waits for Kafka: a full verdict buffer drops, and counts what it drops. */
class VerdictLogTest {

    @Test
    void aFullBufferDropsAndCountsInsteadOfWaiting() {
        DnsProperties properties = new DnsProperties("127.0.0.1", 0, 1, List.of(), Duration.ofSeconds(1), 1, "192.0.2.1",
                "2001:db8::1", Duration.ofSeconds(60), Duration.ofSeconds(5), new DnsProperties.Cache(10, Duration.ofDays(1), Duration.ofDays(1), true),
                new DnsProperties.RateLimit(0, 2), new DnsProperties.Verdicts(true, 2));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        // Never started: nothing drains the buffer, as when Kafka is away.
        VerdictLog log = new VerdictLog(properties, new Standalone("", List.of()), new KafkaProperties(),
                new RegistryProperties("http://127.0.0.1:1"), meters);
        long started = System.nanoTime();
        assertThat(log.offer(verdict())).isTrue();
        assertThat(log.offer(verdict())).isTrue();
        assertThat(log.offer(verdict())).isFalse();
        assertThat(log.offer(verdict())).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
        assertThat(meters.counter("parapet.dns.verdicts.dropped").count()).isEqualTo(2);
        assertThat(meters.get("parapet.dns.verdicts.queued").gauge().value()).isEqualTo(2);
    }

    private static DnsVerdict verdict() {
        return DnsVerdict.newBuilder().setEventId(UUID.randomUUID()).setOccurredAt(Instant.now()).setAccountId(UUID.randomUUID())
                .setClientAddress("192.0.2.9").setTransport(Transport.UDP).setQueryName("example.com").setQueryType("A")
                .setAction(Action.ALLOWED).setReason(Reason.DEFAULT_ALLOW).setResponseCode("NOERROR").setLatencyMicros(10).build();
    }
}
