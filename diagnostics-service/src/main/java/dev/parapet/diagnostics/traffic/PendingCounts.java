package dev.parapet.diagnostics.traffic;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.streams.state.WindowStore;

/**
 * Counts added up in memory per window and key until they are written to a window store, so that a
 * busy counter (an account's total, its actions, locations and categories) costs one store read and
 * write per flush instead of one per verdict. Used by one stream thread only.
 */
final class PendingCounts {

    private final Map<Long, Map<String, long[]>> byWindow = new HashMap<>();
    /** The window most verdicts of a batch share, kept at hand. */
    private long lastWindow = Long.MIN_VALUE;
    private Map<String, long[]> lastCounts;
    private int size;

    void add(String key, long window) {
        add(key, window, 1);
    }

    /** Adds {@code n} to the key's count in the window; returns the count held now. */
    long add(String key, long window, long n) {
        Map<String, long[]> counts;
        if (window == lastWindow) {
            counts = lastCounts;
        } else {
            counts = byWindow.computeIfAbsent(window, w -> new HashMap<>());
            lastWindow = window;
            lastCounts = counts;
        }
        long[] count = counts.get(key);
        if (count == null) {
            counts.put(key, new long[] {n});
            size++;
            return n;
        }
        count[0] += n;
        return count[0];
    }

    /** Distinct keys held. */
    int size() {
        return size;
    }

    /** The count held for a key and window, 0 if none (for tests). */
    long held(String key, long window) {
        long[] count = byWindow.getOrDefault(window, Map.of()).get(key);
        return count == null ? 0 : count[0];
    }

    /** Adds every held count to the store's (read, add, write: one of each per distinct key and window), then holds nothing. */
    void drainInto(WindowStore<String, Long> store) {
        byWindow.forEach((window, counts) -> counts.forEach((key, count) -> {
            Long stored = store.fetch(key, window);
            store.put(key, stored == null ? count[0] : stored + count[0], window);
        }));
        clear();
    }

    /** Hands each count of the windows until {@code through} (inclusive) to {@code each}, then holds them no longer. */
    void drainThrough(long through, Each each) {
        for (var it = byWindow.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, Map<String, long[]>> window = it.next();
            if (window.getKey() <= through) {
                window.getValue().forEach((key, count) -> each.count(window.getKey(), key, count[0]));
                size -= window.getValue().size();
                it.remove();
            }
        }
        lastWindow = Long.MIN_VALUE;
        lastCounts = null;
    }

    /** Each held count, by window and key. */
    void forEach(Each each) {
        byWindow.forEach((window, counts) -> counts.forEach((key, count) -> each.count(window, key, count[0])));
    }

    @FunctionalInterface
    interface Each {
        void count(long window, String key, long count);
    }

    void clear() {
        byWindow.clear();
        lastWindow = Long.MIN_VALUE;
        lastCounts = null;
        size = 0;
    }
}
