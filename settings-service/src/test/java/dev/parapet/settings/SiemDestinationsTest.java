package dev.parapet.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.parapet.settings.siem.SiemDestinationController.DestinationView;
import dev.parapet.settings.siem.SiemDestinationInputTest;
import dev.parapet.stack.RealInfrastructure;

/** The account's SIEM destination through the API: set, read, replaced by version, removed; only by its own privileged administrators. */
@SettingsServiceSpringTest
class SiemDestinationsTest {

    private static final String PATH = "/api/v1/accounts/{a}/siem-destination";

    @LocalServerPort
    int port;

    WebTestClient http;
    final UUID account = UUID.randomUUID();

    @BeforeEach
    void connect() {
        http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(30)).build();
    }

    private static String admin(UUID account, String role) {
        return RealInfrastructure.get().tokens().adminToken("admin@example.com", account, role, Duration.ofMinutes(10));
    }

    private static Map<String, Object> body(String host) {
        Map<String, Object> body = new HashMap<>();
        body.put("host", host);
        body.put("port", 6514);
        body.put("caCertificates", SiemDestinationInputTest.CA);
        body.put("format", "CEF");
        return body;
    }

    private WebTestClient.ResponseSpec put(String token, Map<String, Object> body, String ifMatch) {
        return http.put().uri(PATH, account).headers(h -> {
            h.setBearerAuth(token);
            if (ifMatch != null) {
                h.setIfMatch(ifMatch);
            }
        }).contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    @Test
    void anAdministratorSetsReadsReplacesAndRemovesTheAccountsDestination() {
        String full = admin(account, "FULL_ADMIN");
        http.get().uri(PATH, account).headers(h -> h.setBearerAuth(full)).exchange().expectStatus().isNotFound();

        put(full, body("127.0.0.1"), null).expectStatus().isBadRequest().expectBody()
                .jsonPath("$.errors[0].field").isEqualTo("host");

        long before = System.currentTimeMillis();
        DestinationView set = put(full, body("siem.example.com"), null).expectStatus().isOk()
                .expectBody(DestinationView.class).returnResult().getResponseBody();
        assertThat(set.host()).isEqualTo("siem.example.com");
        assertThat(set.format()).isEqualTo("CEF");
        assertThat(set.facility()).isEqualTo("LOCAL0");
        assertThat(set.verifyHostname()).isTrue();
        assertThat(set.version()).as("a new destination's version is its creation's milliseconds").isBetween(before,
                System.currentTimeMillis());
        assertThat(set.updatedBy()).isEqualTo("admin@example.com");
        assertThat(set.certificates()).singleElement().satisfies(ca -> assertThat(ca.subject()).contains("CN=Parapet test SIEM CA"));

        DestinationView read = http.get().uri(PATH, account).headers(h -> h.setBearerAuth(full)).exchange().expectStatus().isOk()
                .expectHeader().valueEquals("ETag", "\"v" + set.version() + "\"")
                .expectBody(DestinationView.class).returnResult().getResponseBody();
        assertThat(read).isEqualTo(set);

        put(full, body("other.example.com"), "\"v7\"").expectStatus().isEqualTo(412);
        DestinationView replaced = put(full, body("other.example.com"), "\"v" + set.version() + "\"").expectStatus().isOk()
                .expectBody(DestinationView.class).returnResult().getResponseBody();
        assertThat(replaced.host()).isEqualTo("other.example.com");
        assertThat(replaced.version()).isEqualTo(set.version() + 1);

        http.delete().uri(PATH, account).headers(h -> h.setBearerAuth(full)).exchange().expectStatus().isNoContent();
        http.get().uri(PATH, account).headers(h -> h.setBearerAuth(full)).exchange().expectStatus().isNotFound();
        http.delete().uri(PATH, account).headers(h -> h.setBearerAuth(full)).exchange().expectStatus().isNotFound();

        // Set again after the removal: a version read before it does not match the new destination.
        put(full, body("siem.example.com"), null).expectStatus().isOk();
        put(full, body("stale.example.com"), "\"v" + replaced.version() + "\"").expectStatus().isEqualTo(412);
    }

    @Test
    void onlyTheAccountsOwnPrivilegedAdministratorsMaySetItAndOthersCannotReadIt() {
        put(admin(account, "FULL_ADMIN"), body("siem.example.com"), null).expectStatus().isOk();

        UUID other = UUID.randomUUID();
        String stranger = admin(other, "SUPER_ADMIN");
        http.get().uri(PATH, account).headers(h -> h.setBearerAuth(stranger)).exchange().expectStatus().isForbidden();
        put(stranger, body("evil.example.com"), null).expectStatus().isForbidden();
        http.delete().uri(PATH, account).headers(h -> h.setBearerAuth(stranger)).exchange().expectStatus().isForbidden();
        http.get().uri(PATH, other).headers(h -> h.setBearerAuth(stranger)).exchange().expectStatus().isNotFound();

        // A custom role may hold web-security:write, but sending every query out of Parapet needs a privileged administrator.
        String custom = RealInfrastructure.get().tokens().customRoleToken("ops@example.com", account,
                List.of("web-security:write", "web-security:read"), Duration.ofMinutes(10));
        put(custom, body("evil.example.com"), null).expectStatus().isForbidden();
        http.get().uri(PATH, account).headers(h -> h.setBearerAuth(custom)).exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.host").isEqualTo("siem.example.com");
        http.get().uri(PATH, account).exchange().expectStatus().isUnauthorized();
    }
}
