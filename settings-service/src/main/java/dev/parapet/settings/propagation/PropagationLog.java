package dev.parapet.settings.propagation;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;

/**
 * Which resolvers have applied which recent change, and when: the recent changes (each the records
 * one command wrote, with their offsets) and what each resolver instance last reported (the offsets
 * in force there). A resolver has applied a change when, for every record of the change on a topic
 * it follows, the offset in force on that partition is past the record: offsets, not versions,
 * because one account's records spread over several partitions and topics, and an instance applies
 * each partition in order.
 *
 * <p>When each resolver applied a change is the time of its first report that covered it: resolvers
 * report right after each batch they apply, so that is when it came into force. It is known exactly
 * when the report before it did not cover the change (or it was the instance's first report: it
 * started with the change in force); a change learnt of after its covering reports were gone (this
 * instance started later) has counts but no time.
 *
 * <p>Plain Java, no clock of its own (times are passed in), safe to call from several threads.
 */
public final class PropagationLog {

    /**
     * How a change stands with the resolvers.
     *
     * @param carried          whether resolvers enforce this kind of change at all (agent settings they do not)
     * @param applied          live resolvers that have it in force
     * @param total            live resolvers that enforce what it changed
     * @param lastAppliedAfter once all have applied it: the longest any of them took, from the write (or
     *                         from its own start, for one that started after the write); empty until
     *                         then, or when this instance did not see it happen
     */
    public record ResolverStatus(boolean carried, int applied, int total, Optional<Duration> lastAppliedAfter) {

        /** In force on every live resolver (and there is at least one). */
        public boolean enforced() {
            return carried && total > 0 && applied == total;
        }

        /** Nothing more to wait for: enforced everywhere, no resolver counts, or resolvers do not carry it. */
        public boolean settled() {
            return !carried || total == 0 || applied == total;
        }
    }

    /** When one resolver applied a change, and whether that time is known exactly. */
    private record Applied(Instant at, boolean measured) {
    }

    private static final class Entry {
        private Change change;
        private final Map<String, Applied> applied = new HashMap<>();

        Entry(Change change) {
            this.change = change;
        }
    }

    /** One resolver instance's recent reports, oldest first. */
    private static final class Instance {
        private final ArrayDeque<ResolverReport> history = new ArrayDeque<>();

        ResolverReport latest() {
            return history.peekLast();
        }
    }

    /** Reports kept per instance to place a change learnt of after the report that covered it. */
    static final int HISTORY = 64;

    private final int maxChanges;
    private final Duration keepFor;
    private final LinkedHashMap<UUID, Entry> changes = new LinkedHashMap<>();
    private final Map<String, Instance> instances = new HashMap<>();
    /** The topics any resolver has been seen to follow: what resolvers carry. */
    private final Set<String> resolverTopics = new HashSet<>();

    /**
     * @param maxChanges changes kept at most (the oldest go first)
     * @param keepFor    how long a change is kept after it was written
     */
    public PropagationLog(int maxChanges, Duration keepFor) {
        this.maxChanges = maxChanges;
        this.keepFor = keepFor;
    }

    /**
     * Notes a record a command wrote (the first one makes the change known). {@code version} is the
     * version the record carries, for the topics agents are sent.
     */
    public synchronized void written(UUID changeId, UUID accountId, Instant writtenAt, RecordPosition record,
                                     OptionalLong version, Instant now) {
        Entry entry = changes.get(changeId);
        if (entry == null) {
            if (writtenAt.plus(keepFor).isBefore(now)) {
                return;
            }
            entry = new Entry(new Change(changeId, accountId, writtenAt, List.of(), Map.of()));
            changes.put(changeId, entry);
            evict(now);
        } else if (!entry.change.accountId().equals(accountId)) {
            return;
        }
        Entry changed = entry;
        changed.change = changed.change.with(record, version);
        changed.applied.clear();
        instances.forEach((id, instance) -> firstCovering(instance, changed.change).ifPresent(applied -> changed.applied.put(id, applied)));
    }

    /** Takes a resolver's report: the changes it covers for the first time are applied there now. */
    public synchronized void reported(ResolverReport report) {
        Instance instance = instances.computeIfAbsent(report.instanceId(), id -> new Instance());
        boolean firstSeen = instance.history.isEmpty();
        instance.history.addLast(report);
        while (instance.history.size() > HISTORY) {
            instance.history.removeFirst();
        }
        resolverTopics.addAll(report.topics());
        boolean measured = !firstSeen || firstReportOfItsInstance(report);
        for (Entry entry : changes.values()) {
            if (!entry.applied.containsKey(report.instanceId()) && report.covers(entry.change)) {
                entry.applied.put(report.instanceId(), new Applied(report.reportedAt(), measured));
            }
        }
    }

    /** The instance stopped cleanly: it no longer counts. */
    public synchronized void stopped(String instanceId) {
        instances.remove(instanceId);
    }

    /** Forgets instances silent for longer than changes are kept (crashed ones that sent no tombstone). */
    public synchronized void forgetSilent(Instant now) {
        instances.values().removeIf(instance -> instance.latest().reportedAt().plus(keepFor).isBefore(now));
    }

    public synchronized Optional<Change> change(UUID changeId) {
        Entry entry = changes.get(changeId);
        return entry == null ? Optional.empty() : Optional.of(entry.change);
    }

    /** How the change stands with the resolvers live at {@code now}; empty for a change not (or no longer) known. */
    public synchronized Optional<ResolverStatus> resolvers(UUID changeId, Instant now) {
        Entry entry = changes.get(changeId);
        if (entry == null) {
            return Optional.empty();
        }
        Change change = entry.change;
        boolean carried = resolverTopics.isEmpty()
                || change.records().stream().anyMatch(record -> resolverTopics.contains(record.topic()));
        int total = 0;
        int applied = 0;
        boolean measured = true;
        Duration longest = Duration.ZERO;
        for (Map.Entry<String, Instance> instance : instances.entrySet()) {
            ResolverReport latest = instance.getValue().latest();
            if (!latest.liveAt(now) || !latest.concerns(change)) {
                continue;
            }
            total++;
            if (!latest.covers(change)) {
                continue;
            }
            applied++;
            Applied at = entry.applied.get(instance.getKey());
            if (at == null || !at.measured()) {
                measured = false;
                continue;
            }
            Instant from = latest.startedAt().isAfter(change.writtenAt()) ? latest.startedAt() : change.writtenAt();
            // Never below zero: the resolver's clock and the writer's may differ a little.
            Duration took = Duration.between(from, at.at());
            if (took.compareTo(longest) > 0) {
                longest = took;
            }
        }
        Optional<Duration> lastAppliedAfter = total > 0 && applied == total && measured ? Optional.of(longest) : Optional.empty();
        return Optional.of(new ResolverStatus(carried, applied, total, lastAppliedAfter));
    }

    /** Changes known (for health). */
    public synchronized int size() {
        return changes.size();
    }

    /** Resolver instances known, live or not yet forgotten. */
    public synchronized int instances() {
        return instances.size();
    }

    /** The instance's first report that covers the change, if any is still kept. */
    private static Optional<Applied> firstCovering(Instance instance, Change change) {
        boolean earlier = false;
        for (ResolverReport report : instance.history) {
            if (report.covers(change)) {
                return Optional.of(new Applied(report.reportedAt(), earlier || firstReportOfItsInstance(report)));
            }
            earlier = true;
        }
        return Optional.empty();
    }

    /** An instance's first report is made as it starts enforcing: its start time is its report time. */
    private static boolean firstReportOfItsInstance(ResolverReport report) {
        return report.reportedAt().equals(report.startedAt());
    }

    private void evict(Instant now) {
        Iterator<Entry> oldest = changes.values().iterator();
        while (oldest.hasNext()) {
            Entry entry = oldest.next();
            if (changes.size() > maxChanges || entry.change.writtenAt().plus(keepFor).isBefore(now)) {
                oldest.remove();
            } else {
                break;
            }
        }
    }
}
