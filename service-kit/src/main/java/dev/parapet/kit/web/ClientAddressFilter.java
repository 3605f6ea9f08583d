package dev.parapet.kit.web;

import java.net.InetSocketAddress;

import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import reactor.core.publisher.Mono;

/**
 * Makes the exchange's remote address the client's (see {@link TrustedProxies}) before anything
 * else looks at it, so that rate limits, audit records and logs name the client, not the load
 * balancer. Runs first, ahead of the security filters.
 */
public final class ClientAddressFilter implements WebFilter, Ordered {

    private final TrustedProxies proxies;

    public ClientAddressFilter(TrustedProxies proxies) {
        this.proxies = proxies;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (proxies.isEmpty()) {
            return chain.filter(exchange);
        }
        InetSocketAddress peer = exchange.getRequest().getRemoteAddress();
        InetSocketAddress client = proxies.clientAddress(peer, exchange.getRequest().getHeaders());
        if (client == peer) {
            return chain.filter(exchange);
        }
        return chain.filter(exchange.mutate().request(request -> request.remoteAddress(client)).build());
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
