package dev.parapet.diagnostics.traffic;

import java.util.function.Consumer;

import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;

/**
 * What one verdict adds to its account's counters, as the dimensions of {@link TrafficKeys} (without the
 * account's prefix), each counted once. Pure: {@link TrafficProcessor} adds them to its window stores.
 */
public final class TrafficCounting {

    private TrafficCounting() {
    }

    /** Stopped: blocked or warned. */
    public static boolean stopped(Action action) {
        return action == Action.BLOCKED || action == Action.WARNED;
    }

    /** The dimensions counted in a second's window (the live rates). */
    public static void seconds(DnsVerdict verdict, Consumer<String> count) {
        count.accept(TrafficKeys.TOTAL);
        if (stopped(verdict.getAction())) {
            count.accept(TrafficKeys.STOPPED);
        }
    }

    /** The dimensions counted in a minute's or an hour's window (the reports). */
    public static void windows(DnsVerdict verdict, Consumer<String> count) {
        boolean stopped = stopped(verdict.getAction());
        count.accept(TrafficKeys.TOTAL);
        count.accept(TrafficKeys.ACTION + verdict.getAction().name());
        if (verdict.getLocationId() != null) {
            String location = verdict.getLocationId().toString();
            count.accept(TrafficKeys.LOCATION + location);
            if (stopped) {
                count.accept(TrafficKeys.LOCATION_STOPPED + location);
            }
        }
        if (verdict.getAgentId() != null) {
            count.accept(TrafficKeys.AGENT + verdict.getAgentId());
        }
        if (verdict.getUserEmail() != null) {
            count.accept(TrafficKeys.USER + verdict.getUserEmail());
            if (stopped) {
                count.accept(TrafficKeys.USER_STOPPED + verdict.getUserEmail());
            }
        }
        for (String category : verdict.getCategoryIds()) {
            count.accept(TrafficKeys.CATEGORY + category);
            if (stopped) {
                count.accept(TrafficKeys.CATEGORY_STOPPED + category);
            }
        }
        count.accept((stopped ? TrafficKeys.NAME_STOPPED : TrafficKeys.NAME_ALLOWED) + verdict.getQueryName());
        if (stopped) {
            count.accept(TrafficKeys.STOPPED);
        }
    }
}
