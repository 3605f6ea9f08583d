package dev.parapet.kit.web;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.springframework.http.HttpHeaders;

import dev.parapet.kit.net.Cidr;

/**
 * Who the client is when a request may have come through load balancers: the address a proxy reports
 * ({@code Forwarded: for=…} of RFC 7239, or {@code X-Forwarded-For}) counts only when the proxy that
 * reports it is trusted, since anyone can send such a header.
 *
 * <p>The hops are read from the right, the end the immediate peer wrote: while the hop just passed
 * is a trusted proxy, the address it reports is believed; the first address that is not a trusted
 * proxy is the client. An entry that is not an address (an obfuscated identifier such as
 * {@code _hidden}, {@code unknown}, a name, garbage) ends the walk: the client is then the last
 * trusted proxy, which is all that is known. A peer that is not trusted is the client, whatever its
 * headers say. With no trusted proxies configured (the default) headers are never read.
 *
 * <p>Only one header is read, the one the operator's proxies write: a proxy that appends to
 * {@code X-Forwarded-For} passes a client's own {@code Forwarded} through untouched, so reading both
 * would let a client choose its address.
 */
public final class TrustedProxies {

    /** Which header the trusted proxies write. */
    public enum Header {
        /** {@code X-Forwarded-For: client, proxy1, proxy2}: what most load balancers write. */
        X_FORWARDED_FOR,
        /** {@code Forwarded: for=client, for=proxy1} (RFC 7239). */
        FORWARDED
    }

    public static final String X_FORWARDED_FOR = "X-Forwarded-For";
    public static final String FORWARDED = "Forwarded";

    private static final TrustedProxies NONE = new TrustedProxies(List.of(), Header.X_FORWARDED_FOR);

    private final List<Cidr> proxies;
    private final Header header;

    public TrustedProxies(List<Cidr> proxies, Header header) {
        this.proxies = List.copyOf(proxies);
        this.header = header;
    }

    /** Trusts nobody: every client is its immediate peer. */
    public static TrustedProxies none() {
        return NONE;
    }

    /**
     * Parses CIDR ranges ({@code 10.0.0.0/8}) or single addresses ({@code 10.1.2.3}, {@code ::1}).
     *
     * @throws IllegalArgumentException naming the first entry that is neither
     */
    public static TrustedProxies parse(List<String> ranges, Header header) {
        List<Cidr> parsed = new ArrayList<>();
        for (String text : ranges) {
            String range = text.strip();
            if (range.isEmpty()) {
                continue;
            }
            if (!range.contains("/")) {
                range = Cidr.address(range).map(address -> Cidr.of(address).toString()).orElse(range);
            }
            Cidr.Result result = Cidr.parse(range);
            parsed.add(result.cidr().orElseThrow(() -> new IllegalArgumentException(
                    "trusted proxy '" + text + "': " + result.error().orElse("not a range"))));
        }
        return new TrustedProxies(parsed, header);
    }

    public boolean isEmpty() {
        return proxies.isEmpty();
    }

    public boolean trusts(InetAddress address) {
        for (Cidr proxy : proxies) {
            if (proxy.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** The client behind the immediate peer, given Spring's request headers. */
    public InetSocketAddress clientAddress(InetSocketAddress peer, HttpHeaders headers) {
        if (!trustedPeer(peer)) {
            return peer;
        }
        return clientAddress(peer, headers.getValuesAsList(headerName()));
    }

    /**
     * The client behind the immediate peer, given Netty's request headers: for servers built on
     * Reactor Netty directly rather than on Spring WebFlux.
     */
    public InetSocketAddress clientAddress(InetSocketAddress peer, io.netty.handler.codec.http.HttpHeaders headers) {
        if (!trustedPeer(peer)) {
            return peer;
        }
        return clientAddress(peer, headers.getAll(headerName()));
    }

    /**
     * The client behind the immediate peer, given every line of the configured header in the order
     * received (a header sent on several lines is one list, in order).
     */
    public InetSocketAddress clientAddress(InetSocketAddress peer, List<String> headerLines) {
        if (!trustedPeer(peer) || headerLines == null || headerLines.isEmpty()) {
            return peer;
        }
        List<String> hops = header == Header.FORWARDED ? ForwardedHeader.forValues(headerLines) : xForwardedFor(headerLines);
        InetSocketAddress client = peer;
        for (int i = hops.size() - 1; i >= 0; i--) {
            Optional<InetSocketAddress> hop = node(hops.get(i));
            if (hop.isEmpty()) {
                return client;
            }
            client = hop.get();
            if (!trusts(client.getAddress())) {
                return client;
            }
        }
        return client;
    }

    public String headerName() {
        return header == Header.FORWARDED ? FORWARDED : X_FORWARDED_FOR;
    }

    private boolean trustedPeer(InetSocketAddress peer) {
        return !proxies.isEmpty() && peer != null && peer.getAddress() != null && trusts(peer.getAddress());
    }

    private static List<String> xForwardedFor(List<String> lines) {
        List<String> hops = new ArrayList<>();
        for (String line : lines) {
            for (String entry : line.split(",", -1)) {
                hops.add(entry.strip());
            }
        }
        return hops;
    }

    /**
     * One hop as a proxy writes it: {@code 192.0.2.7}, {@code 192.0.2.7:4711}, {@code 2001:db8::1},
     * {@code [2001:db8::1]} or {@code [2001:db8::1]:4711}. Empty for anything else, names included
     * (never looked up).
     */
    static Optional<InetSocketAddress> node(String text) {
        String address = text;
        int port = 0;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                return Optional.empty();
            }
            address = text.substring(1, close);
            String rest = text.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    return Optional.empty();
                }
                port = port(rest.substring(1));
            }
        } else if (text.indexOf(':') >= 0 && text.indexOf(':') == text.lastIndexOf(':')) {
            // One colon: an IPv4 address with a port (an IPv6 address has at least two).
            address = text.substring(0, text.indexOf(':'));
            port = port(text.substring(text.indexOf(':') + 1));
        }
        if (port < 0 || address.toLowerCase(Locale.ROOT).contains("%")) {
            return Optional.empty();
        }
        int finalPort = port;
        return Cidr.address(address).map(literal -> new InetSocketAddress(literal, finalPort));
    }

    /** A port number, 0 for an obfuscated one ({@code _abc}), -1 for garbage. */
    private static int port(String text) {
        if (text.matches("\\d{1,5}") && Integer.parseInt(text) <= 65_535) {
            return Integer.parseInt(text);
        }
        return text.matches("_[A-Za-z0-9._-]+") ? 0 : -1;
    }
}
