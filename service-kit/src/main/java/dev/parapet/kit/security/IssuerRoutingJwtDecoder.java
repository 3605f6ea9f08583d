package dev.parapet.kit.security;

import java.text.ParseException;
import java.util.List;
import java.util.Map;

import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;

import com.nimbusds.jwt.JWTParser;

import reactor.core.publisher.Mono;

/**
 * Decodes a token with the decoder of the issuer it names: each trusted issuer has its own keys and
 * its own validators (issuer, audience, expiry), so a token can never be checked with another issuer's
 * keys, and a token naming an issuer that is not trusted is refused before any key is fetched.
 */
final class IssuerRoutingJwtDecoder implements ReactiveJwtDecoder {

    private final Map<String, ReactiveJwtDecoder> byIssuer;

    IssuerRoutingJwtDecoder(Map<String, ReactiveJwtDecoder> byIssuer) {
        this.byIssuer = Map.copyOf(byIssuer);
    }

    /** The identity provider's decoder: its JWKS, RS256 or ES256, its issuer, the audiences, a required expiry. */
    static ReactiveJwtDecoder identityProvider(AdminSecurityProperties.IdentityProvider provider, List<String> audiences) {
        NimbusReactiveJwtDecoder decoder = NimbusReactiveJwtDecoder.withJwkSetUri(provider.jwkSetUri().toString())
                .jwsAlgorithm(SignatureAlgorithm.RS256).jwsAlgorithm(SignatureAlgorithm.ES256).build();
        JwtTimestampValidator expiry = new JwtTimestampValidator();
        expiry.setAllowEmptyExpiryClaim(false);
        OAuth2TokenValidator<Jwt> validator = new DelegatingOAuth2TokenValidator<>(List.of(expiry,
                new JwtIssuerValidator(provider.issuer()),
                new JwtClaimValidator<List<String>>(JwtClaimNames.AUD, aud -> aud != null && aud.stream().anyMatch(audiences::contains))));
        decoder.setJwtValidator(validator);
        return decoder;
    }

    @Override
    public Mono<Jwt> decode(String token) {
        String issuer;
        try {
            issuer = JWTParser.parse(token).getJWTClaimsSet().getIssuer();
        } catch (ParseException e) {
            return Mono.error(new BadJwtException("The token is not a JWT", e));
        }
        ReactiveJwtDecoder decoder = issuer == null ? null : byIssuer.get(issuer);
        if (decoder == null) {
            return Mono.error(new BadJwtException("The token's issuer is not trusted"));
        }
        return decoder.decode(token);
    }
}
