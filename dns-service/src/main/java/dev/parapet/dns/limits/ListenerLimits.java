package dev.parapet.dns.limits;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import dev.parapet.kit.web.limits.HttpLimits;

/**
 * What one client may hold of dns-service's listeners, so that hostile or broken clients (slowloris,
 * half-open connections, unbounded bodies, floods of connections) cannot exhaust memory, file
 * descriptors or event loops, and legitimate clients keep being answered.
 *
 * @param http limits of every HTTP listener: DoH with TLS, the block pages (HTTP and HTTPS) and the
 *             service's own port (DoH behind a load balancer, the API)
 * @param tcp  limits of DNS over TCP, and of DNS over TLS (each listener counts its own connections)
 */
@ConfigurationProperties("parapet.dns.limits")
public record ListenerLimits(@DefaultValue HttpLimits http, @DefaultValue Tcp tcp) {

    /**
     * @param maxConnections          open connections of one listener (DNS over TCP, DNS over TLS); further
     *                                ones are closed at once
     * @param maxConnectionsPerClient open connections per client (an IPv4 address, an IPv6 /64); 0: none
     * @param idleTimeout             a connection with no query and no answer for this long is closed, and so
     *                                is one whose query has been arriving for this long without being whole
     * @param maxQueriesInFlight      queries of one connection being answered at once; beyond that the
     *                                connection is not read until answers go out
     * @param tlsHandshakeTimeout     DNS over TLS: a connection whose TLS handshake is not done this long after
     *                                it was accepted is closed (a client that starts one and stalls)
     */
    public record Tcp(@DefaultValue("10000") int maxConnections,
                      @DefaultValue("256") int maxConnectionsPerClient,
                      @DefaultValue("10s") Duration idleTimeout,
                      @DefaultValue("64") int maxQueriesInFlight,
                      @DefaultValue("5s") Duration tlsHandshakeTimeout) {
    }
}
