package dev.parapet.dns;

import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.SecurityWebFilterChain;

import dev.parapet.dns.users.UserTokens;
import dev.parapet.kit.agents.AgentCredentialVerifier;
import dev.parapet.kit.security.AdminSecurityConfiguration;
import dev.parapet.kit.kafka.RegistryProperties;
import io.micrometer.core.instrument.MeterRegistry;

/** The agent credential check for DoH, and the security chain that leaves DoH to it. */
@Configuration(proxyBeanMethods = false)
public class DnsServiceConfiguration {

    @Bean
    @org.springframework.boot.autoconfigure.condition.ConditionalOnExpression(Standalone.NOT_STANDALONE)
    AgentCredentialVerifier agentCredentials(KafkaProperties kafka, RegistryProperties registry, MeterRegistry meters) {
        return new AgentCredentialVerifier(kafka.buildConsumerProperties(), registry.url(), meters);
    }

    /** Signed-in users' tokens on DoH (with no identity provider configured, none is trusted). */
    @Bean
    UserTokens userTokens(UserTokens.Properties properties, MeterRegistry meters) {
        return new UserTokens(properties, meters);
    }

    /**
     * DoH needs no administrator token: the agent credential, or a location's DoH secret
     * ({@code /dns-query/l/<secret>}), is checked by {@code DohHandler}.
     */
    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    SecurityWebFilterChain dohSecurity(ServerHttpSecurity http) {
        return AdminSecurityConfiguration.selfAuthenticated(http, "/dns-query", "/dns-query/*", "/dns-query/l/*");
    }
}
