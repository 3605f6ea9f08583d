package dev.parapet.dns.resolve;

import java.net.Inet4Address;
import java.net.InetAddress;

import org.springframework.stereotype.Component;

import dev.parapet.dns.DnsProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Response-rate limiting for DNS over UDP, where a forged source address could turn Parapet into an
 * amplifier: a token bucket per source network (/24 for IPv4, /56 for IPv6, as BIND's RRL groups
 * them) refilled at {@code parapet.dns.rate-limit.responses-per-second}, holding a second's worth.
 * Over the limit, every {@code slip}-th response is a tiny truncated one (TC set, no records), so a
 * real client behind a busy address retries over TCP, and the rest are dropped. A fixed table of
 * buckets bounds memory whatever the number of sources; two networks that share a bucket share
 * its tokens. TCP and DoH need a handshake, so forged sources cannot use them; they are not limited.
 */
@Component
public class RateLimiter {

    public enum Decision {
        ANSWER, SLIP, DROP
    }

    private static final int BUCKETS = 1 << 14;
    private static final int STRIPES = 64;

    private final double perSecond;
    private final int slip;
    private final long[] keys = new long[BUCKETS];
    private final double[] tokens = new double[BUCKETS];
    private final long[] refilledAt = new long[BUCKETS];
    private final int[] limitedCount = new int[BUCKETS];
    private final Object[] locks = new Object[STRIPES];
    private final Counter dropped;
    private final Counter slipped;

    public RateLimiter(DnsProperties properties, MeterRegistry meters) {
        this.perSecond = properties.rateLimit().responsesPerSecond();
        this.slip = Math.max(0, properties.rateLimit().slip());
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new Object();
        }
        this.dropped = meters.counter("parapet.dns.rate.limited", "outcome", "dropped");
        this.slipped = meters.counter("parapet.dns.rate.limited", "outcome", "slipped");
    }

    public Decision decide(InetAddress source) {
        if (perSecond <= 0) {
            return Decision.ANSWER;
        }
        long network = networkOf(source);
        int bucket = (int) (mix(network) & (BUCKETS - 1));
        long now = System.nanoTime();
        synchronized (locks[bucket & (STRIPES - 1)]) {
            if (keys[bucket] != network || refilledAt[bucket] == 0) {
                keys[bucket] = network;
                tokens[bucket] = perSecond;
                refilledAt[bucket] = now;
                limitedCount[bucket] = 0;
            } else {
                double refill = (now - refilledAt[bucket]) / 1e9 * perSecond;
                tokens[bucket] = Math.min(perSecond, tokens[bucket] + refill);
                refilledAt[bucket] = now;
            }
            if (tokens[bucket] >= 1) {
                tokens[bucket] -= 1;
                return Decision.ANSWER;
            }
            limitedCount[bucket]++;
            if (slip > 0 && limitedCount[bucket] % slip == 0) {
                slipped.increment();
                return Decision.SLIP;
            }
        }
        dropped.increment();
        return Decision.DROP;
    }

    /** The /24 (IPv4) or /56 (IPv6) network of an address, as a number. */
    static long networkOf(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address) {
            return 0x4_0000_0000L | ((bytes[0] & 0xffL) << 16) | ((bytes[1] & 0xffL) << 8) | (bytes[2] & 0xffL);
        }
        long network = 0;
        for (int i = 0; i < 7; i++) {
            network = (network << 8) | (bytes[i] & 0xffL);
        }
        return network | 0x6000_0000_0000_0000L;
    }

    private static long mix(long value) {
        long z = value * 0x9E3779B97F4A7C15L;
        return z ^ (z >>> 29);
    }
}
