package dev.parapet.diagnostics.audit;

import java.time.Instant;

import dev.parapet.schemas.v1.audit.AuditEvent;

/**
 * One audit event as the audit log keeps and shows it.
 *
 * @param before the state before, as the writing service redacted it (JSON text), or null
 * @param after  the state after, likewise
 * @param actorEmail the administrator's email address where their token named one (for people), else null
 */
public record AuditEntry(String eventId, Instant occurredAt, String accountId, String actor, String actorRole, String actorKind,
                         String action, String resourceType, String resourceId, String before, String after, String outcome,
                         String sourceAddress, String actorEmail) {

    static AuditEntry of(AuditEvent event) {
        return new AuditEntry(event.getEventId().toString(), event.getOccurredAt(),
                event.getAccountId() == null ? null : event.getAccountId().toString(), event.getActor().getSubject(),
                event.getActor().getRole(), event.getActor().getKind().name(), event.getAction(), event.getResourceType(),
                event.getResourceId(), event.getBefore(), event.getAfter(), event.getOutcome().name(), event.getSourceAddress(),
                event.getActor().getEmail());
    }
}
