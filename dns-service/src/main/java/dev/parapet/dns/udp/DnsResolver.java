package dev.parapet.dns.udp;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.springframework.stereotype.Component;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

import dev.parapet.dns.DnsProperties;
import dev.parapet.dns.policy.ResolverState;
import dev.parapet.dns.policy.Snapshot;
import dev.parapet.dns.policy.Verdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Answers one DNS query from a source address: REFUSED when the source is in no location of any
 * account (Parapet is never an open resolver), FORMERR for a packet that is not a query, the
 * block-page address (A, AAAA) or an empty answer (other types) with an Extended DNS Error for a
 * blocked name, and the upstream's answer otherwise. Never throws.
 */
@Component
public class DnsResolver {

    /** The largest UDP answer without EDNS (RFC 1035). */
    static final int CLASSIC_UDP_SIZE = 512;
    /** The EDNS payload size this resolver advertises and honours at most (DNS flag day 2020). */
    static final int EDNS_UDP_SIZE = 1232;

    private final ResolverState state;
    private final DnsProperties properties;
    private final List<SimpleResolver> upstreams;
    private final InetAddress blockPageIpv4;
    private final InetAddress blockPageIpv6;
    private final Counter refused;
    private final Counter malformed;
    private final Counter blocked;
    private final Counter upstreamFailures;

    public DnsResolver(ResolverState state, DnsProperties properties, MeterRegistry meters) throws UnknownHostException {
        this.state = state;
        this.properties = properties;
        this.upstreams = properties.upstreams().stream().filter(text -> !text.isBlank()).map(text -> {
            HostAndPort upstream = HostAndPort.parse(text);
            SimpleResolver resolver = new SimpleResolver(new InetSocketAddress(upstream.address(), upstream.port()));
            resolver.setTimeout(properties.upstreamTimeout());
            return resolver;
        }).toList();
        this.blockPageIpv4 = InetAddress.getByName(properties.blockPageIpv4());
        this.blockPageIpv6 = InetAddress.getByName(properties.blockPageIpv6());
        this.refused = meters.counter("parapet.dns.queries", "outcome", "refused");
        this.malformed = meters.counter("parapet.dns.queries", "outcome", "malformed");
        this.blocked = meters.counter("parapet.dns.queries", "outcome", "blocked");
        this.upstreamFailures = meters.counter("parapet.dns.upstream.failures");
    }

    record HostAndPort(InetAddress address, int port) {
        static HostAndPort parse(String text) {
            String host = text.strip();
            int port = 53;
            int colon = host.lastIndexOf(':');
            if (host.startsWith("[")) {
                int close = host.indexOf(']');
                port = close + 1 < host.length() ? Integer.parseInt(host.substring(close + 2)) : 53;
                host = host.substring(1, close);
            } else if (colon > 0 && host.indexOf(':') == colon) {
                port = Integer.parseInt(host.substring(colon + 1));
                host = host.substring(0, colon);
            }
            try {
                return new HostAndPort(InetAddress.getByName(host), port);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("parapet.dns.upstreams: '" + text + "' is not an address[:port]", e);
            }
        }
    }

    /** The answer to send back over UDP, or empty to send nothing (a packet too broken to answer). */
    public CompletionStage<Optional<byte[]>> answer(byte[] packet, InetAddress source) {
        Message query;
        try {
            query = new Message(packet);
        } catch (IOException | RuntimeException e) {
            malformed.increment();
            return done(formerr(packet));
        }
        Header header = query.getHeader();
        if (header.getFlag(Flags.QR)) {
            malformed.increment();
            return done(Optional.empty());
        }
        Record question = query.getQuestion();
        if (header.getOpcode() != Opcode.QUERY || question == null || header.getCount(Section.QUESTION) != 1) {
            malformed.increment();
            return done(Optional.of(response(query, Rcode.FORMERR).toWire(CLASSIC_UDP_SIZE)));
        }
        int maxSize = query.getOPT() == null ? CLASSIC_UDP_SIZE : Math.max(CLASSIC_UDP_SIZE,
                Math.min(EDNS_UDP_SIZE, query.getOPT().getPayloadSize()));
        Snapshot snapshot = state.snapshot();
        Optional<Snapshot.Attribution> who = snapshot.locate(source);
        if (who.isEmpty()) {
            refused.increment();
            return done(Optional.of(response(query, Rcode.REFUSED).toWire(maxSize)));
        }
        byte[] name = question.getName().toString(true).toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
        Verdict verdict = snapshot.decide(who.get(), name, name.length);
        if (verdict.action() == Verdict.Action.BLOCK) {
            blocked.increment();
            return done(Optional.of(blockedAnswer(query, question, verdict).toWire(maxSize)));
        }
        return forward(query, 0).thenApply(upstreamAnswer -> {
            if (upstreamAnswer == null) {
                return Optional.of(response(query, Rcode.SERVFAIL).toWire(maxSize));
            }
            upstreamAnswer.getHeader().setID(header.getID());
            return Optional.of(upstreamAnswer.toWire(maxSize));
        });
    }

    private CompletionStage<Message> forward(Message query, int upstream) {
        if (upstream >= upstreams.size()) {
            return CompletableFuture.completedFuture(null);
        }
        return upstreams.get(upstream).sendAsync(query).handle((answer, failure) -> {
            if (failure == null) {
                return CompletableFuture.completedFuture(answer);
            }
            upstreamFailures.increment();
            return forward(query, upstream + 1);
        }).thenCompose(next -> next);
    }

    private Message blockedAnswer(Message query, Record question, Verdict verdict) {
        Message answer = response(query, Rcode.NOERROR,
                List.of(new ExtendedErrorCodeOption(ExtendedErrorCodeOption.BLOCKED, verdict.reason())));
        long ttl = properties.blockedTtl().toSeconds();
        if (question.getType() == Type.A && question.getDClass() == DClass.IN) {
            answer.addRecord(new ARecord(question.getName(), DClass.IN, ttl, blockPageIpv4), Section.ANSWER);
        } else if (question.getType() == Type.AAAA && question.getDClass() == DClass.IN) {
            answer.addRecord(new AAAARecord(question.getName(), DClass.IN, ttl, blockPageIpv6), Section.ANSWER);
        }
        return answer;
    }

    private static Message response(Message query, int rcode) {
        return response(query, rcode, List.of());
    }

    /** A response to the query; with EDNS options (such as an Extended DNS Error) only if the query had EDNS. */
    private static Message response(Message query, int rcode, List<org.xbill.DNS.EDNSOption> options) {
        Message response = new Message(query.getHeader().getID());
        Header header = response.getHeader();
        header.setFlag(Flags.QR);
        header.setOpcode(query.getHeader().getOpcode());
        if (query.getHeader().getFlag(Flags.RD)) {
            header.setFlag(Flags.RD);
        }
        header.setFlag(Flags.RA);
        header.setRcode(rcode);
        Record question = query.getQuestion();
        if (question != null) {
            response.addRecord(question, Section.QUESTION);
        }
        if (query.getOPT() != null) {
            response.addRecord(new OPTRecord(EDNS_UDP_SIZE, 0, 0, 0, options), Section.ADDITIONAL);
        }
        return response;
    }

    /** FORMERR echoing the id, if at least the 12-byte header arrived; otherwise nothing. */
    private static Optional<byte[]> formerr(byte[] packet) {
        if (packet.length < Header.LENGTH) {
            return Optional.empty();
        }
        if ((packet[2] & 0x80) != 0) {
            return Optional.empty();
        }
        Message response = new Message(((packet[0] & 0xff) << 8) | (packet[1] & 0xff));
        response.getHeader().setFlag(Flags.QR);
        response.getHeader().setRcode(Rcode.FORMERR);
        return Optional.of(response.toWire());
    }

    private static CompletionStage<Optional<byte[]>> done(Optional<byte[]> answer) {
        return CompletableFuture.completedFuture(answer);
    }
}
