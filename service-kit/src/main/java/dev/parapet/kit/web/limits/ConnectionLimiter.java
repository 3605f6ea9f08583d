package dev.parapet.kit.web.limits;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;

/**
 * Caps the connections one listener holds open, in all and per client (an IPv4 address, or an IPv6
 * /64, which one host can fill with addresses): a connection over either cap is closed as soon as it
 * is accepted, before any byte of it is read, so that one client cannot take every connection (or file
 * descriptor) while others still get theirs. Call {@link #admit} as each accepted channel is initialised.
 */
public final class ConnectionLimiter {

    private final int maxConnections;
    private final int maxPerClient;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<Client, AtomicInteger> perClient = new ConcurrentHashMap<>();
    private final Counter refused;

    /**
     * @param listener     names the listener in the metric {@code parapet.connections.refused}
     * @param maxPerClient 0 for no per-client cap
     */
    public ConnectionLimiter(String listener, int maxConnections, int maxPerClient, MeterRegistry meters) {
        this.maxConnections = maxConnections;
        this.maxPerClient = maxPerClient;
        this.refused = meters.counter("parapet.connections.refused", "listener", listener);
        meters.gauge("parapet.connections.open", java.util.List.of(io.micrometer.core.instrument.Tag.of("listener", listener)),
                open, AtomicInteger::get);
    }

    /** Counts the channel in, or closes it if it is one too many. */
    public void admit(Channel channel) {
        Client client = Client.of(channel.remoteAddress());
        boolean admitted = open.incrementAndGet() <= maxConnections;
        AtomicInteger ofClient = null;
        if (admitted && maxPerClient > 0 && client != null) {
            ofClient = perClient.computeIfAbsent(client, c -> new AtomicInteger());
            admitted = ofClient.incrementAndGet() <= maxPerClient;
        }
        AtomicInteger counted = ofClient;
        channel.closeFuture().addListener(closed -> release(client, counted));
        if (!admitted) {
            refused.increment();
            channel.close();
        }
    }

    private void release(Client client, AtomicInteger ofClient) {
        open.decrementAndGet();
        if (ofClient != null && ofClient.decrementAndGet() <= 0) {
            perClient.remove(client, ofClient);
        }
    }

    /** Connections open now. */
    public int open() {
        return open.get();
    }

    /** An IPv4 address, or an IPv6 address's /64. */
    private record Client(byte[] prefix) {
        static Client of(SocketAddress address) {
            if (!(address instanceof InetSocketAddress socket) || socket.getAddress() == null) {
                return null;
            }
            InetAddress ip = socket.getAddress();
            byte[] bytes = ip.getAddress();
            return new Client(ip instanceof Inet4Address ? bytes : Arrays.copyOf(bytes, 8));
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Client client && Arrays.equals(prefix, client.prefix);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(prefix);
        }

        @Override
        public String toString() {
            return "Client" + Arrays.toString(prefix);
        }
    }
}
