package dev.parapet.diagnostics.audit;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Predicate;

import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.springframework.stereotype.Component;

import dev.parapet.diagnostics.query.Instances;

/** Reads an account's audit log from this instance's store, newest first. */
@Component
public class AuditQueries {

    /** A page of the log: {@code matching} counts every event the filter keeps, {@code events} the page's. */
    public record AuditPage(long matching, int page, int size, List<AuditEntry> events) {
    }

    /**
     * What to keep: events from {@code from} (inclusive) until {@code to} (exclusive), each null for unbounded; an
     * action that starts with {@code action} ("policy." keeps every policy change); an actor and a resource type
     * exactly; {@code text} anywhere in the resource id or the before and after states, ignoring case.
     */
    public record Filter(Instant from, Instant to, String action, String actor, String resourceType, String text) {

        Predicate<AuditEntry> predicate() {
            String needle = text == null ? null : text.toLowerCase(Locale.ROOT);
            return entry -> (from == null || !entry.occurredAt().isBefore(from))
                    && (to == null || entry.occurredAt().isBefore(to))
                    && (action == null || entry.action().startsWith(action))
                    && (actor == null || actor.equals(entry.actor()) || entry.actorEmail() != null && actor.equalsIgnoreCase(entry.actorEmail()))
                    && (resourceType == null || resourceType.equals(entry.resourceType()))
                    && (needle == null || contains(entry.resourceId(), needle) || contains(entry.before(), needle)
                    || contains(entry.after(), needle));
        }

        private static boolean contains(String value, String needle) {
            return value != null && value.toLowerCase(Locale.ROOT).contains(needle);
        }
    }

    private final Instances instances;

    public AuditQueries(Instances instances) {
        this.instances = instances;
    }

    public AuditPage page(UUID account, KeyQueryMetadata metadata, Filter filter, int page, int size) {
        ReadOnlyKeyValueStore<String, AuditEntry> store = instances.store(AuditProcessor.STORE, QueryableStoreTypes.keyValueStore(), metadata);
        try (KeyValueIterator<String, AuditEntry> events = store.prefixScan(AuditKeys.prefix(account), new StringSerializer())) {
            return page(events, filter, page, size);
        }
    }

    /** The page of what the filter keeps, from events newest first. */
    static AuditPage page(java.util.Iterator<org.apache.kafka.streams.KeyValue<String, AuditEntry>> events, Filter filter, int page, int size) {
        Predicate<AuditEntry> keep = filter.predicate();
        long skip = (long) page * size;
        long matching = 0;
        List<AuditEntry> shown = new ArrayList<>();
        while (events.hasNext()) {
            AuditEntry entry = events.next().value;
            if (entry == null || !keep.test(entry)) {
                continue;
            }
            if (matching >= skip && shown.size() < size) {
                shown.add(entry);
            }
            matching++;
        }
        return new AuditPage(matching, page, size, shown);
    }
}
