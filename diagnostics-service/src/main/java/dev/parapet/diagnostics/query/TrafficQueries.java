package dev.parapet.diagnostics.query;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.springframework.stereotype.Component;

import dev.parapet.diagnostics.traffic.MinuteJournal;
import dev.parapet.diagnostics.traffic.RolledHours;
import dev.parapet.diagnostics.traffic.TrafficKeys;
import dev.parapet.diagnostics.traffic.TrafficProcessor;

/** Reads an account's traffic counters from this instance's window stores. */
@Component
public class TrafficQueries {

    /** Report granularity. */
    public enum Interval {
        SECOND(TrafficProcessor.SECONDS_STORE, TrafficProcessor.SECOND),
        MINUTE(TrafficProcessor.MINUTES_STORE, TrafficProcessor.MINUTE),
        HOUR(TrafficProcessor.HOURS_STORE, TrafficProcessor.HOUR);

        public final String store;
        public final long millis;

        Interval(String store, long millis) {
            this.store = store;
            this.millis = millis;
        }
    }

    /** One window of a time series: queries, stopped (blocked or warned), failed (let through, not resolved), by action. */
    public record Bucket(Instant start, long queries, long stopped, long failed, Map<String, Long> byAction) {
    }

    /** Queries, stopped (blocked or warned) and failed (let through, not resolved) queries for one value of a dimension. */
    public record Count(String id, long queries, long stopped, long failed) {
    }

    /** A name and how often it was asked. */
    public record NameCount(String name, long count) {
    }

    /**
     * An account's activity and security report over a time range. {@code byAction} is the action of
     * the verdicts as written (a failed query is under ALLOWED, say); {@code failed} counts apart those
     * let through whose name was not resolved, {@code topAllowed} holds only resolved names and
     * {@code topFailed} the failed ones ({@link dev.parapet.diagnostics.traffic.TrafficCounting}).
     */
    public record Summary(Instant from, Instant to, Interval resolution, long queries, long stopped, long failed,
                          Map<String, Long> byAction, List<Count> byLocation, List<Count> byAgent, List<Count> byUser,
                          List<Count> byCategory, List<NameCount> topStopped, List<NameCount> topAllowed, List<NameCount> topFailed,
                          Map<String, Long> securityStopped) {
    }

    private final Instances instances;

    public TrafficQueries(Instances instances) {
        this.instances = instances;
    }

    /** Windows from {@code from} (rounded down to the interval) until {@code to}, empty windows included. */
    public List<Bucket> series(UUID account, Instant from, Instant to, Interval interval, KeyQueryMetadata metadata) {
        long first = from.toEpochMilli() - Math.floorMod(from.toEpochMilli(), interval.millis);
        TreeMap<Long, TrafficReports.BucketCounts> windows = new TreeMap<>();
        for (long t = first; t < to.toEpochMilli(); t += interval.millis) {
            windows.put(t, new TrafficReports.BucketCounts());
        }
        read(account, interval, first, to.toEpochMilli(), metadata, (key, window, count) -> {
            TrafficReports.BucketCounts bucket = windows.get(window);
            if (bucket != null) {
                bucket.add(TrafficKeys.dimension(key), count);
            }
        });
        List<Bucket> series = new ArrayList<>(windows.size());
        windows.forEach((start, window) -> series.add(window.bucket(Instant.ofEpochMilli(start))));
        return series;
    }

    /** Totals and top lists over the range, from minute windows (hour windows for ranges over six hours). */
    public Summary summary(UUID account, Instant from, Instant to, int limit, KeyQueryMetadata metadata) {
        Interval interval = to.toEpochMilli() - from.toEpochMilli() > 6 * TrafficProcessor.HOUR ? Interval.HOUR : Interval.MINUTE;
        long first = from.toEpochMilli() - Math.floorMod(from.toEpochMilli(), interval.millis);
        Map<String, Long> counts = new HashMap<>();
        read(account, interval, first, to.toEpochMilli(), metadata,
                (key, window, count) -> counts.merge(TrafficKeys.dimension(key), count, Long::sum));
        return TrafficReports.summary(counts, Instant.ofEpochMilli(first), to, interval, limit);
    }

    /**
     * The account's counters in the interval's windows from {@code first} until {@code to}. An hour is the hour store's
     * count plus its minutes not yet rolled up into it ({@link RolledHours}), to the end of the last hour: the hour store's
     * count of that hour is the whole hour's. A minute is the minute store's count plus its {@link MinuteJournal}'s.
     */
    private void read(UUID account, Interval interval, long first, long to, KeyQueryMetadata metadata, RolledHours.WindowCount each) {
        ReadOnlyWindowStore<String, Long> store = instances.store(interval.store, QueryableStoreTypes.windowStore(), metadata);
        try (KeyValueIterator<Windowed<String>, Long> it = store.fetch(TrafficKeys.prefix(account), TrafficKeys.end(account),
                Instant.ofEpochMilli(first), Instant.ofEpochMilli(to - 1))) {
            it.forEachRemaining(kv -> each.add(kv.key.key(), kv.key.window().start(), kv.value));
        }
        if (interval == Interval.MINUTE) {
            MinuteJournal.read(journal(metadata), TrafficKeys.prefix(account), first, to, each);
        } else if (interval == Interval.HOUR) {
            ReadOnlyWindowStore<String, Long> minutes = instances.store(Interval.MINUTE.store, QueryableStoreTypes.windowStore(), metadata);
            long end = RolledHours.hour(to - 1) + TrafficProcessor.HOUR;
            RolledHours.unrolled(minutes, RolledHours.rolledThrough(store), TrafficKeys.prefix(account), TrafficKeys.end(account), first,
                    end, each);
            MinuteJournal.read(journal(metadata), TrafficKeys.prefix(account), first, end,
                    (key, minute, count) -> each.add(key, RolledHours.hour(minute), count));
        }
    }

    private ReadOnlyKeyValueStore<String, byte[]> journal(KeyQueryMetadata metadata) {
        return instances.store(MinuteJournal.STORE, QueryableStoreTypes.keyValueStore(), metadata);
    }
}
