package dev.parapet.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.parapet.kit.testing.TopicRecords;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.categories.CategoryAssignment;
import dev.parapet.schemas.v1.settings.ImportCategoryFeed;
import dev.parapet.schemas.v1.settings.SettingsCommand;
import dev.parapet.settings.feeds.CategoryFeedController.SubscriptionView;
import dev.parapet.stack.RealInfrastructure;

/**
 * A category follows its feed subscription, against the real broker, with the feed served on 127.0.0.1 by a server
 * of the test's own: the first copy (ETag, gzip by its magic bytes), a 304 for the conditional request (no import),
 * a changed list (gzip by Content-Encoding), then a 500 and garbage (failures reported, the previous domains stay).
 */
@SettingsServiceSpringTest
class CategoryFeedSubscriptionsTest {

    /** What the feed server answers next. */
    record Answer(int status, String etag, byte[] body, boolean contentEncodingGzip) {
    }

    @LocalServerPort
    int port;

    WebTestClient http;
    String operator;
    HttpServer feeds;
    volatile Answer answer;
    volatile String answerIfNoneMatch;
    final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(60)).build();
        operator = RealInfrastructure.get().tokens().adminToken("ops@parapet.dev", UUID.fromString(SettingsServiceSpringTest.OPERATOR_ACCOUNT),
                "SUPER_ADMIN", Duration.ofMinutes(10));
        feeds = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        feeds.createContext("/", this::serve);
        feeds.start();
    }

    @AfterEach
    void stop() {
        feeds.stop(0);
    }

    private void serve(HttpExchange exchange) throws IOException {
        String ifNoneMatch = exchange.getRequestHeaders().getFirst("If-None-Match");
        requests.add(ifNoneMatch == null ? Map.of() : Map.of("If-None-Match", ifNoneMatch));
        Answer now = answer;
        if (answerIfNoneMatch != null && answerIfNoneMatch.equals(ifNoneMatch)) {
            exchange.getResponseHeaders().add("ETag", answerIfNoneMatch);
            exchange.sendResponseHeaders(304, -1);
            exchange.close();
            return;
        }
        if (now.etag() != null) {
            exchange.getResponseHeaders().add("ETag", now.etag());
        }
        if (now.contentEncodingGzip()) {
            exchange.getResponseHeaders().add("Content-Encoding", "gzip");
        }
        exchange.sendResponseHeaders(now.status(), now.body().length == 0 ? -1 : now.body().length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(now.body());
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    private SubscriptionView refresh(String category) {
        return http.post().uri("/api/v1/operator/category-feeds/{c}/refresh", category).headers(h -> h.setBearerAuth(operator))
                .exchange().expectStatus().isOk().expectBody(SubscriptionView.class).returnResult().getResponseBody();
    }

    private SubscriptionView read(String category) {
        return http.get().uri("/api/v1/operator/category-feeds/{c}", category).headers(h -> h.setBearerAuth(operator))
                .exchange().expectStatus().isOk().expectBody(SubscriptionView.class).returnResult().getResponseBody();
    }

    private static List<String> categoriesOf(String domain) {
        CategoryAssignment assignment = TopicRecords.latestFor(Topics.DOMAIN_CATEGORIES.name(), domain);
        return assignment == null ? List.of() : assignment.getCategoryIds();
    }

    private static long importsOf(String category) {
        return TopicRecords.<SettingsCommand>valuesFor(Topics.GLOBAL_COMMANDS.name(), "global").stream()
                .filter(command -> command.getAction() instanceof ImportCategoryFeed feed && feed.getCategoryId().equals(category))
                .count();
    }

    @Test
    void theCategoryFollowsItsFeedAndKeepsTheLastGoodCopyWhenAFetchFails() throws IOException {
        String run = Long.toString(System.nanoTime(), 36);
        String one = "one-" + run + ".example";
        String two = "two-" + run + ".example";
        String three = "three-" + run + ".example";
        answer = new Answer(200, "\"v1\"", gzip("# games feed\n" + one + "\n0.0.0.0 " + two + "\n"), false);
        String source = "http://127.0.0.1:" + feeds.getAddress().getPort() + "/games.txt.gz";

        http.put().uri("/api/v1/operator/category-feeds/games").headers(h -> h.setBearerAuth(operator))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("source", source, "refreshMinutes", 60))
                .exchange().expectStatus().isOk().expectHeader().valueEquals("ETag", "\"v1\"")
                .expectBody().jsonPath("$.source").isEqualTo(source).jsonPath("$.refreshMinutes").isEqualTo(60);

        // The scheduler fetches a new subscription by itself.
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (read("games").status().lastCheckedAt() == null && System.nanoTime() < deadline) {
            sleep(100);
        }
        SubscriptionView first = read("games");
        assertThat(first.status().domainsInForce()).isEqualTo(2);
        assertThat(first.status().consecutiveFailures()).isZero();
        assertThat(requests.get(0)).as("nothing in force yet: an unconditional request").isEmpty();
        assertThat(categoriesOf(one)).containsExactly("games");
        assertThat(categoriesOf(two)).containsExactly("games");
        long imports = importsOf("games");
        assertThat(imports).isEqualTo(1);

        // The conditional request gets a 304: checked, nothing imported. (An unconditional one would get another list.)
        answerIfNoneMatch = "\"v1\"";
        answer = new Answer(200, "\"other\"", gzip("other-" + run + ".example\n"), false);
        SubscriptionView notModified = refresh("games");
        assertThat(requests.get(requests.size() - 1)).containsEntry("If-None-Match", "\"v1\"");
        assertThat(notModified.status().lastCheckedAt()).isAfter(first.status().lastCheckedAt());
        assertThat(notModified.status().lastSuccessAt()).isEqualTo(notModified.status().lastCheckedAt());
        assertThat(notModified.status().lastChangedAt()).isEqualTo(first.status().lastChangedAt());
        assertThat(importsOf("games")).as("a 304 sends no import").isEqualTo(imports);

        // A changed list, gzip by Content-Encoding: the category follows it.
        answerIfNoneMatch = null;
        answer = new Answer(200, "\"v2\"", gzip(two + "\n" + three + "\n"), true);
        SubscriptionView changed = refresh("games");
        assertThat(changed.status().lastChangedAt()).isEqualTo(changed.status().lastCheckedAt());
        assertThat(changed.status().domainsInForce()).isEqualTo(2);
        assertThat(categoriesOf(one)).as("no longer listed: removed").isEmpty();
        assertThat(categoriesOf(two)).containsExactly("games");
        assertThat(categoriesOf(three)).containsExactly("games");
        assertThat(importsOf("games")).isEqualTo(imports + 1);

        // A server error, then garbage: failures reported, the previous domains stay.
        answer = new Answer(500, null, "oops".getBytes(StandardCharsets.UTF_8), false);
        SubscriptionView failed = refresh("games");
        assertThat(requests.get(requests.size() - 1)).containsEntry("If-None-Match", "\"v2\"");
        assertThat(failed.status().consecutiveFailures()).isEqualTo(1);
        assertThat(failed.status().lastError()).contains("HTTP 500");
        assertThat(failed.status().lastSuccessAt()).isEqualTo(changed.status().lastSuccessAt());

        byte[] garbage = new byte[20_000];
        new Random(14).nextBytes(garbage);
        answer = new Answer(200, "\"v3\"", garbage, false);
        SubscriptionView unusable = refresh("games");
        assertThat(unusable.status().consecutiveFailures()).isEqualTo(2);
        assertThat(unusable.status().lastError()).containsAnyOf("no domains", "not domains", "longer than");

        answer = new Answer(200, "\"v4\"", "<html><body>Service unavailable</body></html>\n".getBytes(StandardCharsets.UTF_8), false);
        SubscriptionView html = refresh("games");
        assertThat(html.status().consecutiveFailures()).isEqualTo(3);
        assertThat(html.status().lastError()).contains("no domains");
        assertThat(html.status().domainsInForce()).isEqualTo(2);
        assertThat(html.status().lastChangedAt()).isEqualTo(changed.status().lastChangedAt());
        assertThat(categoriesOf(two)).containsExactly("games");
        assertThat(categoriesOf(three)).containsExactly("games");
        assertThat(importsOf("games")).as("nothing replaced by a failed fetch").isEqualTo(imports + 1);

        http.get().uri("/api/v1/operator/category-feeds").headers(h -> h.setBearerAuth(operator)).exchange().expectStatus().isOk()
                .expectBody().jsonPath("$[?(@.categoryId == 'games')].status.consecutiveFailures").isEqualTo(List.of(3));

        // One source per category: the one-off import is refused while the subscription feeds it.
        http.put().uri("/api/v1/categories/games/domains").headers(h -> h.setBearerAuth(operator)).contentType(MediaType.TEXT_PLAIN)
                .bodyValue("manual.example\n").exchange().expectStatus().isEqualTo(409);

        http.delete().uri("/api/v1/operator/category-feeds/games").headers(h -> h.setBearerAuth(operator)).exchange()
                .expectStatus().isNoContent();
        http.get().uri("/api/v1/operator/category-feeds/games").headers(h -> h.setBearerAuth(operator)).exchange()
                .expectStatus().isNotFound();
        assertThat(categoriesOf(two)).as("ending the subscription keeps the domains").containsExactly("games");
    }

    @Test
    void aDemoFeedOfTheRepositoryIsAFileSourceOfNearlyTwoHundredThousandDomainsInOneRecord() {
        Path phishing = Path.of("..", "demo", "feeds", "phishing.txt.gz").toAbsolutePath().normalize();
        long started = System.nanoTime();
        subscribe("malware", Map.of("source", phishing.toUri().toString(), "refreshMinutes", 60)).isOk();
        // Asked at once, the refresh answers with the first fetch's outcome, recorded and shown (as the local stack reads it).
        SubscriptionView loaded = refresh("malware");
        System.out.printf("phishing.txt.gz as a file source: %d domains in force after %d ms%n",
                loaded.status().domainsInForce(), Duration.ofNanos(System.nanoTime() - started).toMillis());
        assertThat(loaded.status().lastError()).isNull();
        assertThat(loaded.status().domainsInForce()).isGreaterThan(150_000);
        assertThat(categoriesOf("31385000.com")).contains("malware");

        SubscriptionView again = refresh("malware");
        assertThat(again.status().lastCheckedAt()).isAfter(loaded.status().lastCheckedAt());
        assertThat(again.status().lastChangedAt()).as("an unchanged file is not read again").isEqualTo(loaded.status().lastChangedAt());

        subscribe("malware", Map.of("source", "file:///etc/passwd")).isBadRequest().expectBody()
                .jsonPath("$.errors[0].reason").value(reason -> assertThat(reason.toString()).contains("under an allowed directory"));
        http.delete().uri("/api/v1/operator/category-feeds/malware").headers(h -> h.setBearerAuth(operator)).exchange()
                .expectStatus().isNoContent();
    }

    @Test
    void onlyTheOperatorSubscribesAndOnlyToAllowedSources() {
        String customer = RealInfrastructure.get().tokens().adminToken("a@example.com", UUID.randomUUID(), "SUPER_ADMIN", Duration.ofMinutes(5));
        http.get().uri("/api/v1/operator/category-feeds").headers(h -> h.setBearerAuth(customer)).exchange().expectStatus().isForbidden();
        http.put().uri("/api/v1/operator/category-feeds/gambling").headers(h -> h.setBearerAuth(customer))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("source", "https://lists.example.org/g.txt"))
                .exchange().expectStatus().isForbidden();
        subscribe("gambling", Map.of("source", "ftp://lists.example.org/g.txt")).isBadRequest().expectBody()
                .jsonPath("$.errors[0].field").isEqualTo("source");
        subscribe("gambling", Map.of("source", "https://lists.example.org/g.txt", "refreshMinutes", 0)).isBadRequest().expectBody()
                .jsonPath("$.errors[0].field").isEqualTo("refreshMinutes");
        subscribe("no-such-category", Map.of("source", "https://lists.example.org/g.txt")).isNotFound();
        http.post().uri("/api/v1/operator/category-feeds/gambling/refresh").headers(h -> h.setBearerAuth(operator)).exchange()
                .expectStatus().isNotFound();
    }

    private org.springframework.test.web.reactive.server.StatusAssertions subscribe(String category, Map<String, Object> body) {
        return http.put().uri("/api/v1/operator/category-feeds/{c}", category).headers(h -> h.setBearerAuth(operator))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange().expectStatus();
    }
}
