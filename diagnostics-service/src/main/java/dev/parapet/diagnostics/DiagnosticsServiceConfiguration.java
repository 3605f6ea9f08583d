package dev.parapet.diagnostics;

import java.time.Instant;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.config.web.server.SecurityWebFiltersOrder;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.authentication.AuthenticationWebFilter;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatcher.MatchResult;

import dev.parapet.diagnostics.query.Instances;
import dev.parapet.diagnostics.query.RelayAssertion;
import dev.parapet.kit.security.AdminAuthentication;
import dev.parapet.kit.security.AdminSecurityConfiguration;
import dev.parapet.kit.security.ProblemSecurityHandlers;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Wires diagnostics-service: its settings, the dashboard page (which holds no data and needs no token
 * to load), and the queries other instances pass on, which carry a {@link RelayAssertion} instead of a
 * token.
 */
@Configuration
@EnableConfigurationProperties(DiagnosticsProperties.class)
public class DiagnosticsServiceConfiguration {

    private static final Logger log = LoggerFactory.getLogger(DiagnosticsServiceConfiguration.class);

    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE + 1)
    SecurityWebFilterChain dashboardPageSecurity(ServerHttpSecurity http) {
        return AdminSecurityConfiguration.selfAuthenticated(http, "/", "/dashboard", "/dashboard/**");
    }

    @Bean
    RelayAssertion relayAssertion(DiagnosticsProperties properties) {
        return RelayAssertion.fromSetting(properties.relayKey());
    }

    /**
     * A request with a relay assertion is authenticated by it alone (the administrator it names, for that
     * one request); one whose assertion does not verify gets 401, whatever else it carries.
     */
    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE + 2)
    SecurityWebFilterChain relayedQuerySecurity(ServerHttpSecurity http, RelayAssertion relay, JsonMapper json) {
        ProblemSecurityHandlers problems = new ProblemSecurityHandlers(json);
        AuthenticationWebFilter authentication = new AuthenticationWebFilter((ReactiveAuthenticationManager) Mono::just);
        authentication.setServerAuthenticationConverter(exchange -> {
            var request = exchange.getRequest();
            return Mono.justOrEmpty(relay.verify(request.getHeaders().getFirst(RelayAssertion.HEADER), request.getMethod().name(),
                            Instances.pathAndQuery(request), Instant.now()))
                    .map(admin -> new AdminAuthentication(admin, null))
                    .cast(org.springframework.security.core.Authentication.class)
                    .switchIfEmpty(Mono.error(() -> new BadCredentialsException("relay assertion not valid")));
        });
        authentication.setAuthenticationFailureHandler((filterExchange, failure) -> {
            log.warn("Refused a query passed on by another instance: its relay assertion does not verify (expired, or the instances"
                    + " do not share parapet.diagnostics.relay-key)");
            return problems.problem(filterExchange.getExchange(), HttpStatus.UNAUTHORIZED, "Unauthorized",
                    "The relayed request's assertion is not valid: it expired, or the diagnostics instances do not share"
                            + " parapet.diagnostics.relay-key.");
        });
        return http
                .securityMatcher(exchange -> exchange.getRequest().getHeaders().containsHeader(RelayAssertion.HEADER)
                        ? MatchResult.match() : MatchResult.notMatch())
                .csrf(ServerHttpSecurity.CsrfSpec::disable)
                .httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
                .formLogin(ServerHttpSecurity.FormLoginSpec::disable)
                .logout(ServerHttpSecurity.LogoutSpec::disable)
                .requestCache(ServerHttpSecurity.RequestCacheSpec::disable)
                .addFilterAt(authentication, SecurityWebFiltersOrder.AUTHENTICATION)
                .authorizeExchange(exchanges -> exchanges.pathMatchers("/api/**").authenticated().anyExchange().denyAll())
                .exceptionHandling(handling -> handling.authenticationEntryPoint(problems).accessDeniedHandler(problems))
                .build();
    }
}
