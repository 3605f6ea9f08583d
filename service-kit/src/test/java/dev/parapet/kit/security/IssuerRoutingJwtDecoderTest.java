package dev.parapet.kit.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Date;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

class IssuerRoutingJwtDecoderTest {

    private static final KeyPair DEPLOYMENT = pair();
    private static final KeyPair PROVIDER = pair();

    private final IssuerRoutingJwtDecoder decoder = new IssuerRoutingJwtDecoder(Map.of(
            "parapet-deployment", NimbusReactiveJwtDecoder.withPublicKey((RSAPublicKey) DEPLOYMENT.getPublic()).build(),
            "https://id.example.com/realms/parapet", NimbusReactiveJwtDecoder.withPublicKey((RSAPublicKey) PROVIDER.getPublic()).build()));

    @Test
    void eachIssuersTokensAreCheckedWithThatIssuersKeys() throws Exception {
        assertThat(decoder.decode(token("parapet-deployment", DEPLOYMENT)).block().getClaimAsString("iss")).isEqualTo("parapet-deployment");
        assertThat(decoder.decode(token("https://id.example.com/realms/parapet", PROVIDER)).block().getSubject()).isEqualTo("ann");
    }

    @Test
    void aTokenNamingOneIssuerButSignedWithAnothersKeyIsRefused() throws Exception {
        assertThatThrownBy(() -> decoder.decode(token("parapet-deployment", PROVIDER)).block()).isInstanceOf(JwtException.class);
        assertThatThrownBy(() -> decoder.decode(token("https://id.example.com/realms/parapet", DEPLOYMENT)).block())
                .isInstanceOf(JwtException.class);
    }

    @Test
    void anUntrustedIssuerOrSomethingThatIsNoJwtIsRefusedBeforeAnyKeyIsTried() throws Exception {
        assertThatThrownBy(() -> decoder.decode(token("https://evil.example", PROVIDER)).block())
                .isInstanceOf(BadJwtException.class).hasMessageContaining("not trusted");
        assertThatThrownBy(() -> decoder.decode(token(null, PROVIDER)).block()).isInstanceOf(BadJwtException.class);
        assertThatThrownBy(() -> decoder.decode("not.a.jwt").block()).isInstanceOf(BadJwtException.class);
    }

    private static String token(String issuer, KeyPair key) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), new JWTClaimsSet.Builder().issuer(issuer).subject("ann")
                .expirationTime(Date.from(Instant.now().plusSeconds(60))).build());
        jwt.sign(new RSASSASigner(key.getPrivate()));
        return jwt.serialize();
    }

    private static KeyPair pair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
