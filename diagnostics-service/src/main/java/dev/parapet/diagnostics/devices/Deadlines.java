package dev.parapet.diagnostics.devices;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * When each key (a device, or an account) is next due for another look, in time order: at most one
 * time per key, the latest scheduled replacing the one before. The findings that come with time alone
 * (no heartbeat, configuration behind) are reviewed by taking what is due, instead of reading every
 * device every few seconds. One stream thread uses it.
 *
 * <p>Every heartbeat moves its device's deadline later, so that is what must be cheap: it changes the
 * key's time and nothing else. Keys wait in buckets of about a second ({@value #BUCKET_SHIFT} bits of
 * milliseconds), each key in a bucket no later than its time; when a bucket comes due, a key whose time
 * has since moved on goes to the bucket of its new time (once per period of silence the rules allow,
 * not once per heartbeat), a cancelled one is dropped, and the rest are due. A time moved earlier puts
 * the key in the earlier bucket at once. What is due comes out exactly: by time to the millisecond,
 * then by key. (A sorted set of every key's time, moved on every heartbeat, cost a tenth of a
 * heartbeat's processing.)
 */
final class Deadlines<K extends Comparable<? super K>> {

    static final int BUCKET_SHIFT = 10;

    private final Map<K, Long> byKey = new HashMap<>();
    private final TreeMap<Long, Set<K>> buckets = new TreeMap<>();

    /** Due at {@code at} (epoch milliseconds), instead of any earlier time scheduled for it. */
    void schedule(K key, long at) {
        Long previous = byKey.put(key, at);
        if (previous == null || at < previous) {
            buckets.computeIfAbsent(at >> BUCKET_SHIFT, bucket -> new HashSet<>()).add(key);
        }
    }

    void cancel(K key) {
        byKey.remove(key);
    }

    /** The keys due at {@code now} or before, earliest first (then by key), no longer scheduled. */
    List<K> takeDue(long now) {
        List<Map.Entry<K, Long>> due = new ArrayList<>();
        List<K> later = new ArrayList<>();
        while (!buckets.isEmpty() && buckets.firstKey() <= now >> BUCKET_SHIFT) {
            for (K key : buckets.pollFirstEntry().getValue()) {
                Long at = byKey.get(key);
                if (at == null) {
                    continue;   // cancelled, or taken from an earlier bucket it had been moved to
                }
                if (at <= now) {
                    due.add(Map.entry(key, at));
                    byKey.remove(key);
                } else {
                    later.add(key);
                }
            }
        }
        for (K key : later) {
            buckets.computeIfAbsent(byKey.get(key) >> BUCKET_SHIFT, bucket -> new HashSet<>()).add(key);
        }
        due.sort(Map.Entry.<K, Long>comparingByValue().thenComparing(Map.Entry.comparingByKey()));
        List<K> keys = new ArrayList<>(due.size());
        due.forEach(entry -> keys.add(entry.getKey()));
        return keys;
    }

    int size() {
        return byKey.size();
    }

    void clear() {
        byKey.clear();
        buckets.clear();
    }
}
