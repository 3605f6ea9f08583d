package dev.parapet.diagnostics.traffic;

import java.time.Duration;

import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.internals.CachedStateStore;

import dev.parapet.diagnostics.streams.CommitHook;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;

/**
 * Counts verdicts per account into windows of a second (live rates), a minute and an hour (reports),
 * by the verdict's own time: totals, stopped (blocked or warned), failed (let through but not resolved),
 * by action, location, agent, user, category, and per name (stopped, allowed and failed separately, for
 * the top names); what one verdict counts is {@link TrafficCounting}'s.
 *
 * <p>A verdict adds about 20 counts. They are added up in memory ({@link PendingCounts}) and written to
 * the window stores before every commit ({@link CommitHook}), so a counter that many verdicts touch is
 * read and written (RocksDB, and its changelog) once per commit, not once per verdict; the per-verdict
 * work is a few hash-map increments. The counts are committed with the offsets of their verdicts
 * (exactly-once as before: a commit never includes a verdict whose counts are still only in memory).
 * The live seconds, a few counters per account, are also written every {@link #FLUSH_INTERVAL} (into
 * their store's record cache) so that the live rates do not wait for the commit; the minutes and
 * hours become visible to queries at the commit, at most the commit interval (1 s) after their
 * verdicts are processed.
 */
public final class TrafficProcessor implements Processor<String, DnsVerdict, Void, Void>, CommitHook.Listener {

    public static final String SECONDS_STORE = "traffic-seconds";
    public static final String MINUTES_STORE = "traffic-minutes";
    public static final String HOURS_STORE = "traffic-hours";
    /** The {@link CommitHook} that tells this processor of commits. */
    public static final String COMMIT_HOOK = "traffic-commit-hook";

    public static final long SECOND = 1_000;
    public static final long MINUTE = 60_000;
    public static final long HOUR = 3_600_000;

    /** How long the live seconds' counts may wait in memory before queries see them. */
    public static final Duration FLUSH_INTERVAL = Duration.ofMillis(200);

    private final PendingCounts pendingSeconds = new PendingCounts();
    private final PendingCounts pendingMinutes = new PendingCounts();
    private final PendingCounts pendingHours = new PendingCounts();
    private WindowStore<String, Long> seconds;
    private WindowStore<String, Long> minutes;
    private WindowStore<String, Long> hours;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        seconds = context.getStateStore(SECONDS_STORE);
        minutes = context.getStateStore(MINUTES_STORE);
        hours = context.getStateStore(HOURS_STORE);
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
        String account = TrafficKeys.prefix(verdict.getAccountId());
        long time = verdict.getOccurredAt().toEpochMilli();
        long second = time - Math.floorMod(time, SECOND);
        long minute = time - Math.floorMod(time, MINUTE);
        long hour = time - Math.floorMod(time, HOUR);
        TrafficCounting.seconds(verdict, dimension -> pendingSeconds.add(account + dimension, second));
        TrafficCounting.windows(verdict, dimension -> {
            String key = account + dimension;
            pendingMinutes.add(key, minute);
            pendingHours.add(key, hour);
        });
    }

    /** Before a commit: the held counts into the stores, and the seconds' cache to RocksDB and the changelog. */
    @Override
    public void flush() {
        pendingSeconds.drainInto(seconds);
        pendingMinutes.drainInto(minutes);
        pendingHours.drainInto(hours);
        flushCache(seconds);
    }

    @Override
    public void discard() {
        pendingSeconds.clear();
        pendingMinutes.clear();
        pendingHours.clear();
    }

    private static void flushCache(WindowStore<String, Long> store) {
        if (store instanceof CachedStateStore<?, ?> cached) {
            cached.flushCache();
        }
    }
}
