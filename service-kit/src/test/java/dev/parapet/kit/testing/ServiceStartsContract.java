package dev.parapet.kit.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.parapet.schemas.Topics;
import dev.parapet.stack.RealInfrastructure;
import dev.parapet.stack.TokenIssuer;

/**
 * What every Parapet service does once started against a real broker and registry. A service's
 * test extends this with {@code @WithRealInfrastructure} and {@code @SpringBootTest(webEnvironment = RANDOM_PORT)}.
 */
public abstract class ServiceStartsContract {

    @LocalServerPort
    protected int port;

    protected WebTestClient http;

    @BeforeEach
    void connect() {
        http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port)
                .codecs(codecs -> codecs.defaultCodecs().maxInMemorySize(16 * 1024 * 1024)).build();
    }

    @Test
    void reportsHealthyOnlyWithKafkaAndTheSchemaRegistryReachable() {
        http.get().uri("/actuator/health").exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.status").isEqualTo("UP")
                .jsonPath("$.components.kafka.status").isEqualTo("UP")
                .jsonPath("$.components.schemaRegistry.status").isEqualTo("UP");
    }

    @Test
    void createsEveryCatalogueTopicAndItsDeadLetterTopic() throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", RealInfrastructure.get().bootstrapServers()))) {
            Set<String> names = admin.listTopics().names().get(10, TimeUnit.SECONDS);
            Topics.all().forEach(topic -> assertThat(names).contains(topic.name(), topic.deadLetterTopic()));
        }
    }

    @Test
    void exposesPrometheusMetricsWithoutAToken() {
        http.get().uri("/actuator/prometheus").exchange()
                .expectStatus().isOk()
                .expectBody(String.class).value(body -> assertThat(body).contains("jvm_memory_used_bytes"));
    }

    @Test
    void refusesTheAdminApiWithoutATokenAsAProblem() {
        http.get().uri("/api/v1/accounts/{a}/access", UUID.randomUUID()).exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.status").isEqualTo(401);
    }

    @Test
    void answersAnAdministratorOfTheAccountAndRefusesAnotherAccountsToken() {
        UUID account = UUID.randomUUID();
        TokenIssuer tokens = RealInfrastructure.get().tokens();
        String basic = tokens.adminToken("basic@example.com", account, "BASIC_ADMIN", Duration.ofMinutes(5));
        http.get().uri("/api/v1/accounts/{a}/access", account).headers(h -> h.setBearerAuth(basic)).exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.role").isEqualTo("BASIC_ADMIN")
                .jsonPath("$.privileged").isEqualTo(false);
        String otherAccount = tokens.adminToken("admin@other.example", UUID.randomUUID(), "SUPER_ADMIN", Duration.ofMinutes(5));
        http.get().uri("/api/v1/accounts/{a}/access", account).headers(h -> h.setBearerAuth(otherAccount)).exchange()
                .expectStatus().isForbidden()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
    }
}
