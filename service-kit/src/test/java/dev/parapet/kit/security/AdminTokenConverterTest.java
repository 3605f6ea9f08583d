package dev.parapet.kit.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.Jwt;

import dev.parapet.kit.audit.Actors;
import dev.parapet.schemas.v1.common.Actor;
import dev.parapet.schemas.v1.common.ActorKind;

class AdminTokenConverterTest {

    static Jwt token(Map<String, Object> claims) {
        Jwt.Builder builder = Jwt.withTokenValue("t").header("alg", "RS256").subject("59f47290-4231-4f5b-ba5a-e505690e8222")
                .issuedAt(Instant.now()).expiresAt(Instant.now().plusSeconds(60))
                .claim("account", UUID.randomUUID().toString()).claim("role", "SUPER_ADMIN");
        claims.forEach(builder::claim);
        return builder.build();
    }

    @Test
    void theEmailATokenNamesIsKeptToShowPeopleAndTheSubjectStaysTheIdentity() {
        Admin admin = AdminTokenConverter.admin(token(Map.of("email", "Ann@Example.COM")));
        assertThat(admin.subject()).isEqualTo("59f47290-4231-4f5b-ba5a-e505690e8222");
        assertThat(admin.email()).isEqualTo("ann@example.com");
        Actor actor = new Actor(admin.subject(), admin.role().name(), ActorKind.ADMIN, admin.email());
        assertThat(Actors.name(actor)).isEqualTo("ann@example.com");
    }

    @Test
    void aTokenWithoutAnEmailOrWithOneThatIsNotAnAddressNamesTheSubject() {
        assertThat(AdminTokenConverter.admin(token(Map.of())).email()).isNull();
        for (Object bad : List.of("", "no-at-sign", "@example.com", "ann@example.com\nX-Injected: 1", "a b@example.com",
                "x".repeat(250) + "@example.com")) {
            assertThat(AdminTokenConverter.admin(token(Map.of("email", bad))).email()).as(String.valueOf(bad)).isNull();
        }
        Actor automation = new Actor("service-account-parapet-automation", "SUPER_ADMIN", ActorKind.ADMIN, null);
        assertThat(Actors.name(automation)).isEqualTo("service-account-parapet-automation");
        assertThat(Actors.name(null)).isNull();
    }
}
