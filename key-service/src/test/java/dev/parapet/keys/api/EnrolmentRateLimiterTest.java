package dev.parapet.keys.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;

import org.junit.jupiter.api.Test;

class EnrolmentRateLimiterTest {

    private static final long SECOND = 1_000_000_000L;

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The n-th address of a /64: only the interface identifier (the low 64 bits) differs. */
    private static InetAddress inSlash64(long n) {
        return ip(String.format("2001:db8:7:1:%x:%x:%x:%x", (n >>> 48) & 0xffff, (n >>> 32) & 0xffff, (n >>> 16) & 0xffff, n & 0xffff));
    }

    /** The n-th /64 of a /32. */
    private static InetAddress slash64(long n) {
        return ip(String.format("2001:db9:%x:%x::1", (n >>> 16) & 0xffff, n & 0xffff));
    }

    @Test
    void anAddressIsLimitedAndRecoversAsTimePasses() {
        EnrolmentRateLimiter limiter = new EnrolmentRateLimiter(3, 1000);
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.retryAfterSeconds(ip("10.0.0.1"), "key" + i, 0)).isZero();
        }
        assertThat(limiter.retryAfterSeconds(ip("10.0.0.1"), "key9", 0)).isPositive();
        assertThat(limiter.retryAfterSeconds(ip("10.0.0.2"), "key9", 0)).as("another address").isZero();
        assertThat(limiter.retryAfterSeconds(ip("10.0.0.1"), "key9", 21 * SECOND)).as("a minute / 3 later").isZero();
    }

    @Test
    void aKeyIsLimitedWhateverTheAddress() {
        EnrolmentRateLimiter limiter = new EnrolmentRateLimiter(1000, 2);
        assertThat(limiter.retryAfterSeconds(ip("10.0.0.1"), "key", 0)).isZero();
        assertThat(limiter.retryAfterSeconds(ip("10.0.0.2"), "key", 0)).isZero();
        assertThat(limiter.retryAfterSeconds(ip("10.0.0.3"), "key", 0)).isPositive();
    }

    @Test
    void rotatingIpv6AddressesWithinOneSlash64ShareOneBucket() {
        EnrolmentRateLimiter limiter = new EnrolmentRateLimiter(3, 1_000_000);
        int allowed = 0;
        for (long n = 0; n < 200_000; n++) {
            if (limiter.retryAfterSeconds(inSlash64(n * 0x9e3779b97f4a7c15L), "key" + n, 0) == 0) {
                allowed++;
            }
        }
        assertThat(allowed).as("200 000 /128s of one /64 get the /64's 3 attempts").isEqualTo(3);
        assertThat(limiter.retryAfterSeconds(ip("2001:db8:7:2::1"), "another", 0)).as("the next /64").isZero();
    }

    @Test
    void aFloodOfNewSourcesDoesNotResetALimitedAddressThatKeepsAsking() {
        EnrolmentRateLimiter limiter = new EnrolmentRateLimiter(3, 1_000_000);
        InetAddress limited = ip("192.0.2.66");
        for (int i = 0; i < 3; i++) {
            limiter.retryAfterSeconds(limited, "k", 0);
        }
        int limitedAnswers = 0;
        int asked = 0;
        for (long n = 0; n < 200_000; n++) {
            // Virtual time barely moves: 200 000 sources in one second, the limited one asking every 1 000.
            long now = n * 5_000L;
            limiter.retryAfterSeconds(slash64(n), "flood" + n, now);
            if (n % 1_000 == 0) {
                asked++;
                if (limiter.retryAfterSeconds(limited, "k", now) > 0) {
                    limitedAnswers++;
                }
            }
        }
        assertThat(limitedAnswers).as("every one of its %d attempts during the flood is refused", asked).isEqualTo(asked);
        assertThat(limiter.tracked()).as("memory stays bounded").isLessThanOrEqualTo(2 * EnrolmentRateLimiter.MAX_TRACKED);
    }

    @Test
    void ipv6IsLimitedByItsSlash64AndIpv4ByItsAddress() {
        assertThat(EnrolmentRateLimiter.source(ip("2001:db8:7:1:aaaa:bbbb:cccc:dddd"))).isEqualTo("2001:db8:7:1::/64");
        assertThat(EnrolmentRateLimiter.source(ip("192.0.2.7"))).isEqualTo("192.0.2.7");
        assertThat(EnrolmentRateLimiter.source(ip("::ffff:192.0.2.7"))).isEqualTo("192.0.2.7");
        assertThat(EnrolmentRateLimiter.source(null)).isEqualTo("unknown");
    }
}
