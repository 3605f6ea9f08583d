package dev.parapet.settings;

import dev.parapet.kit.testing.TestAgents;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.parapet.kit.testing.SecondInstanceResources;
import dev.parapet.schemas.v1.keys.KeyStatus;
import dev.parapet.stack.RealInfrastructure;

/**
 * Two instances of settings-service at once (this test's context and a second one started here):
 * writes through either reach the one writer, reads agree, and agents' streams keep working when
 * the other instance stops; an agent of the stopped instance resumes exactly on the surviving one.
 */
@SettingsServiceSpringTest
class TwoInstancesTest {

    @LocalServerPort
    int port;

    private static ConfigurableApplicationContext startSecondInstance() {
        return new SpringApplicationBuilder(SettingsServiceApplication.class, SecondInstanceResources.class).run(
                "--server.port=0",
                "--parapet.settings.encryption-keys.test1=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
                "--parapet.settings.current-encryption-key=test1",
                "--parapet.settings.state-directory=target/streams/second-" + UUID.randomUUID(),
                "--parapet.settings.operator-accounts=" + SettingsServiceSpringTest.OPERATOR_ACCOUNT);
    }

    private static WebTestClient client(String base) {
        return WebTestClient.bindToServer().baseUrl(base).responseTimeout(Duration.ofSeconds(60)).build();
    }

    private static String etag(WebTestClient http, UUID account, String admin) {
        return http.get().uri("/api/v1/accounts/{a}/agent-settings", account).headers(h -> h.setBearerAuth(admin))
                .exchange().expectBody(String.class).returnResult().getResponseHeaders().getETag();
    }

    private static int put(WebTestClient http, UUID account, String admin, String ifMatch, boolean value) {
        return http.put().uri("/api/v1/accounts/{a}/agent-settings", account).headers(h -> {
                    h.setBearerAuth(admin);
                    if (ifMatch != null) {
                        h.setIfMatch(ifMatch);
                    }
                }).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("userAuthentication", true, "enforceUserAuthentication", value, "manageUpdates", value))
                .exchange().expectBody(String.class).returnResult().getStatus().value();
    }

    /** Every thread's whole stack and what it waits on (ThreadInfo.toString stops at eight frames). */
    private static String threadDump() {
        StringBuilder dump = new StringBuilder();
        for (ThreadInfo thread : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            dump.append('"').append(thread.getThreadName()).append("\" ").append(thread.getThreadState());
            if (thread.getLockName() != null) {
                dump.append(" on ").append(thread.getLockName());
            }
            if (thread.getLockOwnerName() != null) {
                dump.append(" owned by ").append(thread.getLockOwnerName());
            }
            dump.append('\n');
            for (StackTraceElement frame : thread.getStackTrace()) {
                dump.append("    at ").append(frame).append('\n');
            }
        }
        return dump.toString();
    }

    /** The last event with an id that arrives before the stream goes quiet for the given time. */
    private static ServerSentEvent<String> lastUntilQuiet(SseClient stream, Duration quiet) throws InterruptedException {
        ServerSentEvent<String> last = null;
        for (ServerSentEvent<String> event = stream.next(quiet); event != null && event != SseClient.END; event = stream.next(quiet)) {
            last = event;
        }
        return last;
    }

    @Test
    void twoInstancesAgreeAndStreamsSurviveTheOtherStopping() throws Exception {
        UUID account = UUID.randomUUID();
        String admin = RealInfrastructure.get().tokens().adminToken("admin@example.com", account, "FULL_ADMIN", Duration.ofMinutes(10));
        String first = "http://127.0.0.1:" + port;
        try (TestAgents agents = new TestAgents();
             ConfigurableApplicationContext second = startSecondInstance()) {
            String secondBase = "http://127.0.0.1:" + second.getEnvironment().getProperty("local.server.port");
            agents.key(account, 1, KeyStatus.ACTIVE);
            String onFirst = agents.agent(account, UUID.randomUUID(), 1);
            String onSecond = agents.agent(account, UUID.randomUUID(), 1);
            SseClient streamOnFirst = SseClient.openWhenAccepted(first, onFirst);
            SseClient streamOnSecond = SseClient.openWhenAccepted(secondBase, onSecond);
            assertThat(streamOnFirst.next().id()).isEqualTo("s0.e0");
            assertThat(streamOnSecond.next().id()).isEqualTo("s0.e0");

            WebTestClient a = client(first);
            WebTestClient b = client(secondBase);
            // Like a load balancer's readiness check: one write through the new instance before the crowd.
            long ready = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (put(b, account, admin, null, false) != 200) {
                assertThat(System.nanoTime()).as("the second instance takes writes").isLessThan(ready);
                Thread.sleep(200);
            }
            List<CompletableFuture<Void>> writers = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                WebTestClient via = i % 2 == 0 ? a : b;
                boolean value = i % 3 == 0;
                writers.add(CompletableFuture.runAsync(() -> {
                    while (put(via, account, admin, etag(via, account, admin), value) != 200) {
                        Thread.onSpinWait();
                    }
                }));
            }
            try {
                CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).get(50, TimeUnit.SECONDS);
            } catch (TimeoutException stuck) {
                throw new AssertionError("20 writers not done after 50 s; the threads then:\n" + threadDump(), stuck);
            }
            assertThat(etag(a, account, admin)).isEqualTo("\"v21\"");
            assertThat(etag(b, account, admin)).isEqualTo("\"v21\"");
            assertThat(lastUntilQuiet(streamOnFirst, Duration.ofSeconds(2)).id()).isEqualTo("s21.e0");
            ServerSentEvent<String> lastOnSecond = lastUntilQuiet(streamOnSecond, Duration.ofSeconds(2));
            assertThat(lastOnSecond.id()).isEqualTo("s21.e0");

            long stopping = System.nanoTime();
            second.close();
            assertThat(streamOnSecond.next(Duration.ofSeconds(10))).as("the stopped instance's stream ends").isSameAs(SseClient.END);
            assertThat(Duration.ofNanos(System.nanoTime() - stopping)).as("its streams end at once, not after the shutdown's grace period")
                    .isLessThan(Duration.ofSeconds(15));
            try (SseClient resumed = new SseClient(first, onSecond, lastOnSecond.id())) {
                a.put().uri("/api/v1/accounts/{a}/exceptions", account).headers(h -> h.setBearerAuth(admin))
                        .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("domains", List.of("intranet.example"), "ipRanges", List.of()))
                        .exchange().expectStatus().isOk().expectBody().returnResult();
                ServerSentEvent<String> onFirstAfter = streamOnFirst.next();
                assertThat(onFirstAfter.id()).isEqualTo("s21.e1");
                ServerSentEvent<String> onResumed = resumed.next();
                assertThat(onResumed.event()).isEqualTo("exceptions");
                assertThat(onResumed.id()).as("resumed exactly: nothing before, nothing twice").isEqualTo("s21.e1");
                assertThat(resumed.next(Duration.ofMillis(500))).isNull();
            } finally {
                streamOnFirst.close();
                streamOnSecond.close();
            }
        }
    }
}
