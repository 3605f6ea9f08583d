package dev.parapet.kit;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.NestedTestConfiguration;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;

import dev.parapet.stack.RealInfrastructure;
import dev.parapet.stack.RealInfrastructure.WithRealInfrastructure;
import dev.parapet.stack.TokenIssuer;

@WithRealInfrastructure
@SpringBootTest(classes = KitTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AdminSecurityTest {

    private static final UUID ACCOUNT = UUID.randomUUID();
    private static final UUID OTHER_ACCOUNT = UUID.randomUUID();

    @LocalServerPort
    int port;

    WebTestClient http;
    TokenIssuer tokens;

    @BeforeEach
    void connect() {
        http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).build();
        tokens = RealInfrastructure.get().tokens();
    }

    private String token(String role) {
        return tokens.adminToken("admin@example.com", ACCOUNT, role, Duration.ofMinutes(5));
    }

    @Test
    void aRequestWithoutATokenIsRefusedWith401AsAProblem() {
        http.get().uri("/api/v1/accounts/{a}/widgets", ACCOUNT).exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectHeader().valueEquals("WWW-Authenticate", "Bearer")
                .expectBody().jsonPath("$.status").isEqualTo(401);
    }

    @Test
    void aForgedOrExpiredTokenIsRefusedWith401() {
        String valid = token("SUPER_ADMIN");
        String forged = valid.substring(0, valid.length() - 4) + (valid.endsWith("AAAA") ? "BBBB" : "AAAA");
        http.get().uri("/api/v1/accounts/{a}/widgets", ACCOUNT).headers(h -> h.setBearerAuth(forged)).exchange()
                .expectStatus().isUnauthorized();
        String expired = tokens.adminToken("admin@example.com", ACCOUNT, "SUPER_ADMIN", Duration.ofMinutes(-5));
        http.get().uri("/api/v1/accounts/{a}/widgets", ACCOUNT).headers(h -> h.setBearerAuth(expired)).exchange()
                .expectStatus().isUnauthorized();
    }

    @Test
    void aTokenWithAnUnknownRoleIsRefusedWith401() {
        http.get().uri("/api/v1/accounts/{a}/widgets", ACCOUNT).headers(h -> h.setBearerAuth(token("EMPEROR"))).exchange()
                .expectStatus().isUnauthorized();
    }

    @Test
    void aBasicAdministratorReadsButMayNotDoWhatOnlyPrivilegedAdministratorsMay() {
        http.get().uri("/api/v1/accounts/{a}/widgets", ACCOUNT).headers(h -> h.setBearerAuth(token("BASIC_ADMIN"))).exchange()
                .expectStatus().isOk();
        http.delete().uri("/api/v1/accounts/{a}/widgets", ACCOUNT).headers(h -> h.setBearerAuth(token("BASIC_ADMIN"))).exchange()
                .expectStatus().isForbidden()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.detail").value(detail -> org.assertj.core.api.Assertions.assertThat((String) detail)
                        .contains("Super, Full or Partner"));
        http.delete().uri("/api/v1/accounts/{a}/widgets", ACCOUNT).headers(h -> h.setBearerAuth(token("FULL_ADMIN"))).exchange()
                .expectStatus().isOk();
    }

    @Test
    void aCustomRoleHasOnlyTheListedPermissions() {
        String readOnly = tokens.customRoleToken("auditor@example.com", ACCOUNT, List.of("web-security:read"), Duration.ofMinutes(5));
        http.get().uri("/api/v1/accounts/{a}/widgets", ACCOUNT).headers(h -> h.setBearerAuth(readOnly)).exchange()
                .expectStatus().isOk();
        http.post().uri("/api/v1/accounts/{a}/widgets", ACCOUNT).headers(h -> h.setBearerAuth(readOnly))
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"name\":\"w\",\"size\":1}").exchange()
                .expectStatus().isForbidden();
    }

    @Test
    void aTokenOfAnotherAccountIsRefusedWith403() {
        String otherAccountsAdmin = tokens.adminToken("admin@other.example", OTHER_ACCOUNT, "SUPER_ADMIN", Duration.ofMinutes(5));
        http.get().uri("/api/v1/accounts/{a}/widgets", ACCOUNT).headers(h -> h.setBearerAuth(otherAccountsAdmin)).exchange()
                .expectStatus().isForbidden()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
    }

    @Test
    void invalidInputIsAProblemNamingEachFieldAndReason() {
        http.post().uri("/api/v1/accounts/{a}/widgets", ACCOUNT).headers(h -> h.setBearerAuth(token("SUPER_ADMIN")))
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"name\":\"\",\"size\":11}").exchange()
                .expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.errors.length()").isEqualTo(2)
                .jsonPath("$.errors[?(@.field == 'name')].reason").exists()
                .jsonPath("$.errors[?(@.field == 'size')].reason").exists();
    }

    @Test
    void anUnreadableBodyIsAProblemNotACrash() {
        http.post().uri("/api/v1/accounts/{a}/widgets", ACCOUNT).headers(h -> h.setBearerAuth(token("SUPER_ADMIN")))
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"name\": ").exchange()
                .expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
    }

    private void expectRefused(String token) {
        http.get().uri("/api/v1/accounts/{a}/widgets", ACCOUNT).headers(h -> h.setBearerAuth(token)).exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
    }

    private void expectAccepted(String token) {
        http.get().uri("/api/v1/accounts/{a}/widgets", ACCOUNT).headers(h -> h.setBearerAuth(token)).exchange()
                .expectStatus().isOk();
    }

    private JWTClaimsSet.Builder claims() {
        return tokens.claims("admin@example.com", ACCOUNT, "SUPER_ADMIN", List.of(), Duration.ofMinutes(5));
    }

    @Test
    void aValidRs256TokenOfTheIssuerForTheAudienceIsAccepted() {
        expectAccepted(tokens.sign(claims().build()));
        expectAccepted(tokens.sign(claims().audience(List.of("other-api", TokenIssuer.AUDIENCE)).build()));
    }

    @Test
    void aTokenOfAnotherIssuerIsRefused() {
        expectRefused(tokens.sign(claims().issuer("https://evil.example/").build()));
        expectRefused(tokens.sign(claims().issuer(null).build()));
    }

    @Test
    void aTokenForAnotherAudienceOrForNoneIsRefused() {
        expectRefused(tokens.sign(claims().audience("another-api").build()));
        expectRefused(tokens.sign(claims().audience((String) null).build()));
    }

    @Test
    void aTokenWithoutAnExpiryIsRefused() {
        expectRefused(tokens.sign(claims().expirationTime(null).build()));
    }

    @Test
    void aTokenSignedWithASharedSecretOrNotAtAllIsRefused() throws Exception {
        // The classic confusion: HMAC keyed with the public key, which everybody has.
        byte[] publicKey = Files.readAllBytes(tokens.publicKeyFile());
        SignedJWT hs256 = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims().build());
        hs256.sign(new MACSigner(publicKey));
        expectRefused(hs256.serialize());
        expectRefused(new PlainJWT(claims().build()).serialize());
    }

    @Test
    void anEs256TokenIsRefusedWhereOnlyRs256IsConfigured() throws Exception {
        expectRefused(es256(new ECKeyGenerator(Curve.P_256).keyID("ec").generate(), claims().build()));
    }

    static String es256(ECKey key, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }

    /**
     * Production's shape: keys from the issuer's JWKS URL (served here over real HTTP), RS256 and
     * ES256 both configured, with Spring Boot's properties.
     */
    @Nested
    @NestedTestConfiguration(NestedTestConfiguration.EnclosingConfiguration.OVERRIDE)
    @WithRealInfrastructure
    @SpringBootTest(classes = KitTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
            properties = "spring.security.oauth2.resourceserver.jwt.jws-algorithms=RS256,ES256")
    class WithAJwksUrl {

        static final ECKey EC_KEY;
        static final HttpServer JWKS;

        static {
            try {
                EC_KEY = new ECKeyGenerator(Curve.P_256).keyID("ec").generate();
                JWKS = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            JWKS.createContext("/jwks.json", exchange -> {
                byte[] body = new JWKSet(List.of(new RSAKey.Builder(localIssuersKey()).keyID("rsa").build(), EC_KEY.toPublicJWK()))
                        .toString().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            JWKS.start();
        }

        private static RSAPublicKey localIssuersKey() throws java.io.IOException {
            try {
                return (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Base64.getMimeDecoder()
                        .decode(Files.readString(RealInfrastructure.get().tokens().publicKeyFile()).replaceAll("-----[A-Z ]+-----", ""))));
            } catch (java.security.GeneralSecurityException e) {
                throw new java.io.IOException(e);
            }
        }

        @DynamicPropertySource
        static void jwks(DynamicPropertyRegistry registry) {
            registry.add("spring.security.oauth2.resourceserver.jwt.jwk-set-uri",
                    () -> "http://127.0.0.1:" + JWKS.getAddress().getPort() + "/jwks.json");
        }

        @AfterAll
        static void stop() {
            JWKS.stop(0);
        }

        @LocalServerPort
        int jwksPort;

        @BeforeEach
        void connectHere() {
            http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + jwksPort).build();
            tokens = RealInfrastructure.get().tokens();
        }

        @Test
        void es256AndRs256TokensAreAcceptedAndTheSameRulesHold() throws Exception {
            expectAccepted(es256(EC_KEY, claims().build()));
            expectAccepted(tokens.sign(claims().build()));
            expectRefused(es256(EC_KEY, claims().audience("another-api").build()));
            expectRefused(es256(EC_KEY, claims().issuer("https://evil.example/").build()));
            expectRefused(es256(EC_KEY, claims().expirationTime(null).build()));
            SignedJWT hs256 = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims().build());
            hs256.sign(new MACSigner(new byte[32]));
            expectRefused(hs256.serialize());
        }
    }
}
