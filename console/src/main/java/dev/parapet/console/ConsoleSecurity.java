package dev.parapet.console;

import java.net.URI;
import java.util.Map;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.oauth2.client.oidc.web.server.logout.OidcClientInitiatedServerLogoutSuccessHandler;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.InMemoryReactiveClientRegistrationRepository;
import org.springframework.security.oauth2.client.registration.ReactiveClientRegistrationRepository;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.web.server.DelegatingServerAuthenticationEntryPoint;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.authentication.HttpStatusServerEntryPoint;
import org.springframework.security.web.server.authentication.RedirectServerAuthenticationEntryPoint;
import org.springframework.security.web.server.header.ReferrerPolicyServerHttpHeadersWriter.ReferrerPolicy;
import org.springframework.security.web.server.header.XFrameOptionsServerHttpHeadersWriter.Mode;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatchers;

/**
 * Who may use the console and how the browser is kept safe: every page and API call needs a signed-in
 * administrator (sign-in: OpenID Connect authorization code with PKCE at the identity provider; the tokens stay in
 * this server's session); API calls without a session get 401, pages a redirect to the provider; state-changing
 * calls need the session's CSRF token; the pages may load only this origin's scripts and styles.
 */
@Configuration
public class ConsoleSecurity {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ConsoleSecurity.class);

    static final String REGISTRATION = "parapet";

    @Bean
    ReactiveClientRegistrationRepository clientRegistrations(ConsoleProperties properties) {
        ClientRegistration.Builder registration = ClientRegistration.withRegistrationId(REGISTRATION)
                .clientName("Parapet")
                .clientId(properties.clientId())
                .authorizationGrantType(AuthorizationGrantType.AUTHORIZATION_CODE)
                .redirectUri("{baseUrl}/login/oauth2/code/{registrationId}")
                .scope("openid", "profile", "email")
                .issuerUri(properties.issuer().toString())
                .authorizationUri(properties.endpoint("auth"))
                .tokenUri(properties.backChannelEndpoint("token"))
                .jwkSetUri(properties.backChannelEndpoint("certs"))
                .userInfoUri(properties.backChannelEndpoint("userinfo"))
                .userNameAttributeName("preferred_username")
                .providerConfigurationMetadata(Map.of("end_session_endpoint", properties.endpoint("logout")));
        if (properties.clientSecret().isEmpty()) {
            // A public client: Spring Security sends a PKCE challenge (S256) with every authorization request.
            registration.clientAuthenticationMethod(ClientAuthenticationMethod.NONE);
        } else {
            registration.clientAuthenticationMethod(ClientAuthenticationMethod.CLIENT_SECRET_BASIC).clientSecret(properties.clientSecret())
                    .clientSettings(ClientRegistration.ClientSettings.builder().requireProofKey(true).build());
        }
        return new InMemoryReactiveClientRegistrationRepository(registration.build());
    }

    @Bean
    SecurityWebFilterChain consoleFilterChain(ServerHttpSecurity http, ReactiveClientRegistrationRepository registrations,
                                              ConsoleProperties properties) {
        DelegatingServerAuthenticationEntryPoint entryPoint = new DelegatingServerAuthenticationEntryPoint(
                new DelegatingServerAuthenticationEntryPoint.DelegateEntry(
                        ServerWebExchangeMatchers.pathMatchers("/api/**", "/console/**"),
                        new HttpStatusServerEntryPoint(HttpStatus.UNAUTHORIZED)));
        entryPoint.setDefaultEntryPoint(new RedirectServerAuthenticationEntryPoint("/oauth2/authorization/" + REGISTRATION));
        OidcClientInitiatedServerLogoutSuccessHandler signedOut = new OidcClientInitiatedServerLogoutSuccessHandler(registrations);
        signedOut.setPostLogoutRedirectUri("{baseUrl}/signed-out.html");
        return http
                .authorizeExchange(exchanges -> exchanges
                        .pathMatchers("/actuator/health", "/actuator/health/**", "/signed-out.html", "/sign-in-failed.html",
                                "/console.css").permitAll()
                        .anyExchange().authenticated())
                .oauth2Login(login -> login.authenticationFailureHandler(ConsoleSecurity::signInFailed))
                .exceptionHandling(handling -> handling.authenticationEntryPoint(entryPoint))
                .logout(logout -> logout.logoutUrl("/logout").logoutSuccessHandler(signedOut))
                .headers(headers -> headers
                        .contentSecurityPolicy(csp -> csp.policyDirectives(contentSecurityPolicy(properties.issuer())))
                        .frameOptions(frame -> frame.mode(Mode.DENY))
                        .referrerPolicy(referrer -> referrer.policy(ReferrerPolicy.NO_REFERRER)))
                .build();
    }

    /**
     * A sign-in the provider's answer could not complete: why, in the log (the OAuth error's code and description, never
     * a code or token), and a page that offers to sign in again instead of a bare error.
     */
    static reactor.core.publisher.Mono<Void> signInFailed(org.springframework.security.web.server.WebFilterExchange exchange,
                                                         org.springframework.security.core.AuthenticationException failure) {
        String why = failure instanceof org.springframework.security.oauth2.core.OAuth2AuthenticationException oauth
                ? oauth.getError().getErrorCode() + (oauth.getError().getDescription() == null ? "" : ": " + oauth.getError().getDescription())
                : failure.getClass().getSimpleName();
        LOG.warn("A sign-in did not complete: {}", why.replaceAll("[\\r\\n]", " "));
        return new org.springframework.security.web.server.DefaultServerRedirectStrategy()
                .sendRedirect(exchange.getExchange(), URI.create("/sign-in-failed.html"));
    }

    /**
     * This origin's scripts, styles, images and calls only; no inline script or style, no plugin, no framing; forms
     * post here or, when signing out, on to the identity provider.
     */
    static String contentSecurityPolicy(URI issuer) {
        String provider = issuer.getScheme() + "://" + issuer.getRawAuthority();
        return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
                + "font-src 'self'; manifest-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'self' " + provider;
    }
}
