package dev.parapet.diagnostics.traffic;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;

import dev.parapet.diagnostics.streams.CommitHook;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;

/**
 * Counts verdicts per account into windows of a second (live rates), a minute and an hour (reports),
 * by the verdict's own time: totals, stopped (blocked or warned), failed (let through but not resolved),
 * by action, location, agent, user, category, and per name (stopped, allowed and failed separately, for
 * the top names); what one verdict counts is {@link TrafficCounting}'s.
 *
 * <p>A verdict adds about 20 counts. They are added up in memory ({@link PendingCounts}) and written
 * before every commit ({@link CommitHook}): the seconds to their store, the minutes not yet rolled up to the
 * {@link MinuteJournal} as one record per account and minute (merged into the minute store once the minute
 * is over), so the per-verdict work is a few hash-map increments and a commit writes a few records per
 * account. The counts are committed with the offsets of their verdicts (exactly-once as before: a commit
 * never includes a verdict whose counts are still only in memory). The live seconds, a few counters per
 * account, are also written every {@link #FLUSH_INTERVAL} (into their store's record cache) so that the
 * live rates do not wait for the commit; the minutes become visible to queries (the minute store and the
 * journal) at the commit, at most the commit interval (1 s) after their verdicts are processed.
 *
 * <p>The hours are rolled up from the minutes ({@link RolledHours}), their journal merged first, at the first commit after a minute is
 * over: {@link #GRACE} after its end in the verdicts' own time or, when no verdict has come for
 * {@link #IDLE}, on the wall clock. A verdict for a minute already rolled up is added to its hour at the
 * commit, as the minutes are.
 */
public final class TrafficProcessor implements Processor<String, DnsVerdict, Void, Void>, CommitHook.Listener {

    public static final String SECONDS_STORE = "traffic-seconds";
    public static final String MINUTES_STORE = "traffic-minutes";
    public static final String HOURS_STORE = "traffic-hours";
    /** The {@link CommitHook} that tells this processor of commits. */
    public static final String COMMIT_HOOK = "traffic-commit-hook";

    /** How long the minute counters are kept (the hours are kept longer: DiagnosticsTopology). */
    public static final Duration MINUTES_RETENTION = Duration.ofDays(2);

    public static final long SECOND = 1_000;
    public static final long MINUTE = 60_000;
    public static final long HOUR = 3_600_000;

    /** How long the live seconds' counts may wait in memory before queries see them. */
    public static final Duration FLUSH_INTERVAL = Duration.ofMillis(200);
    /** How long after its end (in the verdicts' time) a minute is rolled up into its hour: verdicts a little late still go to the minute only. */
    static final long GRACE = 10_000;
    /** A verdict stamped further ahead of the wall clock than this (a wrong clock) is counted this far ahead. */
    static final long MAX_AHEAD = 60_000;
    /** At most this much of the minutes is rolled up at one commit (after a long idle time or a backlog). */
    static final long MAX_ROLL_UP = HOUR;
    /** With no verdict for this long (wall clock), the minutes are rolled up by the wall clock instead. */
    static final long IDLE = 30_000;
    /** At most this many accounts' prefixes are kept (a task holds far fewer accounts). */
    private static final int MAX_PREFIXES = 100_000;
    /** {@link #rolledThrough} not read from the hour store yet. */
    private static final long UNKNOWN = Long.MIN_VALUE + 1;

    private final PendingCounts pendingSeconds = new PendingCounts();
    private final PendingCounts pendingMinutes = new PendingCounts();
    private final PendingCounts pendingHours = new PendingCounts();
    private final MinuteJournal journal = new MinuteJournal();
    /** Each account's key prefix, made once (it was a tenth of what the aggregation allocated at 56 000 verdicts/s). */
    private final Map<UUID, String> prefixes = new HashMap<>();
    private WindowStore<String, Long> seconds;
    private WindowStore<String, Long> minutes;
    private WindowStore<String, Long> hours;
    private KeyValueStore<String, byte[]> journalStore;
    private ProcessorContext<Void, Void> context;
    /** The last minute whose counts are in the hour store ({@link RolledHours}). */
    private long rolledThrough = UNKNOWN;
    /** The latest verdict time seen, and the wall clock when a verdict last came. */
    private long streamTime = Long.MIN_VALUE;
    private long lastVerdictAt;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.context = context;
        lastVerdictAt = context.currentSystemTimeMs();
        seconds = context.getStateStore(SECONDS_STORE);
        minutes = context.getStateStore(MINUTES_STORE);
        hours = context.getStateStore(HOURS_STORE);
        journalStore = context.getStateStore(MinuteJournal.STORE);
        discard();
        CommitHook hook = context.getStateStore(COMMIT_HOOK);
        hook.listen(this);
        context.schedule(FLUSH_INTERVAL, PunctuationType.WALL_CLOCK_TIME, now -> pendingSeconds.drainInto(seconds));
    }

    @Override
    public void process(Record<String, DnsVerdict> record) {
        DnsVerdict verdict = record.value();
        if (verdict == null) {
            return;
        }
        if (prefixes.size() >= MAX_PREFIXES) {
            prefixes.clear();
        }
        String account = prefixes.computeIfAbsent(verdict.getAccountId(), TrafficKeys::prefix);
        lastVerdictAt = context.currentSystemTimeMs();
        // A verdict stamped further ahead than MAX_AHEAD (a wrong clock) is counted as if MAX_AHEAD ahead: a time days ahead
        // would otherwise move the window stores' own time on, and they would drop every window of the days before it.
        long time = Math.min(verdict.getOccurredAt().toEpochMilli(), lastVerdictAt + MAX_AHEAD);
        long second = time - Math.floorMod(time, SECOND);
        long minute = time - Math.floorMod(time, MINUTE);
        streamTime = Math.max(streamTime, time);
        TrafficCounting.seconds(verdict, dimension -> pendingSeconds.add(account + dimension, second));
        if (minute > rolledThrough()) {
            TrafficCounting.windows(verdict, dimension -> pendingMinutes.add(account + dimension, minute));
        } else {
            long hour = RolledHours.hour(time);
            TrafficCounting.windows(verdict, dimension -> {
                String key = account + dimension;
                pendingMinutes.add(key, minute);
                pendingHours.add(key, hour);
            });
        }
    }

    /** Before a commit: the held counts into the stores, and the seconds' cache to RocksDB and the changelog. */
    @Override
    public void flush() {
        // An hour store of an earlier version gets its marker at the first commit, before any query relies on it.
        long through = rolledThrough();
        pendingSeconds.drainInto(seconds);
        journal.write(pendingMinutes, through, journalStore, minutes);
        pendingHours.drainInto(hours);
        rollUp();
        CommitHook.flushCache(seconds);
    }

    /** The last minute in the hour store, read from it once (after a start or an abort). */
    private long rolledThrough() {
        if (rolledThrough == UNKNOWN) {
            long marked = RolledHours.rolledThrough(hours);
            if (marked == RolledHours.NONE && !RolledHours.empty(hours)) {
                // Hours written before they were rolled up (every verdict into its hour directly): the minutes until now
                // are in them already, and their verdicts still to come are added to their hours directly.
                long now = context.currentSystemTimeMs();
                marked = now - Math.floorMod(now, MINUTE);
                hours.put(RolledHours.MARKER, marked, RolledHours.hour(marked));
            }
            rolledThrough = marked;
        }
        return rolledThrough;
    }

    /** Adds the minutes that are over to their hours, then marks them rolled up. Runs at a commit, after the minutes were written. */
    private void rollUp() {
        long now = context.currentSystemTimeMs();
        long reference;
        if (now - lastVerdictAt >= IDLE) {
            reference = now;
        } else if (streamTime == Long.MIN_VALUE) {
            return; // just started or aborted: wait for the verdicts' own time
        } else {
            reference = streamTime;
        }
        long last = reference - GRACE - MINUTE;
        last -= Math.floorMod(last, MINUTE);
        long through = rolledThrough();
        if (last <= through) {
            return;
        }
        // The minutes over are merged from their journal first, a few accounts per commit; a minute is rolled up once it is whole.
        long unmerged = journal.merge(last, journalStore, minutes);
        last = Math.min(last, unmerged - MINUTE);
        if (last <= through) {
            return;
        }
        long from;
        if (through == RolledHours.NONE) {
            from = last - MINUTES_RETENTION.toMillis(); // the first roll-up: whatever the minute store holds
        } else {
            from = through + MINUTE;
            last = Math.min(last, from + MAX_ROLL_UP - MINUTE); // after a long gap, an hour of minutes per commit
        }
        PendingCounts rolled = new PendingCounts();
        journal.rollUp(from, last, minutes, (key, minute, count) -> rolled.add(key, RolledHours.hour(minute), count));
        rolled.drainInto(hours);
        hours.put(RolledHours.MARKER, last, RolledHours.hour(last));
        rolledThrough = last;
    }

    @Override
    public void discard() {
        pendingSeconds.clear();
        pendingMinutes.clear();
        pendingHours.clear();
        rolledThrough = UNKNOWN;
        streamTime = Long.MIN_VALUE;
        journal.reset();
    }

}
