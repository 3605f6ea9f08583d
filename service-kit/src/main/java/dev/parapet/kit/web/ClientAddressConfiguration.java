package dev.parapet.kit.web;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * One way for every service to learn a client's address behind load balancers:
 * {@link TrustedProxies} (a bean, for servers that Spring WebFlux does not run, such as dns-service's
 * DoH listeners) and the {@link ClientAddressFilter} that applies it to every WebFlux request.
 *
 * <p>Spring's own forwarded-header support believes any sender ({@code server.forward-headers-strategy}
 * {@code native} or {@code framework}, and Boot turns {@code native} on by itself on Kubernetes and
 * other cloud platforms). The kit sets the strategy to {@code none}, and a service refuses to start
 * when it is set to anything else, since the remote address would then be the client's choice.
 */
@AutoConfiguration
@EnableConfigurationProperties(ClientAddressProperties.class)
public class ClientAddressConfiguration {

    static final String FORWARD_HEADERS_STRATEGY = "server.forward-headers-strategy";

    @Bean
    TrustedProxies trustedProxies(ClientAddressProperties properties, Environment environment) {
        String strategy = environment.getProperty(FORWARD_HEADERS_STRATEGY, "none");
        if (!strategy.equalsIgnoreCase("none")) {
            throw new IllegalStateException(FORWARD_HEADERS_STRATEGY + "=" + strategy + " believes forwarded headers "
                    + "from anyone; leave it at none and list the load balancers in parapet.web.trusted-proxies");
        }
        return properties.trusted();
    }

    @Bean
    ClientAddressFilter clientAddressFilter(TrustedProxies trustedProxies) {
        return new ClientAddressFilter(trustedProxies);
    }
}
