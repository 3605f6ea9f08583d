package dev.parapet.dns.resolve;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.springframework.boot.kafka.autoconfigure.KafkaProperties;

import dev.parapet.dns.DnsProperties;
import dev.parapet.dns.Standalone;
import dev.parapet.dns.pages.Allowances;
import dev.parapet.dns.pages.BlockNotices;
import dev.parapet.dns.policy.CategoryBits;
import dev.parapet.dns.policy.CategoryState;
import dev.parapet.dns.policy.ResolverState;
import dev.parapet.dns.transport.UdpDnsServer;
import dev.parapet.kit.kafka.RegistryProperties;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The whole resolver without Spring or Kafka, as the benchmarks run it (standalone mode: one block list
 * for every client on loopback), optionally on a real UDP and TCP port: for tests that need the chain
 * with its real upstreams, cache and DNSSEC validation but not the topics.
 */
public final class StandaloneResolver implements AutoCloseable {

    private final DnsResolver resolver;
    private final DnsProperties properties;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private UdpDnsServer server;

    /**
     * @param blocked      names on the block list
     * @param upstreams    address:port of each upstream
     * @param trustAnchors a DNSSEC trust-anchor file, or null: no validation
     */
    public StandaloneResolver(Path directory, List<String> blocked, List<String> upstreams, Duration upstreamTimeout,
                              Path trustAnchors) throws Exception {
        Path list = Files.write(directory.resolve("blocklist.txt"), blocked);
        DnsProperties properties = new DnsProperties("127.0.0.1", 0, 1, upstreams, upstreamTimeout, 1, "192.0.2.1",
                "2001:db8::1", Duration.ofSeconds(60), Duration.ofSeconds(5),
                new DnsProperties.Cache(1000, Duration.ofDays(1), Duration.ofDays(1), true),
                new DnsProperties.RateLimit(0, 2), new DnsProperties.Verdicts(false, 10));
        Standalone standalone = new Standalone(list.toString(), List.of("127.0.0.0/8"));
        CategoryBits bits = new CategoryBits();
        RegistryProperties registry = new RegistryProperties("http://127.0.0.1:1");
        CategoryState categories = new CategoryState(new KafkaProperties(), registry, meters, bits, standalone);
        ResolverState state = new ResolverState(new KafkaProperties(), registry, meters, categories, bits, standalone);
        Upstreams resolvers = trustAnchors == null ? new Upstreams(properties, meters)
                : new Upstreams(properties, new DnssecValidation.Properties(trustAnchors.toString()), meters);
        this.resolver = new DnsResolver(state, categories, bits, properties, resolvers, new AnswerCache(properties, meters),
                new RateLimiter(properties, meters), new VerdictLog(properties, standalone, new KafkaProperties(), registry, meters),
                new BlockNotices(), new Allowances(), meters);
        this.properties = properties;
    }

    public DnsResolver resolver() {
        return resolver;
    }

    public SimpleMeterRegistry meters() {
        return meters;
    }

    /** Listens on a free loopback port (UDP; TCP is the Spring context's) and returns it. */
    public int listen() {
        server = new UdpDnsServer(properties, resolver);
        server.start();
        return server.port();
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop();
        }
    }
}
