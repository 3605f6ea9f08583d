package dev.parapet.dns;

import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param address          where the DNS listeners (UDP and TCP) bind (one address; 0.0.0.0 for all)
 * @param port             their port (53 in production; 0 picks a free one, as tests do)
 * @param threads          event-loop threads for DNS over UDP (0: one per core)
 * @param upstreams        resolvers allowed queries go to, as address:port; none configured answers SERVFAIL
 * @param upstreamTimeout  how long one upstream may take before the next is tried
 * @param upstreamAttempts how many times each upstream is tried for one query, in turn with the others
 * @param blockPageIpv4    the block-page server's address, the answer to a blocked A query
 * @param blockPageIpv6    the block-page server's address, the answer to a blocked AAAA query
 * @param blockedTtl       the TTL of a blocked answer: short, so that an unblock takes effect soon
 * @param warnedTtl        the TTL of a warning answer: shorter, so that "Continue" takes effect at once
 * @param cache            the answer cache
 * @param rateLimit        response-rate limiting of DNS over UDP
 * @param verdicts         the verdict log
 */
@ConfigurationProperties("parapet.dns")
public record DnsProperties(@DefaultValue("127.0.0.1") String address,
                            @DefaultValue("53") int port,
                            @DefaultValue("0") int threads,
                            @DefaultValue("") List<String> upstreams,
                            @DefaultValue("2s") Duration upstreamTimeout,
                            @DefaultValue("2") int upstreamAttempts,
                            @DefaultValue("127.0.0.1") String blockPageIpv4,
                            @DefaultValue("::1") String blockPageIpv6,
                            @DefaultValue("60s") Duration blockedTtl,
                            @DefaultValue("5s") Duration warnedTtl,
                            @DefaultValue Cache cache,
                            @DefaultValue RateLimit rateLimit,
                            @DefaultValue Verdicts verdicts) {

    /**
     * @param maxEntries answers kept at most (stale ones included)
     * @param maxTtl     the longest an answer is fresh, whatever its TTL
     * @param serveStale how long past its TTL an answer is kept to be served when every upstream fails
     *                   (RFC 8767; 0: never served stale)
     * @param prefetch   whether popular answers are fetched again shortly before they expire
     */
    public record Cache(@DefaultValue("200000") long maxEntries, @DefaultValue("1d") Duration maxTtl,
                        @DefaultValue("1d") Duration serveStale, @DefaultValue("true") boolean prefetch) {
    }

    /**
     * @param responsesPerSecond UDP responses per second per /24 (IPv4) or /56 (IPv6) source network; 0: no limit
     * @param slip               over the limit, every slip-th response is sent truncated (so real clients retry
     *                           over TCP) and the others dropped; 0: drop all
     */
    public record RateLimit(@DefaultValue("1000") double responsesPerSecond, @DefaultValue("2") int slip) {
    }

    /**
     * @param enabled whether verdicts are published to Kafka
     * @param buffer  verdicts waiting for Kafka at most; beyond that they are dropped and counted
     */
    public record Verdicts(@DefaultValue("true") boolean enabled, @DefaultValue("100000") int buffer) {
    }
}
