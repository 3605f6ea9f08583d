package dev.parapet.kit.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.web.ErrorResponseException;

import dev.parapet.kit.security.Admin;
import dev.parapet.kit.security.Role;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.audit.AuditEvent;
import dev.parapet.schemas.v1.audit.Outcome;
import dev.parapet.schemas.v1.common.ActorKind;

/** The audit event of an administrator's action, and its recording before the answer: given up on, and said, after a bound. */
class AdminAuditTest {

    final UUID account = UUID.randomUUID();
    final Admin admin = new Admin("sub-1", account, Role.FULL_ADMIN, Set.of(), Set.of(), "ann@example.com");
    final MockServerHttpRequest request = MockServerHttpRequest.get("/api")
            .remoteAddress(new InetSocketAddress("192.0.2.7", 40000)).build();

    /** A template whose sends answer with the future given, recording what was sent (the broker is not what is tested here). */
    static final class Answering extends KafkaTemplate<String, Object> {
        final List<String> sent = new ArrayList<>();
        CompletableFuture<SendResult<String, Object>> answer = new CompletableFuture<>();

        Answering() {
            super(new DefaultKafkaProducerFactory<>(Map.of()));
        }

        @Override
        public CompletableFuture<SendResult<String, Object>> send(String topic, String key, Object data) {
            sent.add(topic + " " + key + " " + ((AuditEvent) data).getAction());
            return answer;
        }
    }

    @Test
    void theEventNamesTheAdministratorTheResourceAndWhereTheRequestCameFrom() {
        AuditEvent event = AdminAudit.event(admin, account, "key.reveal", "key", "k-1", null, "{\"a\":1}", request);
        assertThat(event.getAccountId()).isEqualTo(account);
        assertThat(event.getActor().getSubject()).isEqualTo("sub-1");
        assertThat(event.getActor().getRole()).isEqualTo("FULL_ADMIN");
        assertThat(event.getActor().getKind()).isEqualTo(ActorKind.ADMIN);
        assertThat(event.getActor().getEmail()).isEqualTo("ann@example.com");
        assertThat(event.getAction()).isEqualTo("key.reveal");
        assertThat(event.getResourceType()).isEqualTo("key");
        assertThat(event.getResourceId()).isEqualTo("k-1");
        assertThat(event.getBefore()).isNull();
        assertThat(event.getAfter()).isEqualTo("{\"a\":1}");
        assertThat(event.getOutcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(event.getSourceAddress()).isEqualTo("192.0.2.7");
        assertThat(AdminAudit.sourceAddress(MockServerHttpRequest.get("/api").build())).isNull();
    }

    @Test
    void recordingCompletesOnceTheBrokerHasTheEventKeyedByItsAccount() {
        Answering kafka = new Answering();
        kafka.answer.complete(null);
        AdminAudit.record(kafka, AdminAudit.event(admin, account, "key.reveal", "key", "k-1", null, null, request)).block(Duration.ofSeconds(5));
        assertThat(kafka.sent).containsExactly(Topics.AUDIT.name() + " " + account + " key.reveal");
    }

    @Test
    void anAuditLogThatDoesNotAnswerOrRefusesFailsTheRequestWith503() {
        Answering silent = new Answering();
        AuditEvent event = AdminAudit.event(admin, account, "tamper-password.reveal", "tamper-protection", account.toString(), null, null,
                request);
        assertThatThrownBy(() -> AdminAudit.record(silent, event, Duration.ofMillis(200)).block(Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(ErrorResponseException.class,
                        e -> assertThat(e.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE));
        Answering refusing = new Answering();
        refusing.answer.completeExceptionally(new IllegalStateException("not authorised"));
        assertThatThrownBy(() -> AdminAudit.record(refusing, event).block(Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(ErrorResponseException.class,
                        e -> assertThat(e.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE));
    }
}
