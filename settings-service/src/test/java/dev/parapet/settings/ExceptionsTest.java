package dev.parapet.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.parapet.settings.exceptions.ExceptionsController.ExceptionsView;
import dev.parapet.stack.RealInfrastructure;

@SettingsServiceSpringTest
class ExceptionsTest {

    @LocalServerPort
    int port;

    WebTestClient http;
    UUID account;
    String admin;

    @BeforeEach
    void connect() {
        http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(30)).build();
        account = UUID.randomUUID();
        admin = RealInfrastructure.get().tokens().adminToken("admin@example.com", account, "FULL_ADMIN", Duration.ofMinutes(10));
    }

    private WebTestClient.ResponseSpec put(String ifMatch, List<String> domains, List<String> ranges) {
        return http.put().uri("/api/v1/accounts/{a}/exceptions", account).headers(h -> {
                    h.setBearerAuth(admin);
                    h.setIfMatch(ifMatch);
                }).contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("domains", domains, "ipRanges", ranges)).exchange();
    }

    @Test
    void aNewAccountStartsWithTheInternalTopLevelDomains() {
        http.get().uri("/api/v1/accounts/{a}/exceptions", account).headers(h -> h.setBearerAuth(admin)).exchange()
                .expectStatus().isOk()
                .expectHeader().valueEquals("ETag", "\"v0\"")
                .expectBody(ExceptionsView.class).value(view -> {
                    assertThat(view.domains()).containsExactly("local", "internal", "lan", "home", "corp", "localdomain", "domain", "mail");
                    assertThat(view.ipRanges()).isEmpty();
                });
    }

    @Test
    void entriesAreNormalisedAndTheWriteIsVersioned() {
        ExceptionsView written = put("\"v0\"", List.of("Intranet.Example.COM.", "bücher.example", "local", "LOCAL"),
                List.of("192.0.2.0/24", "2001:DB8::/32")).expectStatus().isOk()
                .expectHeader().valueEquals("ETag", "\"v1\"")
                .expectBody(ExceptionsView.class).returnResult().getResponseBody();
        assertThat(written.domains()).containsExactly("intranet.example.com", "xn--bcher-kva.example", "local");
        assertThat(written.ipRanges()).containsExactly("192.0.2.0/24", "2001:db8::/32");

        put("\"v0\"", List.of("other.example"), List.of()).expectStatus().isEqualTo(412);
        http.get().uri("/api/v1/accounts/{a}/exceptions", account).headers(h -> h.setBearerAuth(admin)).exchange()
                .expectHeader().valueEquals("ETag", "\"v1\"");
    }

    @Test
    void aWriteWithBadEntriesListsEachByPositionAndChangesNothing() {
        put("*", List.of("good.example", "bad..example", "-x.example"), List.of("192.0.2.1/24", "10.0.0.0/8"))
                .expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.errors.length()").isEqualTo(3)
                .jsonPath("$.errors[?(@.field == 'domains[1]')].reason").exists()
                .jsonPath("$.errors[?(@.field == 'domains[2]')].reason").exists()
                .jsonPath("$.errors[?(@.field == 'ipRanges[0]')].reason").exists();
        http.get().uri("/api/v1/accounts/{a}/exceptions", account).headers(h -> h.setBearerAuth(admin)).exchange()
                .expectHeader().valueEquals("ETag", "\"v0\"");
    }

    @Test
    void anotherAccountsTokenIsRefused() {
        String other = RealInfrastructure.get().tokens().adminToken("x@other.example", UUID.randomUUID(), "SUPER_ADMIN", Duration.ofMinutes(5));
        http.get().uri("/api/v1/accounts/{a}/exceptions", account).headers(h -> h.setBearerAuth(other)).exchange().expectStatus().isForbidden();
    }
}
