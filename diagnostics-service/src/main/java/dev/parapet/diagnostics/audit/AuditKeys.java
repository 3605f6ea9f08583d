package dev.parapet.diagnostics.audit;

import java.time.Instant;
import java.util.UUID;

/**
 * The audit log's store keys: {@code accountId/inverted time/eventId}, the time as 19 digits of
 * {@code Long.MAX_VALUE - epoch millis}, so that a prefix scan of an account reads its events newest first and the
 * same event written twice is kept once.
 */
final class AuditKeys {

    private AuditKeys() {
    }

    static String key(UUID account, Instant occurredAt, UUID eventId) {
        return prefix(account) + String.format("%019d", Long.MAX_VALUE - occurredAt.toEpochMilli()) + "/" + eventId;
    }

    static String prefix(UUID account) {
        return account + "/";
    }
}
