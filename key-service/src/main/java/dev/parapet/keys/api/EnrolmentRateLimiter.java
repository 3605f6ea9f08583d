package dev.parapet.keys.api;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.parapet.kit.net.Cidr;

/**
 * Token buckets per source network and per presented key: enrolment is the one unauthenticated way
 * in, so guessing keys or flooding it from one place is slowed down. Limits are per instance
 * (docs/keys.md says how they add up across instances).
 *
 * <p>An IPv4 source is one address; an IPv6 source is its /64, the smallest network a site is given,
 * inside which a client picks any address it likes (one host can rotate through 2<sup>64</sup>).
 *
 * <p>Each kind of bucket is a bounded least-recently-used map: when a new source would go beyond
 * {@value #MAX_TRACKED}, the bucket asked for longest ago goes. A source that keeps asking is always
 * recent, so a flood of new sources cannot reset its limit; a bucket that is evicted had been idle
 * while {@value #MAX_TRACKED} other sources asked, and a flood that large already has more attempts
 * (each new source has a full bucket) than an evicted bucket would give back.
 */
public final class EnrolmentRateLimiter {

    static final int MAX_TRACKED = 100_000;

    private final double perAddressPerMinute;
    private final double perKeyPerMinute;
    private final Buckets byAddress = new Buckets(MAX_TRACKED);
    private final Buckets byKey = new Buckets(MAX_TRACKED);

    public EnrolmentRateLimiter(int perAddressPerMinute, int perKeyPerMinute) {
        this.perAddressPerMinute = perAddressPerMinute;
        this.perKeyPerMinute = perKeyPerMinute;
    }

    /** Zero if allowed, else the seconds to wait. A null address (unknown) is one source of its own. */
    public long retryAfterSeconds(InetAddress address, String keyFingerprint, long nowNanos) {
        long wait = byAddress.take(source(address), perAddressPerMinute, nowNanos);
        if (wait > 0) {
            return wait;
        }
        return byKey.take(keyFingerprint, perKeyPerMinute, nowNanos);
    }

    /** What an address is limited as: an IPv4 address itself, an IPv6 address's /64. */
    static String source(InetAddress address) {
        if (address == null) {
            return "unknown";
        }
        if (!(address instanceof Inet6Address)) {
            return address.getHostAddress();
        }
        try {
            return new Cidr(InetAddress.getByAddress(Arrays.copyOf(Arrays.copyOf(address.getAddress(), 8), 16)), 64).toString();
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Buckets by name, the least recently used dropped beyond a bound; one lock, held for microseconds. */
    private static final class Buckets {

        private final Map<String, Bucket> buckets;

        Buckets(int bound) {
            this.buckets = new LinkedHashMap<>(1024, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
                    return size() > bound;
                }
            };
        }

        synchronized long take(String name, double capacity, long now) {
            return buckets.computeIfAbsent(name, k -> new Bucket(capacity, now)).take(capacity, now);
        }

        synchronized int size() {
            return buckets.size();
        }
    }

    private static final class Bucket {
        private double tokens;
        private long refilledAt;

        Bucket(double capacity, long now) {
            this.tokens = capacity;
            this.refilledAt = now;
        }

        long take(double capacity, long now) {
            tokens = Math.min(capacity, tokens + (now - refilledAt) * capacity / 60_000_000_000.0);
            refilledAt = now;
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return (long) Math.ceil((1 - tokens) * 60.0 / capacity);
        }
    }

    /** How many sources and keys are tracked: for tests. */
    int tracked() {
        return byAddress.size() + byKey.size();
    }
}
