package dev.parapet.dns.resolve;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.parapet.dns.DnsProperties;
import dev.parapet.dns.resolve.RateLimiter.Decision;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The UDP response-rate limiter against sources that share its table. */
class RateLimiterTest {

    static final double RATE = 100;

    static RateLimiter limiter() {
        DnsProperties defaults = new DnsProperties("127.0.0.1", 53, 0, List.of(), java.time.Duration.ofSeconds(2), 2,
                "127.0.0.1", "::1", java.time.Duration.ofSeconds(60), java.time.Duration.ofSeconds(5),
                new DnsProperties.Cache(1000, java.time.Duration.ofDays(1), java.time.Duration.ofDays(1), true), new DnsProperties.RateLimit(RATE, 2),
                new DnsProperties.Verdicts(false, 10));
        return new RateLimiter(defaults, new SimpleMeterRegistry());
    }

    /** {@code count} /24 networks (one address of each) that the limiter keeps in one and the same place. */
    static List<InetAddress> colliding(RateLimiter limiter, int count) throws UnknownHostException {
        Map<Integer, List<InetAddress>> byBucket = new HashMap<>();
        for (int i = 0; ; i++) {
            InetAddress address = InetAddress.getByName((10 + (i >> 16)) + "." + (i >> 8 & 0xff) + "." + (i & 0xff) + ".1");
            List<InetAddress> same = byBucket.computeIfAbsent(limiter.bucketOf(address), bucket -> new ArrayList<>());
            same.add(address);
            if (same.size() == count) {
                return same;
            }
        }
    }

    /** Answers each source gets when they ask in turn, {@code rounds} times each, as fast as they can. */
    static long[] alternate(RateLimiter limiter, List<InetAddress> sources, int rounds) {
        long[] answered = new long[sources.size()];
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < sources.size(); i++) {
                if (limiter.decide(sources.get(i)) == Decision.ANSWER) {
                    answered[i]++;
                }
            }
        }
        return answered;
    }

    @Test
    void twoNetworksThatCollideCannotExceedTheRateByTakingTurns() throws Exception {
        RateLimiter limiter = limiter();
        List<InetAddress> pair = colliding(limiter, 2);
        long start = System.nanoTime();
        long[] answered = alternate(limiter, pair, 5_000);
        double seconds = (System.nanoTime() - start) / 1e9;
        long allowed = (long) Math.ceil(RATE + RATE * seconds) + 1; // a second's burst, then the rate
        System.out.printf("two colliding networks, 5000 queries each in %.3f s: answered %d and %d (each may have %d)%n",
                seconds, answered[0], answered[1], allowed);
        assertThat(answered[0]).isLessThanOrEqualTo(allowed);
        assertThat(answered[1]).isLessThanOrEqualTo(allowed);
    }

    @Test
    void aCrowdOfCollidingNetworksSharesTokensInsteadOfResettingThem() throws Exception {
        RateLimiter limiter = limiter();
        List<InetAddress> crowd = colliding(limiter, 24);
        long start = System.nanoTime();
        long[] answered = alternate(limiter, crowd, 1_000);
        double seconds = (System.nanoTime() - start) / 1e9;
        long total = java.util.Arrays.stream(answered).sum();
        long allowed = (long) Math.ceil(RateLimiter.WAYS * (RATE + RATE * seconds)) + RateLimiter.WAYS;
        System.out.printf("24 colliding networks, 1000 queries each in %.3f s: %d answered in all (at most %d)%n",
                seconds, total, allowed);
        assertThat(total).isLessThanOrEqualTo(allowed);
    }

    @Test
    void separateNetworksEachHaveTheirOwnRate() throws Exception {
        RateLimiter limiter = limiter();
        InetAddress one = InetAddress.getByName("192.0.2.1");
        InetAddress other = InetAddress.getByName("198.51.100.1");
        long[] answered = alternate(limiter, List.of(one, other), 150);
        assertThat(answered[0]).isBetween((long) RATE, (long) RATE + 5);
        assertThat(answered[1]).isBetween((long) RATE, (long) RATE + 5);
    }
}
