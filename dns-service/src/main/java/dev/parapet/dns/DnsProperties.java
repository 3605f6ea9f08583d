package dev.parapet.dns;

import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param address         where the DNS listener binds (one address; 0.0.0.0 for all)
 * @param port            its UDP port (53 in production; 0 picks a free one, as tests do)
 * @param upstreams       resolvers allowed queries go to, as host:port; none configured answers SERVFAIL
 * @param upstreamTimeout how long one upstream may take before the next is tried
 * @param blockPageIpv4   the block-page server's address, the answer to a blocked A query
 * @param blockPageIpv6   the block-page server's address, the answer to a blocked AAAA query
 * @param blockedTtl      the TTL of a blocked answer: short, so that an unblock takes effect soon
 */
@ConfigurationProperties("parapet.dns")
public record DnsProperties(@DefaultValue("127.0.0.1") String address,
                            @DefaultValue("53") int port,
                            @DefaultValue("") List<String> upstreams,
                            @DefaultValue("2s") Duration upstreamTimeout,
                            @DefaultValue("127.0.0.1") String blockPageIpv4,
                            @DefaultValue("::1") String blockPageIpv6,
                            @DefaultValue("60s") Duration blockedTtl) {
}
