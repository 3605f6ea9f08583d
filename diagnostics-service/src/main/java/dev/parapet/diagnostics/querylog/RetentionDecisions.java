package dev.parapet.diagnostics.querylog;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * What retention does with one hour of an account's query log: a pure function of the time, the hour, the
 * account's retention and whether the hour's {@code ALLOWED} rows are already rolled up. An hour is past a
 * horizon once all of it is (its end is that many days ago), so nothing younger than the horizon goes.
 */
public final class RetentionDecisions {

    public enum Step {
        /** Leave the hour as it is. */
        KEEP,
        /** Replace the hour's {@code ALLOWED} rows by their roll-up; its security outcomes stay in detail. */
        ROLL_UP,
        /** Delete the hour: its detail files and its roll-up. */
        DELETE
    }

    private RetentionDecisions() {
    }

    public static Step decide(Instant now, LocalDate date, int hour, Retention retention, boolean rolledUp) {
        if (hour < 0 || hour > 23) {
            throw new IllegalArgumentException("hour " + hour);
        }
        Instant end = date.atTime(hour, 0).toInstant(ZoneOffset.UTC).plus(Duration.ofHours(1));
        if (!end.isAfter(now.minus(Duration.ofDays(retention.securityDays())))) {
            return Step.DELETE;
        }
        if (!rolledUp && !end.isAfter(now.minus(Duration.ofDays(retention.allowedDays())))) {
            return Step.ROLL_UP;
        }
        return Step.KEEP;
    }
}
