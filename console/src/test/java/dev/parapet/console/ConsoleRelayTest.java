package dev.parapet.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.reactive.server.SecurityMockServerConfigurers.csrf;
import static org.springframework.security.test.web.reactive.server.SecurityMockServerConfigurers.mockOidcLogin;
import static org.springframework.security.test.web.reactive.server.SecurityMockServerConfigurers.springSecurity;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.security.oauth2.client.registration.ReactiveClientRegistrationRepository;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.sun.net.httpserver.HttpServer;

/**
 * The console's server without a browser or an identity provider: who gets in, what the CSRF token guards, and that a
 * signed-in administrator's calls reach the owning service with their token and come back as the service answered.
 * The services are a recording HTTP server here; the real sign-in and services: ConsoleBrowserTest (agent module).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.MOCK, properties = {
        "parapet.console.issuer=http://127.0.0.1:9/realms/parapet"})
class ConsoleRelayTest {

    record Seen(String method, String path, String authorization, String ifMatch, String body) {
    }

    static final UUID ACCOUNT = UUID.fromString("2d7b8a4e-1f3c-4a6b-8e9d-0c1b2a3f4e5d");
    static final List<Seen> SEEN = new CopyOnWriteArrayList<>();
    static HttpServer services;

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) throws IOException {
        services = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        services.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            SEEN.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                    exchange.getRequestHeaders().getFirst("Authorization"), exchange.getRequestHeaders().getFirst("If-Match"), body));
            if (exchange.getRequestURI().getPath().endsWith("/live")) {
                // An event stream: two events, a pause the relay must not turn into a timeout, the end.
                exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
                exchange.sendResponseHeaders(200, 0);
                exchange.getResponseBody().write("event:counters\ndata:{\"queriesPerSecond\":1}\n\n".getBytes(StandardCharsets.UTF_8));
                exchange.getResponseBody().flush();
                try {
                    Thread.sleep(300);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                exchange.getResponseBody().write("event:counters\ndata:{\"queriesPerSecond\":2}\n\n".getBytes(StandardCharsets.UTF_8));
                exchange.close();
                return;
            }
            byte[] answer = ("{\"service\":\"" + exchange.getHttpContext().getServer().getAddress().getPort() + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.getResponseHeaders().add("ETag", "\"7\"");
            exchange.getResponseHeaders().add("Set-Cookie", "service-cookie=must-not-pass");
            exchange.sendResponseHeaders(exchange.getRequestURI().getPath().endsWith("/forbidden") ? 403 : 200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        services.start();
        String base = "http://127.0.0.1:" + services.getAddress().getPort();
        registry.add("parapet.console.keys", () -> base + "/keys-service");
        registry.add("parapet.console.settings", () -> base + "/settings-service");
        registry.add("parapet.console.dns", () -> base + "/dns-service");
        // Nothing listens there: diagnostics-service is "down" in this test.
        registry.add("parapet.console.diagnostics", () -> "http://127.0.0.1:9");
    }

    @AfterAll
    static void stop() {
        services.stop(0);
    }

    @Autowired
    ApplicationContext context;
    @Autowired
    ReactiveClientRegistrationRepository registrations;

    WebTestClient web;

    @BeforeEach
    void client() {
        SEEN.clear();
        web = WebTestClient.bindToApplicationContext(context).apply(springSecurity()).configureClient().build();
    }

    /**
     * A browser session of an administrator signed in at the provider (Spring Security's test login: its authorized client's
     * access token is {@code access-token}, not a JWT; SessionControllerTest reads a real one's claims).
     */
    WebTestClient signedIn() {
        return web.mutateWith(mockOidcLogin().clientRegistration(registrations.findByRegistrationId(ConsoleSecurity.REGISTRATION).block())
                .idToken(token -> token.claim("preferred_username", "admin@example.org").claim("email", "admin@example.org")));
    }

    @Test
    void withoutASessionApiCallsAre401AndPagesGoToTheProviderWithPkce() {
        web.get().uri("/api/v1/accounts/{account}/agent-settings", ACCOUNT).exchange().expectStatus().isUnauthorized();
        web.get().uri("/api/v1/categories").exchange().expectStatus().isUnauthorized();
        web.get().uri("/").exchange().expectStatus().isFound()
                .expectHeader().value(HttpHeaders.LOCATION, location -> assertThat(location).endsWith("/oauth2/authorization/parapet"));
        web.get().uri("/oauth2/authorization/parapet").exchange().expectStatus().isFound()
                .expectHeader().value(HttpHeaders.LOCATION, location -> assertThat(location)
                        .startsWith("http://127.0.0.1:9/realms/parapet/protocol/openid-connect/auth?")
                        .contains("client_id=parapet-console", "code_challenge=", "code_challenge_method=S256", "response_type=code"));
        assertThat(SEEN).isEmpty();
    }

    @Test
    void aSignedInAdministratorsCallsReachTheOwningServiceWithTheirToken() {
        signedIn().get().uri("/api/v1/accounts/{account}/agent-settings?reveal=true", ACCOUNT)
                .exchange().expectStatus().isOk()
                .expectHeader().valueEquals(HttpHeaders.ETAG, "\"7\"")
                .expectHeader().doesNotExist(HttpHeaders.SET_COOKIE)
                .expectBody().jsonPath("$.service").exists();
        signedIn().get().uri("/api/v1/accounts/{account}/key", ACCOUNT).exchange().expectStatus().isOk();
        signedIn().get().uri("/api/v1/accounts/{account}/forbidden", ACCOUNT).exchange().expectStatus().isForbidden();
        signedIn().get().uri("/api/v1/accounts/{account}/dns/explain?name=casino.example", ACCOUNT).exchange().expectStatus().isOk();
        signedIn().get().uri("/api/v1/categories").exchange().expectStatus().isOk();
        assertThat(SEEN).extracting(Seen::path).containsExactly(
                "/settings-service/api/v1/accounts/" + ACCOUNT + "/agent-settings?reveal=true",
                "/keys-service/api/v1/accounts/" + ACCOUNT + "/key",
                "/settings-service/api/v1/accounts/" + ACCOUNT + "/forbidden",
                "/dns-service/api/v1/accounts/" + ACCOUNT + "/dns/explain?name=casino.example",
                "/settings-service/api/v1/categories");
        assertThat(SEEN).allSatisfy(seen -> assertThat(seen.authorization()).isEqualTo("Bearer access-token"));
    }

    @Test
    void anEventStreamIsRelayedAsItComes() {
        // diagnostics is "down" in this test: the live counters are asked of the settings fake through its path's owner.
        String events = signedIn().get().uri("/api/v1/accounts/{account}/live", ACCOUNT).accept(MediaType.TEXT_EVENT_STREAM)
                .exchange().expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.TEXT_EVENT_STREAM)
                .returnResult(String.class).getResponseBody().collectList().block(java.time.Duration.ofSeconds(10))
                .stream().collect(java.util.stream.Collectors.joining("|"));
        assertThat(events).contains("\"queriesPerSecond\":1", "\"queriesPerSecond\":2");
        assertThat(SEEN).singleElement().satisfies(seen -> assertThat(seen.path()).isEqualTo("/settings-service/api/v1/accounts/" + ACCOUNT + "/live"));
    }

    @Test
    void aServiceThatCannotBeReachedIsABadGatewayProblem() {
        signedIn().get().uri("/api/v1/accounts/{account}/diagnostics/devices", ACCOUNT).exchange()
                .expectStatus().isEqualTo(502)
                .expectHeader().contentType("application/problem+json")
                .expectBody().jsonPath("$.detail").value(detail -> assertThat((String) detail).contains("nothing was changed"));
        assertThat(SEEN).isEmpty();
    }

    @Test
    void aChangeNeedsTheSessionsCsrfToken() {
        signedIn().put().uri("/api/v1/accounts/{account}/agent-settings", ACCOUNT)
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"manageUpdates\":true}").exchange().expectStatus().isForbidden();
        assertThat(SEEN).isEmpty();
        signedIn().mutateWith(csrf()).put().uri("/api/v1/accounts/{account}/agent-settings", ACCOUNT)
                .header(HttpHeaders.IF_MATCH, "\"6\"").header(HttpHeaders.COOKIE, "PARAPET_CONSOLE=browser-session")
                .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"manageUpdates\":true}").exchange().expectStatus().isOk();
        assertThat(SEEN).singleElement().satisfies(seen -> {
            assertThat(seen.method()).isEqualTo("PUT");
            assertThat(seen.ifMatch()).isEqualTo("\"6\"");
            assertThat(seen.body()).isEqualTo("{\"manageUpdates\":true}");
        });
    }

    @Test
    void aPathThatCouldLeaveTheAccountIsNotRelayed() {
        // Encoded slashes: refused by Spring Security's firewall (400) before the relay sees them.
        signedIn().get().uri("/api/v1/accounts/{account}/key/..%2F..%2Fother", ACCOUNT).exchange()
                .expectStatus().isBadRequest();
        signedIn().get().uri("/api/v1/accounts/{account}/key/a%20b", ACCOUNT).exchange().expectStatus().is4xxClientError();
        signedIn().get().uri("/api/v1/accounts/not-a-uuid/key").exchange().expectStatus().is4xxClientError();
        assertThat(SEEN).isEmpty();
    }

    @Test
    void theSessionTellsThePagesWhoIsSignedInAndTheCsrfTokenButNoProviderToken() {
        signedIn().get().uri("/console/session").exchange().expectStatus().isOk()
                .expectBody()
                .jsonPath("$.email").isEqualTo("admin@example.org")
                .jsonPath("$.csrfHeader").isEqualTo("X-CSRF-TOKEN")
                .jsonPath("$.csrfToken").isNotEmpty()
                .jsonPath("$.accessToken").doesNotExist()
                .consumeWith(result -> assertThat(new String(result.getResponseBody(), StandardCharsets.UTF_8)).doesNotContain("access-token"));
    }
}
