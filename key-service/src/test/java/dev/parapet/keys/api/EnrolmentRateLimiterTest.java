package dev.parapet.keys.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EnrolmentRateLimiterTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void anAddressIsLimitedAndRecoversAsTimePasses() {
        EnrolmentRateLimiter limiter = new EnrolmentRateLimiter(3, 1000);
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.retryAfterSeconds("10.0.0.1", "key" + i, 0)).isZero();
        }
        assertThat(limiter.retryAfterSeconds("10.0.0.1", "key9", 0)).isPositive();
        assertThat(limiter.retryAfterSeconds("10.0.0.2", "key9", 0)).as("another address").isZero();
        assertThat(limiter.retryAfterSeconds("10.0.0.1", "key9", 21 * SECOND)).as("a minute / 3 later").isZero();
    }

    @Test
    void aKeyIsLimitedWhateverTheAddress() {
        EnrolmentRateLimiter limiter = new EnrolmentRateLimiter(1000, 2);
        assertThat(limiter.retryAfterSeconds("a", "key", 0)).isZero();
        assertThat(limiter.retryAfterSeconds("b", "key", 0)).isZero();
        assertThat(limiter.retryAfterSeconds("c", "key", 0)).isPositive();
    }
}
