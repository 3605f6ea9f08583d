package dev.parapet.kit.web.limits;

import java.time.Duration;

import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What one client may hold of an HTTP listener, so that slow, silent or greedy clients (slowloris,
 * half-open connections, unbounded bodies, floods of connections) cannot exhaust memory, file
 * descriptors or event loops.
 *
 * @param maxConnections             open connections per listener; further ones are closed at once
 * @param maxConnectionsPerClient    open connections per client (an IPv4 address, an IPv6 /64) on the
 *                                   listeners clients reach directly (DoH with TLS, block pages); 0: none
 * @param apiMaxConnectionsPerClient the same on the service's own port, which in production sees the
 *                                   load balancer's addresses rather than clients'; 0 (the default): none
 * @param requestHeadTimeout         from a connection's start, or the end of its previous request, until the
 *                                   next request's head (request line and headers, or the TLS handshake and
 *                                   them) has arrived in full: a client trickling its headers is closed then
 * @param readTimeout                the longest pause while a request body is being read
 * @param requestTimeout             the longest a request (its body included) may take to arrive
 * @param idleTimeout                an open connection with no request in progress is closed after this
 * @param maxConcurrentStreams       HTTP/2 streams one connection may have open at once
 */
public record HttpLimits(@DefaultValue("10000") int maxConnections,
                         @DefaultValue("1000") int maxConnectionsPerClient,
                         @DefaultValue("0") int apiMaxConnectionsPerClient,
                         @DefaultValue("10s") Duration requestHeadTimeout,
                         @DefaultValue("10s") Duration readTimeout,
                         @DefaultValue("30s") Duration requestTimeout,
                         @DefaultValue("60s") Duration idleTimeout,
                         @DefaultValue("100") int maxConcurrentStreams) {
}
