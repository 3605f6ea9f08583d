package dev.parapet.diagnostics.query;

import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.parapet.diagnostics.query.TrafficQueries.Bucket;
import dev.parapet.diagnostics.query.TrafficQueries.Count;
import dev.parapet.diagnostics.query.TrafficQueries.Interval;
import dev.parapet.diagnostics.query.TrafficQueries.NameCount;
import dev.parapet.diagnostics.query.TrafficQueries.Summary;
import dev.parapet.diagnostics.traffic.TrafficKeys;

/**
 * Reports from counters: a window's counts as a {@link Bucket}, and a range's counts (each dimension
 * of {@link TrafficKeys} summed over the range's windows) as a {@link Summary}. Pure: {@link TrafficQueries}
 * reads the counters from the stores.
 */
public final class TrafficReports {

    /** The security categories that reports call out. */
    public static final List<String> SECURITY_CATEGORIES = List.of("phishing", "malware", "ransomware", "scam");

    private TrafficReports() {
    }

    /** One window's counters, added one dimension at a time; the other dimensions are ignored. */
    public static final class BucketCounts {

        private long queries;
        private long stopped;
        private long failed;
        private final Map<String, Long> byAction = new TreeMap<>();

        public void add(String dimension, long count) {
            if (dimension.equals(TrafficKeys.TOTAL)) {
                queries += count;
            } else if (dimension.equals(TrafficKeys.STOPPED)) {
                stopped += count;
            } else if (dimension.equals(TrafficKeys.FAILED)) {
                failed += count;
            } else if (dimension.startsWith(TrafficKeys.ACTION)) {
                byAction.merge(dimension.substring(TrafficKeys.ACTION.length()), count, Long::sum);
            }
        }

        public Bucket bucket(Instant start) {
            return new Bucket(start, queries, stopped, failed, byAction);
        }
    }

    /** The range's summary from its counters (dimension → count summed over the range), top lists of at most {@code limit}. */
    public static Summary summary(Map<String, Long> counts, Instant from, Instant to, Interval resolution, int limit) {
        Map<String, Long> byAction = new TreeMap<>(strip(counts, TrafficKeys.ACTION));
        Map<String, Long> categoryStopped = strip(counts, TrafficKeys.CATEGORY_STOPPED);
        Map<String, Long> security = new LinkedHashMap<>();
        SECURITY_CATEGORIES.forEach(category -> security.put(category, categoryStopped.getOrDefault(category, 0L)));
        return new Summary(from, to, resolution, counts.getOrDefault(TrafficKeys.TOTAL, 0L),
                counts.getOrDefault(TrafficKeys.STOPPED, 0L), counts.getOrDefault(TrafficKeys.FAILED, 0L), byAction,
                dimension(counts, TrafficKeys.LOCATION, TrafficKeys.LOCATION_STOPPED, TrafficKeys.LOCATION_FAILED, limit),
                dimension(counts, TrafficKeys.AGENT, TrafficKeys.AGENT_STOPPED, TrafficKeys.AGENT_FAILED, limit),
                dimension(counts, TrafficKeys.USER, TrafficKeys.USER_STOPPED, TrafficKeys.USER_FAILED, limit),
                dimension(counts, TrafficKeys.CATEGORY, TrafficKeys.CATEGORY_STOPPED, TrafficKeys.CATEGORY_FAILED, limit),
                top(strip(counts, TrafficKeys.NAME_STOPPED), limit), top(strip(counts, TrafficKeys.NAME_ALLOWED), limit),
                top(strip(counts, TrafficKeys.NAME_FAILED), limit), security);
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

    private static List<Count> dimension(Map<String, Long> counts, String queries, String stopped, String failed, int limit) {
        Map<String, Long> all = strip(counts, queries);
        Map<String, Long> blocked = strip(counts, stopped);
        Map<String, Long> failures = strip(counts, failed);
        return all.keySet().stream().map(id -> new Count(id, all.get(id), blocked.getOrDefault(id, 0L), failures.getOrDefault(id, 0L)))
                .sorted(Comparator.comparingLong(Count::queries).reversed().thenComparing(Count::id)).limit(limit).toList();
    }

    private static List<NameCount> top(Map<String, Long> names, int limit) {
        return names.entrySet().stream().map(e -> new NameCount(e.getKey(), e.getValue()))
                .sorted(Comparator.comparingLong(NameCount::count).reversed().thenComparing(NameCount::name)).limit(limit).toList();
    }
}
