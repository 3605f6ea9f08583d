package dev.parapet.kit.security;

import java.util.List;
import java.util.Set;

import org.springframework.boot.security.oauth2.server.resource.autoconfigure.OAuth2ResourceServerProperties;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.util.StringUtils;

/**
 * What an administrator token must be, beyond a valid signature: from the configured issuer, for the
 * configured audience, with an expiry, and signed with RS256 or ES256 (never a shared secret, never
 * unsigned). Spring Boot builds the decoder from its resource-server properties and checks the
 * audience and algorithms; this checks at start-up that they are set as Parapet needs, and adds what
 * Boot leaves optional (the issuer with a public key file, the expiry) as a validator Boot applies.
 */
public final class AdminTokenRequirements {

    /** The only signature algorithms accepted: asymmetric, so that no service holds a signing secret. */
    public static final Set<String> ALGORITHMS = Set.of("RS256", "ES256");

    private static final String BOOT = LegacyJwtProperties.BOOT;

    private final String issuer;

    /**
     * @throws IllegalStateException saying which property is missing or wrong
     */
    public AdminTokenRequirements(AdminSecurityProperties parapet, OAuth2ResourceServerProperties boot) {
        OAuth2ResourceServerProperties.Jwt jwt = boot.getJwt();
        boolean jwks = StringUtils.hasText(jwt.getJwkSetUri());
        boolean publicKey = jwt.getPublicKeyLocation() != null;
        String issuerUri = jwt.getIssuerUri();
        if (!jwks && !publicKey && !StringUtils.hasText(issuerUri)) {
            throw refused("No administrator token issuer configured: set " + BOOT + "jwk-set-uri (production) or "
                    + BOOT + "public-key-location");
        }
        if (publicKey && !jwks && StringUtils.hasText(issuerUri)) {
            throw refused(BOOT + "issuer-uri with a public key file makes Spring Boot discover the issuer's keys "
                    + "instead of using the file: name the issuer in parapet.security.jwt.issuer");
        }
        String named = parapet.issuer();
        if (StringUtils.hasText(named) && StringUtils.hasText(issuerUri) && !named.equals(issuerUri)) {
            throw refused("parapet.security.jwt.issuer (" + named + ") and " + BOOT + "issuer-uri (" + issuerUri + ") differ");
        }
        this.issuer = StringUtils.hasText(named) ? named : issuerUri;
        if (!StringUtils.hasText(issuer)) {
            throw refused("Administrator tokens need an issuer: set " + BOOT + "issuer-uri or parapet.security.jwt.issuer");
        }
        List<String> audiences = jwt.getAudiences();
        if (audiences == null || audiences.stream().noneMatch(StringUtils::hasText)) {
            throw refused("Administrator tokens need an audience: set " + BOOT + "audiences (the aud your identity "
                    + "provider gives Parapet's API)");
        }
        for (String algorithm : jwt.getJwsAlgorithms()) {
            if (!ALGORITHMS.contains(algorithm)) {
                throw refused(BOOT + "jws-algorithms: " + algorithm + " is not accepted; only " + ALGORITHMS.stream().sorted().toList());
            }
        }
    }

    public String issuer() {
        return issuer;
    }

    /** The issuer, and an expiry that is present and not past (Spring's timestamp check lets a token without one pass). */
    public OAuth2TokenValidator<Jwt> validator() {
        JwtTimestampValidator expiry = new JwtTimestampValidator();
        expiry.setAllowEmptyExpiryClaim(false);
        return new DelegatingOAuth2TokenValidator<>(List.of(expiry, new JwtIssuerValidator(issuer)));
    }

    private static IllegalStateException refused(String why) {
        return new IllegalStateException(why);
    }
}
