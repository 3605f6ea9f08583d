package dev.parapet.dns.resolve;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.security.SecureRandom;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

import dev.parapet.dns.DnsProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Response-rate limiting for DNS over UDP, where a forged source address could turn Parapet into an
 * amplifier: a token bucket per source network (/24 for IPv4, /56 for IPv6, as BIND's RRL groups
 * them) refilled at {@code parapet.dns.rate-limit.responses-per-second}, holding a second's worth.
 * Over the limit, every {@code slip}-th response is a tiny truncated one (TC set, no records), so a
 * real client behind a busy address retries over TCP, and the rest are dropped. TCP and DoH need a
 * handshake, so forged sources cannot use them; they are not limited.
 *
 * <p>A fixed table bounds memory whatever the number of sources: {@value #SETS} sets of
 * {@value #WAYS} buckets, a network's set chosen by a hash keyed with a secret drawn per process (so
 * nobody can pick networks that share a set). A network not in its set takes the bucket with the
 * most tokens there and <em>keeps that bucket's tokens</em>: an empty or full bucket is a fresh one,
 * but a limited bucket is never refilled because another network arrived. So networks that share a
 * set can at worst share its buckets' tokens; taking turns never resets anyone's limit.
 */
@Component
public class RateLimiter {

    public enum Decision {
        ANSWER, SLIP, DROP
    }

    static final int WAYS = 4;
    static final int SETS = 1 << 12;
    private static final int STRIPES = 64;
    private static final long EMPTY = 0;

    private final double perSecond;
    private final int slip;
    private final long k0;
    private final long k1;
    /** The network each bucket counts for (never 0: {@link #networkOf} sets a tag bit), or {@link #EMPTY}. */
    private final long[] networks = new long[SETS * WAYS];
    private final double[] tokens = new double[SETS * WAYS];
    private final long[] refilledAt = new long[SETS * WAYS];
    private final int[] limitedCount = new int[SETS * WAYS];
    private final Object[] locks = new Object[STRIPES];
    private final Counter dropped;
    private final Counter slipped;

    @Autowired
    public RateLimiter(DnsProperties properties, MeterRegistry meters) {
        this(properties, meters, new SecureRandom());
    }

    RateLimiter(DnsProperties properties, MeterRegistry meters, java.util.Random keys) {
        this.perSecond = properties.rateLimit().responsesPerSecond();
        this.slip = Math.max(0, properties.rateLimit().slip());
        this.k0 = keys.nextLong();
        this.k1 = keys.nextLong();
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
        int set = setOf(network);
        long now = System.nanoTime();
        synchronized (locks[set & (STRIPES - 1)]) {
            int bucket = bucketFor(set * WAYS, network, now);
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

    /** The network's bucket in the set starting at {@code first}, refilled up to now; claimed if it has none. */
    private int bucketFor(int first, long network, long now) {
        int richest = first;
        for (int bucket = first; bucket < first + WAYS; bucket++) {
            if (networks[bucket] == network) {
                refill(bucket, now);
                return bucket;
            }
            if (networks[bucket] == EMPTY) {
                tokens[bucket] = perSecond;
                refilledAt[bucket] = now;
                limitedCount[bucket] = 0;
                richest = bucket;
                break;
            }
            refill(bucket, now);
            if (tokens[bucket] > tokens[richest]) {
                richest = bucket;
            }
        }
        // Taken over with the tokens it has: full if its network went quiet, otherwise shared, never reset.
        networks[richest] = network;
        return richest;
    }

    private void refill(int bucket, long now) {
        tokens[bucket] = Math.min(perSecond, tokens[bucket] + (now - refilledAt[bucket]) / 1e9 * perSecond);
        refilledAt[bucket] = now;
    }

    /** Where a source's network is kept in the table (for tests: finding networks that collide). */
    int bucketOf(InetAddress source) {
        return setOf(networkOf(source));
    }

    /** The set of a network: a hash keyed with this process's secret, so that nobody can choose collisions. */
    private int setOf(long network) {
        return (int) (mix(mix(network ^ k0) + k1) & (SETS - 1));
    }

    /** The /24 (IPv4) or /56 (IPv6) network of an address, as a number (never 0). */
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

    /** MurmurHash3's 64-bit finaliser: every input bit affects every output bit. */
    private static long mix(long value) {
        long z = value;
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb93fe53e4a63L;
        return z ^ (z >>> 33);
    }
}
