package dev.parapet.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.parapet.kit.testing.TopicRecords;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.categories.CategoryAssignment;
import dev.parapet.stack.RealInfrastructure;

@SettingsServiceSpringTest
class CategoriesTest {

    @LocalServerPort
    int port;

    WebTestClient http;
    String operator;

    @BeforeEach
    void connect() {
        http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(60)).build();
        operator = RealInfrastructure.get().tokens().adminToken("ops@parapet.dev", UUID.fromString(SettingsServiceSpringTest.OPERATOR_ACCOUNT),
                "SUPER_ADMIN", Duration.ofMinutes(10));
    }

    private WebTestClient.ResponseSpec feed(String token, String category, String body) {
        return http.put().uri("/api/v1/categories/{c}/domains", category).headers(h -> h.setBearerAuth(token))
                .contentType(MediaType.TEXT_PLAIN).bodyValue(body).exchange();
    }

    private static CategoryAssignment latest(String domain) {
        return TopicRecords.latestFor(Topics.DOMAIN_CATEGORIES.name(), domain);
    }

    @Test
    void theCatalogueCoversTheSharedListsMalwareAndGambling() {
        String anyAdmin = RealInfrastructure.get().tokens().adminToken("a@example.com", UUID.randomUUID(), "BASIC_ADMIN", Duration.ofMinutes(5));
        http.get().uri("/api/v1/categories").headers(h -> h.setBearerAuth(anyAdmin)).exchange().expectStatus().isOk().expectBody()
                .jsonPath("$.groups[?(@.groupId == 'security')].categories[*].categoryId").value(ids -> assertThat(ids.toString())
                        .contains("phishing", "malware", "ransomware", "scam", "cryptomining"))
                .jsonPath("$.groups[?(@.groupId == 'legal-liability')].categories[*].categoryId").value(ids -> assertThat(ids.toString())
                        .contains("gambling", "drugs", "piracy", "p2p"));
    }

    @Test
    void feedsAreMergedPerDomainAndReplacedWhole() {
        String run = Long.toString(System.nanoTime(), 36);
        String both = "both-" + run + ".example";
        String scamOnly = "scam-" + run + ".example";
        feed(operator, "scam", "# feed\n" + both + "\n" + scamOnly + "\nnot a domain\n").expectStatus().isOk().expectBody()
                .jsonPath("$.domains").isEqualTo(2)
                .jsonPath("$.rejectedCount").isEqualTo(1)
                .jsonPath("$.rejected[0].line").isEqualTo(4);
        feed(operator, "phishing", both + "\n").expectStatus().isOk().expectBody().returnResult();
        assertThat(latest(both).getCategoryIds()).containsExactlyInAnyOrder("scam", "phishing");
        assertThat(latest(scamOnly).getCategoryIds()).containsExactly("scam");

        String newcomer = "new-" + run + ".example";
        feed(operator, "scam", newcomer + "\n").expectStatus().isOk().expectBody().returnResult();
        assertThat(latest(newcomer).getCategoryIds()).containsExactly("scam");
        assertThat(latest(both).getCategoryIds()).as("no longer in the scam feed").containsExactly("phishing");
        assertThat(latest(scamOnly)).as("a domain left with no category is deleted (tombstone)").isNull();
    }

    @Test
    void aFeedLineNeverPutsAWholeTopLevelDomainInACategory() {
        String run = Long.toString(System.nanoTime(), 36);
        String listed = "listed-" + run + ".example";
        feed(operator, "gambling", "# feed\n" + listed + "\ncom\n127.0.0.1 localhost\n").expectStatus().isOk().expectBody()
                .jsonPath("$.domains").isEqualTo(1)
                .jsonPath("$.rejectedCount").isEqualTo(1)
                .jsonPath("$.rejected[0].line").isEqualTo(3)
                .jsonPath("$.rejected[0].reason").value(reason -> assertThat((String) reason)
                        .startsWith("is a public suffix (com): it would put every name under it in the category"))
                .jsonPath("$.skippedCount").isEqualTo(1)
                .jsonPath("$.skipped[0].line").isEqualTo(4);
        assertThat(latest(listed).getCategoryIds()).containsExactly("gambling");
        CategoryAssignment com = latest("com");
        assertThat(com == null ? java.util.List.of() : com.getCategoryIds()).doesNotContain("gambling");
        feed(operator, "gambling", "").expectStatus().isBadRequest().expectBody()
                .jsonPath("$.detail").isEqualTo("The body is empty: send the list as text/plain, one domain per line.");
        assertThat(latest(listed).getCategoryIds()).as("an empty body does not empty the category").containsExactly("gambling");
    }

    @Test
    void onlyThePlatformOperatorImportsFeeds() {
        String customer = RealInfrastructure.get().tokens().adminToken("a@example.com", UUID.randomUUID(), "SUPER_ADMIN", Duration.ofMinutes(5));
        feed(customer, "scam", "x.example\n").expectStatus().isForbidden().expectBody().returnResult();
        String partner = RealInfrastructure.get().tokens().adminToken("p@example.com", UUID.fromString(SettingsServiceSpringTest.OPERATOR_ACCOUNT),
                "PARTNER_ADMIN", Duration.ofMinutes(5));
        feed(partner, "scam", "x.example\n").expectStatus().isForbidden().expectBody().returnResult();
        feed(operator, "no-such-category", "x.example\n").expectStatus().isNotFound().expectBody().returnResult();
    }
}
