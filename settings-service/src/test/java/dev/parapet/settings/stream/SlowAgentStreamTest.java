package dev.parapet.settings.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.parapet.kit.agents.AgentCredentialVerifier;
import dev.parapet.kit.agents.AgentCredentialVerifier.AgentIdentity;
import dev.parapet.kit.testing.TestAgents;
import dev.parapet.schemas.v1.keys.KeyStatus;
import dev.parapet.settings.SettingsServiceSpringTest;
import dev.parapet.stack.RealInfrastructure;
import reactor.core.publisher.BaseSubscriber;

/**
 * A stream is sent something only when its agent's side asks for it and its connection takes it;
 * nothing waits in between: an agent that reads nothing while the configuration changes three times
 * is then sent one event, the latest, and one whose connection is full is sent what it lacks, in
 * order, once it takes more.
 */
@SettingsServiceSpringTest
class SlowAgentStreamTest {

    @LocalServerPort
    int port;
    @Autowired
    AgentConfigurationStreams streams;
    @Autowired
    AgentCredentialVerifier verifier;

    WebTestClient http;
    TestAgents agents;
    UUID account;
    String admin;

    @BeforeEach
    void connect() throws Exception {
        http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(30)).build();
        agents = new TestAgents();
        account = UUID.randomUUID();
        admin = RealInfrastructure.get().tokens().adminToken("admin@example.com", account, "FULL_ADMIN", Duration.ofMinutes(10));
        agents.key(account, 1, KeyStatus.ACTIVE);
    }

    @AfterEach
    void close() {
        agents.close();
    }

    private void putSettings(boolean manageUpdates) {
        http.put().uri("/api/v1/accounts/{a}/agent-settings", account).headers(h -> h.setBearerAuth(admin))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("userAuthentication", true, "enforceUserAuthentication", false, "manageUpdates", manageUpdates))
                .exchange().expectStatus().isOk().expectBody().returnResult();
    }

    @Test
    void aSlowAgentIsSentTheLatestOnceItAsksAndNothingWaitsMeanwhile() throws Exception {
        String credential = agents.agent(account, UUID.randomUUID(), 1);
        TestAgents.awaitAccepted(verifier, credential);
        AgentIdentity agent = verifier.verify(credential).orElseThrow();
        AtomicBoolean writable = new AtomicBoolean(true);
        AgentSide side = new AgentSide();
        streams.open(agent, Optional.empty(), new StreamConnection(Runnable::run, writable::get, DefaultDataBufferFactory.sharedInstance))
                .subscribe(side);
        assertThat(side.await(1).get(0)).startsWith("id:s0.e0\nevent:configuration\n");

        putSettings(true);
        putSettings(false);
        putSettings(true);
        Thread.sleep(500);
        assertThat(side.received).as("asked for nothing: sent nothing").hasSize(1);
        assertThat(streams.delivered(account, OptionalLong.of(3), OptionalLong.empty()))
                .isEqualTo(new AgentConfigurationStreams.Delivery(1, 0));

        side.request(10);
        // Sent when asked, not at the next heartbeat (every 30 s here) or change.
        assertThat(side.await(2, Duration.ofSeconds(3)).get(1)).as("one event, the latest").startsWith("id:s3.e0\nevent:settings\n")
                .contains("\"manageUpdates\":true");
        Thread.sleep(300);
        assertThat(side.received).as("the versions in between are not sent").hasSize(2);

        writable.set(false);
        putSettings(false);
        Thread.sleep(500);
        assertThat(side.received).as("the connection takes nothing more: nothing is sent").hasSize(2);
        assertThat(streams.delivered(account, OptionalLong.of(4), OptionalLong.empty()))
                .isEqualTo(new AgentConfigurationStreams.Delivery(1, 0));

        writable.set(true);
        http.put().uri("/api/v1/accounts/{a}/exceptions", account).headers(h -> h.setBearerAuth(admin))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("domains", List.of("intranet.example"), "ipRanges", List.of()))
                .exchange().expectStatus().isOk().expectBody().returnResult();
        List<String> caughtUp = side.await(4);
        assertThat(caughtUp.get(2)).as("what it lacked, in order").startsWith("id:s4.e0\nevent:settings\n");
        assertThat(caughtUp.get(3)).startsWith("id:s4.e1\nevent:exceptions\n").contains("intranet.example");
        assertThat(streams.delivered(account, OptionalLong.of(4), OptionalLong.of(1)))
                .isEqualTo(new AgentConfigurationStreams.Delivery(1, 1));
        side.dispose();
    }

    /** The agent's side of the stream: asks for one event at first, then only when told to; keeps events, not comments. */
    private static final class AgentSide extends BaseSubscriber<DataBuffer> {

        final List<String> received = new CopyOnWriteArrayList<>();

        @Override
        protected void hookOnSubscribe(Subscription subscription) {
            request(1);
        }

        @Override
        protected void hookOnNext(DataBuffer buffer) {
            String frame = buffer.toString(StandardCharsets.UTF_8);
            if (!frame.startsWith(":")) {
                received.add(frame);
            }
        }

        List<String> await(int count) throws InterruptedException {
            return await(count, Duration.ofSeconds(20));
        }

        List<String> await(int count, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (received.size() < count && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(received).hasSizeGreaterThanOrEqualTo(count);
            return received;
        }
    }
}
