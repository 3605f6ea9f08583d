package dev.parapet.diagnostics.traffic;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.WindowStore;

import dev.parapet.schemas.v1.verdicts.DnsVerdict;

/**
 * Counts verdicts per account into windows of a second (live rates), a minute and an hour (reports),
 * by the verdict's own time: totals, stopped (blocked or warned), failed (let through but not resolved),
 * by action, location, agent, user, category, and per name (stopped, allowed and failed separately, for
 * the top names); what one verdict counts is {@link TrafficCounting}'s. The stores are cached
 * (Kafka Streams' record cache), so a busy counter is written to RocksDB and its changelog once per
 * commit, not once per query.
 */
public final class TrafficProcessor implements Processor<String, DnsVerdict, Void, Void> {

    public static final String SECONDS_STORE = "traffic-seconds";
    public static final String MINUTES_STORE = "traffic-minutes";
    public static final String HOURS_STORE = "traffic-hours";

    public static final long SECOND = 1_000;
    public static final long MINUTE = 60_000;
    public static final long HOUR = 3_600_000;

    private WindowStore<String, Long> seconds;
    private WindowStore<String, Long> minutes;
    private WindowStore<String, Long> hours;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        seconds = context.getStateStore(SECONDS_STORE);
        minutes = context.getStateStore(MINUTES_STORE);
        hours = context.getStateStore(HOURS_STORE);
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
        TrafficCounting.seconds(verdict, dimension -> add(seconds, account + dimension, second));
        TrafficCounting.windows(verdict, dimension -> {
            add(minutes, account + dimension, minute);
            add(hours, account + dimension, hour);
        });
    }

    private static void add(WindowStore<String, Long> store, String key, long window) {
        Long count = store.fetch(key, window);
        store.put(key, count == null ? 1L : count + 1, window);
    }
}
