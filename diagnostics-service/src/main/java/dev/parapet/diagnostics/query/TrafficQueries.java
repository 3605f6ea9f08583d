package dev.parapet.diagnostics.query;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.springframework.stereotype.Component;

import dev.parapet.diagnostics.traffic.TrafficKeys;
import dev.parapet.diagnostics.traffic.TrafficProcessor;

/** Reads an account's traffic counters from this instance's window stores. */
@Component
public class TrafficQueries {

    /** The security categories that reports call out. */
    public static final List<String> SECURITY_CATEGORIES = List.of("phishing", "malware", "ransomware", "scam");

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

    /** One window of a time series. */
    public record Bucket(Instant start, long queries, long stopped, Map<String, Long> byAction) {
    }

    /** Queries and stopped (blocked or warned) queries for one value of a dimension. */
    public record Count(String id, long queries, long stopped) {
    }

    /** A name and how often it was asked. */
    public record NameCount(String name, long count) {
    }

    /** An account's activity and security report over a time range. */
    public record Summary(Instant from, Instant to, Interval resolution, long queries, long stopped, Map<String, Long> byAction,
                          List<Count> byLocation, List<Count> byAgent, List<Count> byUser, List<Count> byCategory,
                          List<NameCount> topStopped, List<NameCount> topAllowed, Map<String, Long> securityStopped) {
    }

    private final Instances instances;

    public TrafficQueries(Instances instances) {
        this.instances = instances;
    }

    /** Windows from {@code from} (rounded down to the interval) until {@code to}, empty windows included. */
    public List<Bucket> series(UUID account, Instant from, Instant to, Interval interval, KeyQueryMetadata metadata) {
        ReadOnlyWindowStore<String, Long> store = instances.store(interval.store, QueryableStoreTypes.windowStore(), metadata);
        long first = from.toEpochMilli() - Math.floorMod(from.toEpochMilli(), interval.millis);
        TreeMap<Long, long[]> totals = new TreeMap<>();
        Map<Long, Map<String, Long>> actions = new HashMap<>();
        for (long t = first; t < to.toEpochMilli(); t += interval.millis) {
            totals.put(t, new long[2]);
            actions.put(t, new TreeMap<>());
        }
        String prefix = TrafficKeys.prefix(account);
        try (KeyValueIterator<Windowed<String>, Long> it = store.fetch(prefix, TrafficKeys.end(account),
                Instant.ofEpochMilli(first), to.minusMillis(1))) {
            it.forEachRemaining(kv -> {
                long[] bucket = totals.get(kv.key.window().start());
                if (bucket == null) {
                    return;
                }
                String dimension = TrafficKeys.dimension(kv.key.key());
                if (dimension.equals(TrafficKeys.TOTAL)) {
                    bucket[0] += kv.value;
                } else if (dimension.equals(TrafficKeys.STOPPED)) {
                    bucket[1] += kv.value;
                } else if (dimension.startsWith(TrafficKeys.ACTION)) {
                    actions.get(kv.key.window().start()).merge(dimension.substring(TrafficKeys.ACTION.length()), kv.value, Long::sum);
                }
            });
        }
        List<Bucket> series = new ArrayList<>(totals.size());
        totals.forEach((start, counts) -> series.add(new Bucket(Instant.ofEpochMilli(start), counts[0], counts[1], actions.get(start))));
        return series;
    }

    /** Totals and top lists over the range, from minute windows (hour windows for ranges over six hours). */
    public Summary summary(UUID account, Instant from, Instant to, int limit, KeyQueryMetadata metadata) {
        Interval interval = to.toEpochMilli() - from.toEpochMilli() > 6 * TrafficProcessor.HOUR ? Interval.HOUR : Interval.MINUTE;
        ReadOnlyWindowStore<String, Long> store = instances.store(interval.store, QueryableStoreTypes.windowStore(), metadata);
        long first = from.toEpochMilli() - Math.floorMod(from.toEpochMilli(), interval.millis);
        Map<String, Long> counts = new HashMap<>();
        try (KeyValueIterator<Windowed<String>, Long> it = store.fetch(TrafficKeys.prefix(account), TrafficKeys.end(account),
                Instant.ofEpochMilli(first), to.minusMillis(1))) {
            it.forEachRemaining(kv -> counts.merge(TrafficKeys.dimension(kv.key.key()), kv.value, Long::sum));
        }
        Map<String, Long> byAction = new TreeMap<>(strip(counts, TrafficKeys.ACTION));
        Map<String, Long> categoryStopped = strip(counts, TrafficKeys.CATEGORY_STOPPED);
        Map<String, Long> security = new java.util.LinkedHashMap<>();
        SECURITY_CATEGORIES.forEach(category -> security.put(category, categoryStopped.getOrDefault(category, 0L)));
        return new Summary(Instant.ofEpochMilli(first), to, interval, counts.getOrDefault(TrafficKeys.TOTAL, 0L),
                counts.getOrDefault(TrafficKeys.STOPPED, 0L), byAction,
                dimension(counts, TrafficKeys.LOCATION, TrafficKeys.LOCATION_STOPPED, limit),
                dimension(counts, TrafficKeys.AGENT, null, limit),
                dimension(counts, TrafficKeys.USER, TrafficKeys.USER_STOPPED, limit),
                dimension(counts, TrafficKeys.CATEGORY, TrafficKeys.CATEGORY_STOPPED, limit),
                top(strip(counts, TrafficKeys.NAME_STOPPED), limit), top(strip(counts, TrafficKeys.NAME_ALLOWED), limit), security);
    }

    private static Map<String, Long> strip(Map<String, Long> counts, String prefix) {
        Map<String, Long> values = new HashMap<>();
        counts.forEach((dimension, count) -> {
            if (dimension.startsWith(prefix)) {
                values.put(dimension.substring(prefix.length()), count);
            }
        });
        return values;
    }

    private static List<Count> dimension(Map<String, Long> counts, String queries, String stopped, int limit) {
        Map<String, Long> all = strip(counts, queries);
        Map<String, Long> blocked = stopped == null ? Map.of() : strip(counts, stopped);
        Set<String> ids = all.keySet();
        return ids.stream().map(id -> new Count(id, all.get(id), blocked.getOrDefault(id, 0L)))
                .sorted(Comparator.comparingLong(Count::queries).reversed().thenComparing(Count::id)).limit(limit).toList();
    }

    private static List<NameCount> top(Map<String, Long> names, int limit) {
        return names.entrySet().stream().map(e -> new NameCount(e.getKey(), e.getValue()))
                .sorted(Comparator.comparingLong(NameCount::count).reversed().thenComparing(NameCount::name)).limit(limit).toList();
    }
}
