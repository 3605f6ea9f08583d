package dev.parapet.kit.audit;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.kafka.core.KafkaTemplate;

import dev.parapet.kit.problem.Problems;
import dev.parapet.kit.security.Admin;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.common.Actor;
import dev.parapet.schemas.v1.common.ActorKind;
import dev.parapet.schemas.v1.audit.AuditEvent;
import dev.parapet.schemas.v1.audit.Outcome;
import reactor.core.publisher.Mono;

/**
 * What an administrator did through an HTTP API without a command behind it (a secret revealed or downloaded, a
 * pseudonym re-identified), recorded in the audit log before the answer is given: built one way in every service,
 * and sent with one bound on the wait. When the audit log does not take the event within {@link #WAIT}, the request
 * fails with 503 and shows nothing, so that no secret is ever shown unrecorded.
 */
public final class AdminAudit {

    /** The longest a request waits for the audit log to take its event. */
    public static final Duration WAIT = Duration.ofSeconds(10);

    private AdminAudit() {
    }

    /** The administrator as the audit log names an actor. */
    public static Actor actor(Admin admin) {
        return new Actor(admin.subject(), admin.role().name(), ActorKind.ADMIN, admin.email());
    }

    /** The address the request came from, as the server saw it; null when unknown. */
    public static String sourceAddress(ServerHttpRequest http) {
        InetSocketAddress remote = http.getRemoteAddress();
        return remote == null || remote.getAddress() == null ? null : remote.getAddress().getHostAddress();
    }

    /** A successful action of {@code admin} in {@code accountId} on one resource; {@code before}/{@code after} JSON text or null. */
    public static AuditEvent event(Admin admin, UUID accountId, String action, String resourceType, String resourceId, String before,
                                   String after, ServerHttpRequest http) {
        return AuditEvent.newBuilder().setEventId(UUID.randomUUID()).setOccurredAt(Instant.now()).setAccountId(accountId)
                .setActor(actor(admin)).setAction(action).setResourceType(resourceType).setResourceId(resourceId)
                .setBefore(before).setAfter(after).setOutcome(Outcome.SUCCESS).setSourceAddress(sourceAddress(http)).build();
    }

    /**
     * Sends the event to the audit log, keyed by its account; completes once the broker has it. Fails with 503
     * (nothing done, try again) when the broker did not take it within {@link #WAIT}, or refused it.
     */
    public static Mono<Void> record(KafkaTemplate<String, Object> kafka, AuditEvent event) {
        return record(kafka, event, WAIT);
    }

    static Mono<Void> record(KafkaTemplate<String, Object> kafka, AuditEvent event, Duration wait) {
        return Mono.fromFuture(() -> kafka.send(Topics.AUDIT.name(), event.getAccountId().toString(), event)).timeout(wait)
                .onErrorMap(failure -> Problems.unavailable("The audit log could not record this; nothing was done. Try again."))
                .then();
    }
}
