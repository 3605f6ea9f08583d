package dev.parapet.settings.propagation;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What one resolver instance said it enforces: for each partition it follows, the next offset it
 * will read (every record below it is in force).
 *
 * @param instanceId  the dns-service process
 * @param startedAt   when it began enforcing (caught up)
 * @param reportedAt  when it reported (its clock)
 * @param heartbeat   how often it reports when nothing changes
 * @param next        per partition followed, the next offset to read
 */
public record ResolverReport(String instanceId, Instant startedAt, Instant reportedAt, Duration heartbeat,
                             Map<Partition, Long> next) {

    /** A partition of a topic. */
    public record Partition(String topic, int partition) {
    }

    /** A resolver silent for this many heartbeats no longer counts. */
    static final int SILENT_AFTER_HEARTBEATS = 3;

    public ResolverReport {
        next = Map.copyOf(next);
    }

    /** The topics this resolver follows (and so enforces). */
    public Set<String> topics() {
        return next.keySet().stream().map(Partition::topic).collect(Collectors.toUnmodifiableSet());
    }

    /** Whether the resolver still counts at {@code now}: it reported within three heartbeats. */
    public boolean liveAt(Instant now) {
        return reportedAt.plus(heartbeat.multipliedBy(SILENT_AFTER_HEARTBEATS)).isAfter(now);
    }

    /** Whether this resolver follows the record's topic at all. */
    public boolean follows(RecordPosition record) {
        return next.keySet().stream().anyMatch(partition -> partition.topic().equals(record.topic()));
    }

    /**
     * Whether every record of the change on a topic this resolver follows is in force here. A record
     * on a partition it does not report (one added since it started) is not.
     */
    public boolean covers(Change change) {
        for (RecordPosition record : change.records()) {
            if (follows(record)) {
                Long position = next.get(new Partition(record.topic(), record.partition()));
                if (position == null || position <= record.offset()) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Whether the change has a record on a topic this resolver follows. */
    public boolean concerns(Change change) {
        return change.records().stream().anyMatch(this::follows);
    }
}
