package dev.parapet.kit.web.limits;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * Every service's own HTTP port (the administrator APIs, the agents' endpoints, DoH behind a load
 * balancer) gets {@link HttpListeners}' limits: connection caps, a deadline for the request head
 * (slowloris), read, request and idle timeouts, an HTTP/2 stream cap. {@code parapet.web.limits.http.*}
 * tunes them; no per-client cap by default, since in production this port sees load balancers.
 */
@AutoConfiguration
@EnableConfigurationProperties(WebLimitsConfiguration.WebLimits.class)
public class WebLimitsConfiguration {

    /** @param http the limits of the service's own HTTP port */
    @ConfigurationProperties("parapet.web.limits")
    public record WebLimits(@DefaultValue HttpLimits http) {
    }

    @Bean
    UnreadBodyClose parapetUnreadBodyClose() {
        return new UnreadBodyClose();
    }

    @Bean
    NettyServerCustomizer parapetListenerLimits(WebLimits limits, MeterRegistry meters) {
        ConnectionLimiter connections = new ConnectionLimiter("http", limits.http().maxConnections(),
                limits.http().apiMaxConnectionsPerClient(), meters);
        return server -> HttpListeners.harden(server, limits.http(), connections);
    }
}
