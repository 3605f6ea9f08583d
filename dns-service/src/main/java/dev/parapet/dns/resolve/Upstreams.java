package dev.parapet.dns.resolve;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.springframework.stereotype.Component;
import org.xbill.DNS.Message;
import org.xbill.DNS.SimpleResolver;

import dev.parapet.dns.DnsProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The configured upstream resolvers, tried in turn: a timeout or error moves to the next, every
 * upstream gets {@code parapet.dns.upstream-attempts} tries in all, and the one that answered last is
 * tried first next time (failover that sticks until that one fails too). UDP with TCP on truncation,
 * by dnsjava's resolver.
 */
@Component
public class Upstreams {

    private final List<SimpleResolver> resolvers;
    private final int attempts;
    private final Counter failures;
    private volatile int preferred;

    public Upstreams(DnsProperties properties, MeterRegistry meters) {
        this.resolvers = properties.upstreams().stream().filter(text -> !text.isBlank()).map(text -> {
            HostAndPort upstream = HostAndPort.parse(text);
            SimpleResolver resolver = new SimpleResolver(new InetSocketAddress(upstream.address(), upstream.port()));
            resolver.setTimeout(properties.upstreamTimeout());
            return resolver;
        }).toList();
        this.attempts = resolvers.size() * Math.max(1, properties.upstreamAttempts());
        this.failures = meters.counter("parapet.dns.upstream.failures");
    }

    record HostAndPort(InetAddress address, int port) {
        static HostAndPort parse(String text) {
            String host = text.strip();
            int port = 53;
            try {
                if (host.startsWith("[")) {
                    int close = host.indexOf(']');
                    port = close + 1 < host.length() ? Integer.parseInt(host.substring(close + 2)) : 53;
                    host = host.substring(1, close);
                } else if (host.indexOf(':') > 0 && host.indexOf(':') == host.lastIndexOf(':')) {
                    port = Integer.parseInt(host.substring(host.indexOf(':') + 1));
                    host = host.substring(0, host.indexOf(':'));
                }
                if (!Character.isDigit(host.charAt(0)) && !host.contains(":")) {
                    throw new UnknownHostException("a host name: upstreams must be addresses");
                }
                return new HostAndPort(InetAddress.getByName(host), port);
            } catch (UnknownHostException | RuntimeException e) {
                throw new IllegalArgumentException("parapet.dns.upstreams: '" + text + "' is not an address[:port]", e);
            }
        }
    }

    public boolean any() {
        return !resolvers.isEmpty();
    }

    /** The first answer of any upstream, or null when every attempt failed. */
    public CompletionStage<Message> send(Message query) {
        return attempt(query, preferred, 0);
    }

    private CompletionStage<Message> attempt(Message query, int index, int tried) {
        if (tried >= attempts) {
            return CompletableFuture.completedFuture(null);
        }
        int upstream = index % resolvers.size();
        return resolvers.get(upstream).sendAsync(query).handle((answer, failure) -> {
            if (failure == null) {
                preferred = upstream;
                return CompletableFuture.completedFuture(answer);
            }
            failures.increment();
            return attempt(query, upstream + 1, tried + 1);
        }).thenCompose(next -> next);
    }
}
