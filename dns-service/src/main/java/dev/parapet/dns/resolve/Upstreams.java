package dev.parapet.dns.resolve;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import org.xbill.DNS.Flags;
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
 *
 * <p>With a trust-anchor file ({@code parapet.dns.dnssec.trust-anchors}) every answer is validated with
 * DNSSEC on its way back ({@link DnssecValidation}: AD when secure, SERVFAIL with Extended DNS Error 6
 * when bogus); without one, answers pass as they came and nothing is spent on validation.
 */
@Component
public class Upstreams {

    private static final Logger LOG = LoggerFactory.getLogger(Upstreams.class);

    private final List<SimpleResolver> resolvers;
    private final int attempts;
    private final Counter failures;
    private final DnssecValidation dnssec;
    private volatile int preferred;

    /** Upstreams without DNSSEC validation. */
    public Upstreams(DnsProperties properties, MeterRegistry meters) {
        this(properties, new DnssecValidation.Properties(""), meters);
    }

    @Autowired
    public Upstreams(DnsProperties properties, DnssecValidation.Properties dnssec, MeterRegistry meters) {
        this.resolvers = properties.upstreams().stream().filter(text -> !text.isBlank()).map(text -> {
            HostAndPort upstream = HostAndPort.parse(text);
            SimpleResolver resolver = new SimpleResolver(new InetSocketAddress(upstream.address(), upstream.port()));
            resolver.setTimeout(properties.upstreamTimeout());
            return resolver;
        }).toList();
        this.attempts = resolvers.size() * Math.max(1, properties.upstreamAttempts());
        this.failures = meters.counter("parapet.dns.upstream.failures");
        this.dnssec = dnssec.enabled() // the file is checked even without upstreams: a bad one stops the start
                ? new DnssecValidation(Path.of(dnssec.trustAnchors().strip()), query -> attempt(query, preferred, 0),
                        properties.upstreamTimeout(), meters)
                : null;
        if (this.dnssec != null) {
            LOG.info("DNSSEC validation on, trust anchors for {} from {}", this.dnssec.anchoredNames(), dnssec.trustAnchors());
        }
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

    /** Whether answers are validated with DNSSEC. */
    public boolean validating() {
        return dnssec != null;
    }

    /**
     * The first answer of any upstream, or null when every attempt failed (or, validating, when the
     * validator's own DNSKEY and DS queries found no upstream). Validating: AD set when the answer is
     * secure and cleared otherwise, SERVFAIL with Extended DNS Error 6 when it is bogus, RRSIG/NSEC/NSEC3
     * only if the query set DO; the query's CD flag asks for the answer unvalidated.
     */
    public CompletionStage<Message> send(Message query) {
        return send(query, query.getHeader().getFlag(Flags.CD));
    }

    /**
     * As {@link #send(Message)}, with checking disabled (the client's CD flag) given apart: the answer is
     * then the upstream's as it came (signatures and all for a DO query, bogus or not), AD cleared. Such an
     * answer must not be cached for queries without CD.
     */
    public CompletionStage<Message> send(Message query, boolean checkingDisabled) {
        if (dnssec == null) {
            return attempt(query, preferred, 0);
        }
        Message upstreamQuery = DnssecValidation.upstreamQuery(query);
        return attempt(upstreamQuery, preferred, 0).thenCompose(fetched -> {
            if (fetched == null) {
                return CompletableFuture.completedFuture(null);
            }
            if (checkingDisabled) {
                return CompletableFuture.completedFuture(DnssecValidation.unchecked(query, fetched));
            }
            return dnssec.validate(query, fetched).exceptionally(failure -> {
                LOG.debug("DNSSEC validation of {} could not finish: {}", query.getQuestion(), failure.toString());
                return null;
            });
        });
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
