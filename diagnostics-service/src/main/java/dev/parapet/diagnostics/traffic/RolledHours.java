package dev.parapet.diagnostics.traffic;

import java.time.Instant;
import java.util.function.BiConsumer;

import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;

/**
 * The hour counters are rolled up from the minute counters once their minute is over, instead of being
 * written beside them at every commit: a counter asked for in every second of a minute costs one hour
 * write per minute instead of sixty. The hour store then holds, for each hour, the minutes up to the
 * {@link #MARKER}'s value (the last minute rolled up, kept in the hour store under a key outside every
 * account's range, so restored with it); a minute after that is still only in the minute store. An hour
 * as queried is therefore the hour store's count plus the minutes not yet rolled up ({@link #unrolled}),
 * which together are exactly what counting every verdict into its hour gives. A verdict that arrives for
 * a minute already rolled up (late) is added to its hour directly, as before.
 */
public final class RolledHours {

    /** The hour store's key for the last minute rolled up. */
    public static final String MARKER = TrafficKeys.OWN + "rolled";
    /** No minute has been rolled up. */
    public static final long NONE = Long.MIN_VALUE;

    private RolledHours() {
    }

    /** The last minute (its start) whose counts are in the hour store, {@link #NONE} if none. */
    public static long rolledThrough(ReadOnlyWindowStore<String, Long> hours) {
        return marker(hours, MARKER);
    }

    /** The value of a store's own key in its latest window, {@link #NONE} if it has none. */
    static long marker(ReadOnlyWindowStore<String, Long> store, String key) {
        try (KeyValueIterator<Long, Long> markers = store.backwardFetch(key, Instant.EPOCH, Instant.ofEpochMilli(Long.MAX_VALUE / 2))) {
            return markers.hasNext() ? markers.next().value : NONE;
        }
    }

    /** Whether a store holds nothing at all. */
    static boolean empty(ReadOnlyWindowStore<String, Long> store) {
        try (KeyValueIterator<Windowed<String>, Long> all = store.all()) {
            return !all.hasNext();
        }
    }

    /**
     * The minute counts of the keys in {@code [fromKey, toKey)} in windows from {@code from} to {@code to} (exclusive)
     * that are not yet in the hour store, each given with the hour it belongs to.
     */
    public static void unrolled(ReadOnlyWindowStore<String, Long> minutes, long rolledThrough, String fromKey, String toKey,
                                long from, long to, WindowCount count) {
        long start = rolledThrough == NONE ? from : Math.max(from, rolledThrough + TrafficProcessor.MINUTE);
        if (start >= to) {
            return;
        }
        try (KeyValueIterator<Windowed<String>, Long> it = minutes.fetch(fromKey, toKey, Instant.ofEpochMilli(start),
                Instant.ofEpochMilli(to - 1))) {
            it.forEachRemaining(kv -> count.add(kv.key.key(), hour(kv.key.window().start()), kv.value));
        }
    }

    /** Every counter's minute counts from {@code from} to {@code through} (inclusive); not the store's own keys. */
    static void minutes(ReadOnlyWindowStore<String, Long> minutes, long from, long through, BiConsumer<Windowed<String>, Long> each) {
        try (KeyValueIterator<Windowed<String>, Long> it = minutes.fetchAll(Instant.ofEpochMilli(from), Instant.ofEpochMilli(through))) {
            it.forEachRemaining(kv -> {
                if (TrafficKeys.counter(kv.key.key())) {
                    each.accept(kv.key, kv.value);
                }
            });
        }
    }

    public static long hour(long time) {
        return time - Math.floorMod(time, TrafficProcessor.HOUR);
    }

    /** A count for a key in a window (its start). */
    @FunctionalInterface
    public interface WindowCount {
        void add(String key, long window, long count);
    }
}
