package dev.parapet.kit.security;

import java.net.URI;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The issuer ({@code iss}) every administrator token must carry. Spring Boot's
 * {@code spring.security.oauth2.resourceserver.jwt.issuer-uri} serves too, but only beside a JWKS URL:
 * with a public key file Boot would take an issuer URI as the address for OpenID discovery and drop
 * the key, so the local stack names its issuer here.
 *
 * <p>Where the keys come from and which audience and algorithms are accepted are Spring Boot's
 * resource-server properties ({@code spring.security.oauth2.resourceserver.jwt.*}); the older
 * {@code parapet.security.jwt.jwk-set-uri} and {@code .public-key-location} still work as their aliases
 * ({@link LegacyJwtProperties}).
 *
 * @param identityProvider a second issuer trusted beside the first, by its JWKS: the organisation's
 *                         identity provider (administrators sign in there) while the first stays the
 *                         deployment's own key, for the operator's scripts and break-glass access. The
 *                         same audience, expiry and algorithm rules apply to both.
 */
@ConfigurationProperties("parapet.security.jwt")
public record AdminSecurityProperties(String issuer, IdentityProvider identityProvider) {

    /** An issuer and its signing keys. */
    public record IdentityProvider(String issuer, URI jwkSetUri) {

        boolean configured() {
            return issuer != null && !issuer.isBlank() && jwkSetUri != null;
        }
    }
}
