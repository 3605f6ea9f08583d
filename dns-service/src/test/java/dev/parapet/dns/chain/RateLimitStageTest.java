package dev.parapet.dns.chain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Type;

import dev.parapet.dns.DnsProperties;
import dev.parapet.dns.resolve.Client;
import dev.parapet.dns.resolve.RateLimiter;
import dev.parapet.schemas.v1.verdicts.Transport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

class RateLimitStageTest {

    static DnsProperties properties(double perSecond, int slip) {
        return new DnsProperties("127.0.0.1", 0, 1, List.of(), Duration.ofMillis(100), 1, "192.0.2.1", "2001:db8::1",
                Duration.ofSeconds(60), Duration.ofSeconds(5), new DnsProperties.Cache(10, Duration.ofDays(1), Duration.ofDays(1), true),
                new DnsProperties.RateLimit(perSecond, slip), new DnsProperties.Verdicts(false, 10));
    }

    private final RateLimitStage stage = new RateLimitStage(new RateLimiter(properties(1, 2), new SimpleMeterRegistry()));

    @Test
    void aUdpSourcePastItsRateGetsNothingOrATruncatedSlip() {
        Queries.Rest rest = Queries.Rest.answering();
        int passed = 0;
        int slips = 0;
        int silent = 0;
        for (int i = 0; i < 40; i++) {
            Answer answer = Queries.run(stage, Queries.query("example.com", Type.A), rest);
            if (answer.silent()) {
                silent++;
            } else if (answer.response() != null) {
                assertThat(answer.response().getHeader().getFlag(Flags.TC)).isTrue();
                assertThat(answer.response().getSectionArray(org.xbill.DNS.Section.ANSWER)).isEmpty();
                slips++;
            } else {
                passed++;
            }
        }
        assertThat(passed).isEqualTo(rest.calls.get()).isBetween(1, 5);
        assertThat(slips).isPositive();
        assertThat(silent).isPositive();
    }

    @Test
    void streamsAreNotLimitedHere() {
        Queries.Rest rest = Queries.Rest.answering();
        for (int i = 0; i < 40; i++) {
            Queries.run(stage, Queries.query("example.com", Type.A, Client.of(Queries.IN_OFFICE, Transport.TCP)), rest);
        }
        assertThat(rest.calls.get()).isEqualTo(40);
    }
}
