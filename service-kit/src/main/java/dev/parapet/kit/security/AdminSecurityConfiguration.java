package dev.parapet.kit.security;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.security.oauth2.server.resource.autoconfigure.OAuth2ResourceServerProperties;
import org.springframework.boot.security.oauth2.server.resource.autoconfigure.reactive.ReactiveOAuth2ResourceServerAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.SecurityWebFiltersOrder;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.security.web.server.SecurityWebFilterChain;

import dev.parapet.kit.accounts.AccountRegistry;
import dev.parapet.kit.accounts.AccountSuspensionFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Administrator APIs ({@code /api/**}) need a valid bearer token; health, info and Prometheus metrics
 * are open; everything else is refused unless a service opens it with a chain of its own (agents'
 * endpoints authenticate with agent credentials, block pages are public). Refusals are
 * {@code application/problem+json}.
 *
 * <p>Tokens are decoded by Spring Boot's resource-server support from its own properties
 * ({@code spring.security.oauth2.resourceserver.jwt.*}: the JWKS URL or a public key file, the audience,
 * the algorithms); {@link AdminTokenRequirements} makes issuer, audience and expiry mandatory and
 * keeps the algorithms to RS256 and ES256. An authenticated administrator of a suspended account is then
 * refused (403) by {@link AccountSuspensionFilter}, wherever the service follows the account registry.
 */
@AutoConfiguration(before = ReactiveOAuth2ResourceServerAutoConfiguration.class)
@EnableWebFluxSecurity
@EnableConfigurationProperties({AdminSecurityProperties.class, OAuth2ResourceServerProperties.class})
@org.springframework.context.annotation.Import(AccessController.class)
public class AdminSecurityConfiguration {

    public static final String[] OPEN_ACTUATOR_PATHS = {
            "/actuator/health", "/actuator/health/**", "/actuator/info", "/actuator/prometheus"};

    /** {@code requirements} first: a missing or wrong token setting is named, not reported as a missing decoder. */
    @Bean
    @Order(Ordered.LOWEST_PRECEDENCE - 10)
    SecurityWebFilterChain adminApiSecurity(ServerHttpSecurity http, AdminTokenRequirements requirements,
                                            ReactiveJwtDecoder bootDecoder, AdminSecurityProperties parapet,
                                            OAuth2ResourceServerProperties boot, JsonMapper json,
                                            ObjectProvider<AccountRegistry> accounts) {
        ProblemSecurityHandlers problems = new ProblemSecurityHandlers(json);
        AdminSecurityProperties.IdentityProvider provider = parapet.identityProvider();
        ReactiveJwtDecoder decoder = provider == null || !provider.configured() ? bootDecoder
                : new IssuerRoutingJwtDecoder(java.util.Map.of(requirements.issuer(), bootDecoder, provider.issuer(),
                        IssuerRoutingJwtDecoder.identityProvider(provider, boot.getJwt().getAudiences())));
        accounts.ifAvailable(registry -> http.addFilterAfter(new AccountSuspensionFilter(registry, problems),
                SecurityWebFiltersOrder.AUTHORIZATION));
        return http
                .csrf(ServerHttpSecurity.CsrfSpec::disable)
                .httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
                .formLogin(ServerHttpSecurity.FormLoginSpec::disable)
                .logout(ServerHttpSecurity.LogoutSpec::disable)
                .requestCache(ServerHttpSecurity.RequestCacheSpec::disable)
                .authorizeExchange(exchanges -> exchanges
                        .pathMatchers(OPEN_ACTUATOR_PATHS).permitAll()
                        .pathMatchers("/api/**").authenticated()
                        .anyExchange().denyAll())
                .oauth2ResourceServer(resourceServer -> resourceServer
                        .jwt(jwt -> jwt.jwtDecoder(decoder).jwtAuthenticationConverter(new AdminTokenConverter()))
                        .authenticationEntryPoint(problems)
                        .accessDeniedHandler(problems))
                .exceptionHandling(handling -> handling.authenticationEntryPoint(problems).accessDeniedHandler(problems))
                .build();
    }

    /**
     * A filter chain for endpoints that authenticate their callers themselves (agents, with their
     * credential), so that no administrator token is asked of them. Register it as a bean ordered
     * before {@link #adminApiSecurity}.
     */
    public static SecurityWebFilterChain selfAuthenticated(ServerHttpSecurity http, String... paths) {
        return http.securityMatcher(org.springframework.security.web.server.util.matcher.ServerWebExchangeMatchers.pathMatchers(paths))
                .csrf(ServerHttpSecurity.CsrfSpec::disable)
                .httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
                .formLogin(ServerHttpSecurity.FormLoginSpec::disable)
                .requestCache(ServerHttpSecurity.RequestCacheSpec::disable)
                .authorizeExchange(exchanges -> exchanges.anyExchange().permitAll())
                .build();
    }

    @Bean
    AdminTokenRequirements adminTokenRequirements(AdminSecurityProperties parapet, OAuth2ResourceServerProperties boot) {
        return new AdminTokenRequirements(parapet, boot);
    }

    /** Applied by Spring Boot's decoder beside its own checks (signature, audience, timestamps). */
    @Bean
    OAuth2TokenValidator<Jwt> adminTokenValidator(AdminTokenRequirements requirements) {
        return requirements.validator();
    }
}
