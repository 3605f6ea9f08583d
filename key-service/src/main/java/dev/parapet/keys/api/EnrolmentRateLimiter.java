package dev.parapet.keys.api;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets per source address and per presented key: enrolment is the one unauthenticated way
 * in, so guessing keys or flooding it from one address is slowed down. Limits are per instance.
 */
public final class EnrolmentRateLimiter {

    private static final int MAX_TRACKED = 100_000;

    private final double perAddressPerMinute;
    private final double perKeyPerMinute;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    private static final class Bucket {
        private double tokens;
        private long refilledAt;

        Bucket(double capacity, long now) {
            this.tokens = capacity;
            this.refilledAt = now;
        }

        synchronized long take(double capacity, long now) {
            tokens = Math.min(capacity, tokens + (now - refilledAt) * capacity / 60_000_000_000.0);
            refilledAt = now;
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return (long) Math.ceil((1 - tokens) * 60.0 / capacity);
        }
    }

    public EnrolmentRateLimiter(int perAddressPerMinute, int perKeyPerMinute) {
        this.perAddressPerMinute = perAddressPerMinute;
        this.perKeyPerMinute = perKeyPerMinute;
    }

    /** Zero if allowed, else the seconds to wait. */
    public long retryAfterSeconds(String address, String keyFingerprint, long nowNanos) {
        if (buckets.size() > MAX_TRACKED) {
            buckets.clear();
        }
        long byAddress = buckets.computeIfAbsent("a:" + address, k -> new Bucket(perAddressPerMinute, nowNanos))
                .take(perAddressPerMinute, nowNanos);
        if (byAddress > 0) {
            return byAddress;
        }
        return buckets.computeIfAbsent("k:" + keyFingerprint, k -> new Bucket(perKeyPerMinute, nowNanos))
                .take(perKeyPerMinute, nowNanos);
    }
}
