package dev.parapet.keys;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatchers;

import dev.parapet.keys.api.EnrolmentRateLimiter;
import dev.parapet.keys.view.KeyStateView;
import dev.parapet.kit.state.AwaitStateFilter;
import dev.parapet.kit.secrets.Secrets;

/** Wires key-service: its secrets, its rate limits, and the agents' unauthenticated way in. */
@Configuration
@EnableConfigurationProperties(KeyServiceProperties.class)
public class KeyServiceConfiguration {

    @Bean
    Secrets secrets(KeyServiceProperties properties) {
        return Secrets.configured(properties.encryptionKeys(), properties.currentEncryptionKey(), "parapet.keys");
    }

    @Bean
    EnrolmentRateLimiter enrolmentRateLimiter(KeyServiceProperties properties) {
        return new EnrolmentRateLimiter(properties.enrolmentsPerAddressPerMinute(), properties.enrolmentsPerKeyPerMinute());
    }

    @Bean
    AwaitStateFilter awaitKeyState(KeyStateView view) {
        return new AwaitStateFilter(view.follower());
    }

    /** Enrolment needs no token: the account key in the body is the credential. */
    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    SecurityWebFilterChain enrolmentSecurity(ServerHttpSecurity http) {
        return http.securityMatcher(ServerWebExchangeMatchers.pathMatchers("/agent/v1/enrolments"))
                .csrf(ServerHttpSecurity.CsrfSpec::disable)
                .httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
                .formLogin(ServerHttpSecurity.FormLoginSpec::disable)
                .authorizeExchange(exchanges -> exchanges.anyExchange().permitAll())
                .build();
    }
}
