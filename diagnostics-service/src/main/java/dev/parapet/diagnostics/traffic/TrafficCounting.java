package dev.parapet.diagnostics.traffic;

import java.util.function.Consumer;

import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;

/**
 * What one verdict adds to its account's counters, as the dimensions of {@link TrafficKeys} (without the
 * account's prefix), each counted once. Pure: {@link TrafficProcessor} adds them to its window stores.
 *
 * <p>Every verdict counts in the total and under its action. Besides, by {@link #outcome}: a stopped one
 * (blocked or warned) in stopped; a failed one (let through, but the name was not resolved) in failed;
 * a resolved one among the allowed names. Each of the three has its own per-name counters, so failed
 * names are not among the top allowed ones.
 */
public final class TrafficCounting {

    /** What became of a query, for the reports. */
    public enum Outcome {
        /** Blocked or warned. */
        STOPPED,
        /** Let through (allowed, allowed after a warning, SafeSearch), and answered: NOERROR or NXDOMAIN. */
        RESOLVED,
        /** Let through, but not resolved: any other response code, SERVFAIL and REFUSED above all (see {@link #failed}). */
        FAILED,
        /** Refused by Parapet itself (action REFUSED: no location, revoked credential); no upstream was asked. */
        REFUSED
    }

    private TrafficCounting() {
    }

    /** Stopped: blocked or warned. */
    public static boolean stopped(Action action) {
        return action == Action.BLOCKED || action == Action.WARNED;
    }

    /**
     * Whether a query let through failed: its response code is neither NOERROR (records, or none of
     * that type) nor NXDOMAIN (the name does not exist), which are answers. dns-service sends SERVFAIL
     * when no upstream answered in time (every attempt timed out or failed) and passes the upstream's
     * own code on, so SERVFAIL is a timeout or the upstream's failure (DNSSEC, lame delegation), and
     * REFUSED the upstream refusing to resolve for us; FORMERR, NOTIMP and the rarer codes are the
     * upstream not handling the query. Compared without regard to case; a missing code is not a failure.
     */
    public static boolean failed(String responseCode) {
        return responseCode != null && !responseCode.equalsIgnoreCase("NOERROR") && !responseCode.equalsIgnoreCase("NXDOMAIN");
    }

    public static Outcome outcome(Action action, String responseCode) {
        if (stopped(action)) {
            return Outcome.STOPPED;
        }
        if (action == Action.REFUSED) {
            return Outcome.REFUSED;
        }
        return failed(responseCode) ? Outcome.FAILED : Outcome.RESOLVED;
    }

    /** The dimensions counted in a second's window (the live rates). */
    public static void seconds(DnsVerdict verdict, Consumer<String> count) {
        totals(count, outcome(verdict.getAction(), verdict.getResponseCode()));
    }

    /** The dimensions counted in a minute's or an hour's window (the reports). */
    public static void windows(DnsVerdict verdict, Consumer<String> count) {
        Outcome outcome = outcome(verdict.getAction(), verdict.getResponseCode());
        totals(count, outcome);
        count.accept(TrafficKeys.ACTION + verdict.getAction().name());
        if (verdict.getLocationId() != null) {
            by(count, outcome, verdict.getLocationId().toString(), TrafficKeys.LOCATION, TrafficKeys.LOCATION_STOPPED,
                    TrafficKeys.LOCATION_FAILED);
        }
        if (verdict.getAgentId() != null) {
            by(count, outcome, verdict.getAgentId().toString(), TrafficKeys.AGENT, TrafficKeys.AGENT_STOPPED, TrafficKeys.AGENT_FAILED);
        }
        if (verdict.getUserEmail() != null) {
            by(count, outcome, verdict.getUserEmail(), TrafficKeys.USER, TrafficKeys.USER_STOPPED, TrafficKeys.USER_FAILED);
        }
        for (String category : verdict.getCategoryIds()) {
            by(count, outcome, category, TrafficKeys.CATEGORY, TrafficKeys.CATEGORY_STOPPED, TrafficKeys.CATEGORY_FAILED);
        }
        switch (outcome) {
            case STOPPED -> count.accept(TrafficKeys.NAME_STOPPED + verdict.getQueryName());
            case FAILED -> count.accept(TrafficKeys.NAME_FAILED + verdict.getQueryName());
            case RESOLVED -> count.accept(TrafficKeys.NAME_ALLOWED + verdict.getQueryName());
            case REFUSED -> { }
        }
    }

    /** The account's totals, counted in every window: the queries, and the stopped or failed ones. */
    private static void totals(Consumer<String> count, Outcome outcome) {
        count.accept(TrafficKeys.TOTAL);
        if (outcome == Outcome.STOPPED) {
            count.accept(TrafficKeys.STOPPED);
        } else if (outcome == Outcome.FAILED) {
            count.accept(TrafficKeys.FAILED);
        }
    }

    /** A value of a dimension: its queries, and its stopped or failed ones. */
    private static void by(Consumer<String> count, Outcome outcome, String value, String queries, String stopped, String failed) {
        count.accept(queries + value);
        if (outcome == Outcome.STOPPED) {
            count.accept(stopped + value);
        } else if (outcome == Outcome.FAILED) {
            count.accept(failed + value);
        }
    }
}
