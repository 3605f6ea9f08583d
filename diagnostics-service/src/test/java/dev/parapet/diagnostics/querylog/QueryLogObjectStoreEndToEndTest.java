package dev.parapet.diagnostics.querylog;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.jayway.jsonpath.JsonPath;

import dev.parapet.diagnostics.DiagnosticsServiceApplication;
import dev.parapet.diagnostics.DiagnosticsServiceSpringTest;
import dev.parapet.diagnostics.Feed;
import dev.parapet.kit.testing.SecondInstanceResources;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;
import dev.parapet.stack.RealInfrastructure;
import dev.parapet.stack.S3Proxy;

/**
 * diagnostics-service with its query log in an S3 bucket (S3Proxy 4.1.0 on loopback): verdicts published to the real
 * broker are written into the bucket and found through the API by their account only, and a second instance that
 * takes over after the first stopped (with an empty cache, as on another machine) resumes where the log's commit says,
 * so every verdict is there once. The shared test instance's writer is paused meanwhile, so that the bucket's
 * instances read every partition.
 */
@DiagnosticsServiceSpringTest
class QueryLogObjectStoreEndToEndTest {

    @Autowired
    QueryLogIngest sharedWriter;

    static ConfigurableApplicationContext instance(String url) {
        S3Proxy proxy = TestObjectStores.proxy();
        List<String> args = new ArrayList<>(List.of(DiagnosticsServiceSpringTest.SECOND_INSTANCE_ARGS));
        args.add("--parapet.diagnostics.state-directory=target/streams/s3-" + UUID.randomUUID());
        args.add("--parapet.diagnostics.query-log.max-delay=500ms");
        args.add("--parapet.diagnostics.query-log.object-store.url=" + url);
        args.add("--parapet.diagnostics.query-log.object-store.endpoint=" + proxy.endpoint());
        args.add("--parapet.diagnostics.query-log.object-store.access-key-id=" + proxy.accessKey());
        args.add("--parapet.diagnostics.query-log.object-store.secret-access-key=" + proxy.secretKey());
        args.add("--parapet.diagnostics.query-log.object-store.cache-directory=target/query-log-cache/" + UUID.randomUUID());
        args.add("--parapet.diagnostics.query-log.pseudonym-key=" + S3QueryLogTest.KEY);
        return new SpringApplicationBuilder(DiagnosticsServiceApplication.class, SecondInstanceResources.class).run(args.toArray(String[]::new));
    }

    static String token(UUID account) {
        return RealInfrastructure.get().tokens().adminToken("admin@example.com", account, "FULL_ADMIN", Duration.ofMinutes(10));
    }

    static long total(ConfigurableApplicationContext instance, UUID account, String token, String range) {
        var answer = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + instance.getEnvironment().getProperty("local.server.port"))
                .responseTimeout(Duration.ofSeconds(30)).build()
                .get().uri("/api/v1/accounts/" + account + "/query-log?size=1&" + range).headers(h -> h.setBearerAuth(token))
                .exchange().expectBody(String.class).returnResult();
        return answer.getStatus().value() == 200 ? JsonPath.<Integer>read(answer.getResponseBody(), "$.total") : -answer.getStatus().value();
    }

    static long awaitTotal(ConfigurableApplicationContext instance, UUID account, String range, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        long total = -1;
        while (System.nanoTime() < deadline) {
            total = total(instance, account, token(account), range);
            if (total >= expected) {
                return total;
            }
            Thread.sleep(250);
        }
        return total;
    }

    static List<DnsVerdict> verdicts(UUID account, Instant at, int from, int count) {
        List<DnsVerdict> verdicts = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            verdicts.add(Feed.verdict(account, at.plusSeconds(i), i % 5 == 0 ? Action.BLOCKED : Action.ALLOWED, "host" + i + ".s3.example",
                    List.of(), null, null, "ann@example.com"));
        }
        return verdicts;
    }

    @Test
    void verdictsAreWrittenIntoTheBucketOnceAcrossAnInstanceTakingOverAndFoundByTheirAccountOnly() throws Exception {
        UUID account = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        Instant at = Instant.now().minus(Duration.ofHours(2)).truncatedTo(ChronoUnit.MINUTES);
        String range = "from=" + at.minus(Duration.ofHours(1)) + "&to=" + at.plus(Duration.ofHours(1));
        String url = "s3://" + TestObjectStores.BUCKET + "/service-" + UUID.randomUUID();
        sharedWriter.stop();
        try (Feed feed = new Feed()) {
            feed.verdicts(verdicts(account, at, 0, 300));
            feed.verdicts(verdicts(other, at, 0, 7));
            try (ConfigurableApplicationContext first = instance(url)) {
                assertThat(awaitTotal(first, account, range, 300)).isEqualTo(300);
                // Its verdicts are on another partition, whose batch may come a moment after the account's.
                assertThat(awaitTotal(first, other, range, 7)).as("another account's own rows only").isEqualTo(7);
                assertThat(total(first, account, token(other), range)).as("another account's administrator").isEqualTo(-403);
            }
            feed.verdicts(verdicts(account, at, 300, 200));
            try (ConfigurableApplicationContext second = instance(url)) {
                assertThat(awaitTotal(second, account, range, 500)).isGreaterThanOrEqualTo(500);
                Thread.sleep(2_000);   // longer than the writer's delay: anything written twice would be there now
                assertThat(total(second, account, token(account), range)).as("every verdict once").isEqualTo(500);
            }
        } finally {
            sharedWriter.start();
        }
        // The objects are in the bucket, in Hive's layout under the prefix the service was given.
        S3ObjectStore.Location service = new S3ObjectStore.Location(java.net.URI.create(url), TestObjectStores.proxy().endpoint(), "us-east-1",
                true, TestObjectStores.proxy().accessKey(), TestObjectStores.proxy().secretKey());
        try (S3ObjectStore store = new S3ObjectStore(service)) {
            assertThat(store.list(QueryLogFiles.accountKey(account), null)).isNotEmpty()
                    .allMatch(listed -> listed.key().matches("verdicts/account=" + account + "/date=\\d{4}-\\d{2}-\\d{2}/hour=\\d{2}/\\d+-\\d+-\\d+-e\\d+\\.parquet"));
        }
    }
}
