package dev.parapet.kit;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

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
}
