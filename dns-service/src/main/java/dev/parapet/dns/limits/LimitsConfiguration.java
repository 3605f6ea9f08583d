package dev.parapet.dns.limits;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.micrometer.core.instrument.MeterRegistry;

/** The service's own HTTP port (DoH behind a load balancer, the API) gets the HTTP listeners' limits too. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ListenerLimits.class)
public class LimitsConfiguration {

    @Bean
    NettyServerCustomizer listenerLimits(ListenerLimits limits, MeterRegistry meters) {
        ConnectionLimiter connections = new ConnectionLimiter("http", limits.http().maxConnections(),
                limits.http().apiMaxConnectionsPerClient(), meters);
        return server -> HttpListeners.harden(server, limits.http(), connections);
    }
}
