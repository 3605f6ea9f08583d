package dev.parapet.diagnostics;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.SecurityWebFilterChain;

import dev.parapet.kit.security.AdminSecurityConfiguration;

/** Wires diagnostics-service: its settings, and the dashboard page, which holds no data and needs no token to load. */
@Configuration
@EnableConfigurationProperties(DiagnosticsProperties.class)
public class DiagnosticsServiceConfiguration {

    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE + 1)
    SecurityWebFilterChain dashboardPageSecurity(ServerHttpSecurity http) {
        return AdminSecurityConfiguration.selfAuthenticated(http, "/", "/dashboard", "/dashboard/**");
    }
}
