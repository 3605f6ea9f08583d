package dev.parapet.diagnostics.audit;

import java.time.Duration;
import java.time.Instant;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import dev.parapet.schemas.v1.audit.AuditEvent;

/**
 * Keeps the audit events of the accounts of its partition (the topic is keyed by account) under
 * {@link AuditKeys#key}, newest first within an account; an hourly wall-clock pass deletes what is older than the
 * retention (the topic's own, 400 days, unless configured shorter). A record without a value or account is skipped:
 * a change that spans accounts is the platform operator's, not an account's.
 */
public final class AuditProcessor implements Processor<String, AuditEvent, Void, Void> {

    public static final String STORE = "audit-log";

    private final Duration retention;
    private KeyValueStore<String, AuditEntry> store;

    public AuditProcessor(Duration retention) {
        this.retention = retention;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(STORE);
        context.schedule(Duration.ofHours(1), PunctuationType.WALL_CLOCK_TIME, now -> expire(Instant.ofEpochMilli(now)));
    }

    @Override
    public void process(Record<String, AuditEvent> record) {
        AuditEvent event = record.value();
        if (event == null || event.getAccountId() == null || event.getOccurredAt() == null) {
            return;
        }
        store.put(AuditKeys.key(event.getAccountId(), event.getOccurredAt(), event.getEventId()), AuditEntry.of(event));
    }

    void expire(Instant now) {
        Instant oldest = now.minus(retention);
        try (KeyValueIterator<String, AuditEntry> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<String, AuditEntry> entry = all.next();
                if (entry.value == null || entry.value.occurredAt().isBefore(oldest)) {
                    store.delete(entry.key);
                }
            }
        }
    }
}
