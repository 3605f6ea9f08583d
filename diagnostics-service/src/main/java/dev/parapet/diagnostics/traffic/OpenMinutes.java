package dev.parapet.diagnostics.traffic;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

import org.apache.kafka.streams.state.WindowStore;

/**
 * What the minute store holds for the minutes not yet rolled up into their hours, kept in memory by the one
 * stream thread that writes them, so that adding to a counter needs no read of RocksDB: about a quarter of
 * the aggregation's work before (docs/diagnostics.md). A counter not held here is read from the store once,
 * then held. The store keeps the latest minute ever written under {@link #LATEST} (outside every account's
 * range; committed with the counters): a minute after the one it names when the processor starts (or after
 * an abort) had nothing in the store, so while every counter written there is held, one not held is zero
 * without a read. Minutes leave when they are rolled up; beyond {@link #MAX_HELD} counters, further ones are
 * read each time, as before, and so is every counter of a minute that had one not held.
 */
final class OpenMinutes {

    /** The minute store's key for the latest minute written. */
    static final String LATEST = TrafficKeys.OWN + "latest";
    /** About 150 bytes of heap per counter held: at most an eighth of the heap, and never more than 2 000 000. */
    static final int MAX_HELD = (int) Math.min(2_000_000, Runtime.getRuntime().maxMemory() / 8 / 150);
    private static final long UNREAD = Long.MIN_VALUE + 1;

    private final int maxHeld;
    private final Map<Long, Map<String, long[]>> byMinute = new HashMap<>();
    /** The latest minute in the store, {@link #UNREAD} until read after a start or an abort. */
    private long latest = UNREAD;
    /** Minutes from this one on are held in full. */
    private long completeFrom = Long.MAX_VALUE;
    /** Minutes until this one were rolled up and are no longer held: a late verdict's counter there is read. */
    private long droppedThrough = Long.MIN_VALUE;
    /** The latest minute with a counter written but not held ({@link #MAX_HELD}): until it, one not held is read. */
    private long unheldThrough = Long.MIN_VALUE;
    private int held;

    OpenMinutes() {
        this(MAX_HELD);
    }

    OpenMinutes(int maxHeld) {
        this.maxHeld = maxHeld;
    }

    /** After a start or an abort: nothing is held, and what the store holds is read again at the next drain. */
    void reset() {
        byMinute.clear();
        held = 0;
        latest = UNREAD;
        completeFrom = Long.MAX_VALUE;
        droppedThrough = Long.MIN_VALUE;
        unheldThrough = Long.MIN_VALUE;
    }

    /** Adds the pending counts to the store, reading a counter from it only when it is not held. */
    void drain(PendingCounts pending, WindowStore<String, Long> store) {
        if (latest == UNREAD) {
            latest = RolledHours.marker(store, LATEST);
            if (latest != RolledHours.NONE) {
                completeFrom = latest + TrafficProcessor.MINUTE;
            } else {
                // No marker: an empty store, or one written by an earlier version (without it), where any minute may hold counts.
                completeFrom = RolledHours.empty(store) ? Long.MIN_VALUE : Long.MAX_VALUE;
            }
        }
        long before = latest;
        pending.forEach((minute, key, count) -> {
            latest = Math.max(latest, minute);
            Map<String, long[]> minuteCounts = byMinute.get(minute);
            long[] value = minuteCounts == null ? null : minuteCounts.get(key);
            long total;
            if (value != null) {
                value[0] += count;
                total = value[0];
            } else {
                long stored;
                if (minute >= completeFrom && minute > droppedThrough && minute > unheldThrough) {
                    stored = 0;
                } else {
                    Long read = store.fetch(key, minute);
                    stored = read == null ? 0 : read;
                }
                total = stored + count;
                if (held < maxHeld) {
                    byMinute.computeIfAbsent(minute, m -> new HashMap<>()).put(key, new long[] {total});
                    held++;
                } else {
                    unheldThrough = Math.max(unheldThrough, minute); // a counter not held: in this minute, one not held must be read
                }
            }
            store.put(key, total, minute);
        });
        pending.clear();
        if (latest > before) {
            store.put(LATEST, latest, latest);
        }
    }

    /** The minutes up to {@code through} were rolled up: no longer held. */
    void rolledThrough(long through) {
        droppedThrough = Math.max(droppedThrough, through);
        for (Iterator<Map.Entry<Long, Map<String, long[]>>> it = byMinute.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, Map<String, long[]>> minute = it.next();
            if (minute.getKey() <= through) {
                held -= minute.getValue().size();
                it.remove();
            }
        }
    }

    /** Counters held (for tests). */
    int held() {
        return held;
    }
}
