package dev.parapet.kit.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.security.oauth2.server.resource.autoconfigure.OAuth2ResourceServerProperties;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ByteArrayResource;

/** A service refuses to start unless its administrator tokens are pinned down: issuer, audience, algorithms. */
class AdminTokenRequirementsTest {

    private static OAuth2ResourceServerProperties boot(String jwks, String issuerUri, List<String> audiences, List<String> algorithms) {
        OAuth2ResourceServerProperties properties = new OAuth2ResourceServerProperties();
        properties.getJwt().setJwkSetUri(jwks);
        properties.getJwt().setIssuerUri(issuerUri);
        properties.getJwt().setAudiences(audiences);
        properties.getJwt().setJwsAlgorithms(algorithms);
        return properties;
    }

    @Test
    void productionsShapeIsAccepted() {
        AdminTokenRequirements requirements = new AdminTokenRequirements(new AdminSecurityProperties(null, null),
                boot("https://idp.example/jwks", "https://idp.example/", List.of("parapet-api"), List.of("RS256", "ES256")));
        assertThat(requirements.issuer()).isEqualTo("https://idp.example/");
    }

    @Test
    void noIssuerNoAudienceOrAnAlgorithmOtherThanRs256AndEs256StopsTheService() {
        AdminSecurityProperties none = new AdminSecurityProperties(null, null);
        assertThatThrownBy(() -> new AdminTokenRequirements(none, boot("https://idp.example/jwks", null, List.of("parapet-api"), List.of("RS256"))))
                .hasMessageContaining("issuer");
        assertThatThrownBy(() -> new AdminTokenRequirements(none, boot("https://idp.example/jwks", "https://idp.example/", List.of(), List.of("RS256"))))
                .hasMessageContaining("audience");
        assertThatThrownBy(() -> new AdminTokenRequirements(none, boot("https://idp.example/jwks", "https://idp.example/", List.of("a"), List.of("HS256"))))
                .hasMessageContaining("HS256");
        assertThatThrownBy(() -> new AdminTokenRequirements(none, boot(null, null, List.of("a"), List.of("RS256"))))
                .hasMessageContaining("jwk-set-uri");
        assertThatThrownBy(() -> new AdminTokenRequirements(new AdminSecurityProperties("x", null),
                boot("https://idp.example/jwks", "https://idp.example/", List.of("a"), List.of("RS256")))).hasMessageContaining("differ");
    }

    @Test
    void aPublicKeyFileTakesItsIssuerFromParapetsPropertyNotBootsIssuerUri() {
        OAuth2ResourceServerProperties withKey = boot(null, "parapet-local", List.of("a"), List.of("RS256"));
        withKey.getJwt().setPublicKeyLocation(new ByteArrayResource(new byte[0]));
        assertThatThrownBy(() -> new AdminTokenRequirements(new AdminSecurityProperties(null, null), withKey))
                .hasMessageContaining("parapet.security.jwt.issuer");
        withKey.getJwt().setIssuerUri(null);
        assertThat(new AdminTokenRequirements(new AdminSecurityProperties("parapet-local", null), withKey).issuer()).isEqualTo("parapet-local");
    }

    @Test
    void theOldPropertyNamesStillConfigureBootsDecoder() {
        StandardEnvironment environment = new StandardEnvironment();
        // Other tests of this JVM set the new names as system properties: only what this test gives counts.
        environment.getPropertySources().remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
        environment.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
        environment.getPropertySources().addFirst(new MapPropertySource("old", Map.of(
                "parapet.security.jwt.jwk-set-uri", "https://idp.example/jwks",
                "parapet.security.jwt.public-key-location", "file:/tmp/key.pem")));
        environment.getPropertySources().addLast(new LegacyJwtProperties(environment));
        ConfigurationPropertySources.attach(environment);
        OAuth2ResourceServerProperties.Jwt jwt = Binder.get(environment)
                .bind("spring.security.oauth2.resourceserver.jwt", OAuth2ResourceServerProperties.Jwt.class).get();
        assertThat(jwt.getJwkSetUri()).isEqualTo("https://idp.example/jwks");
        assertThat(jwt.getPublicKeyLocation()).isNotNull();
        assertThat(environment.getProperty("spring.security.oauth2.resourceserver.jwt.public-key-location")).isEqualTo("file:/tmp/key.pem");
    }
}
