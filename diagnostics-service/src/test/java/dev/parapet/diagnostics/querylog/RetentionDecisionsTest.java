package dev.parapet.diagnostics.querylog;

import static dev.parapet.diagnostics.querylog.RetentionDecisions.decide;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.LocalDate;

import org.junit.jupiter.api.Test;

import dev.parapet.diagnostics.querylog.RetentionDecisions.Step;

class RetentionDecisionsTest {

    static final Instant NOW = Instant.parse("2026-12-04T18:30:00Z");
    static final Retention DEFAULT = new Retention(30, 365);

    @Test
    void anHourYoungerThanBothHorizonsIsKept() {
        assertThat(decide(NOW, LocalDate.of(2026, 12, 4), 17, DEFAULT, false)).isEqualTo(Step.KEEP);
        assertThat(decide(NOW, LocalDate.of(2026, 11, 5), 0, DEFAULT, false)).isEqualTo(Step.KEEP);
    }

    @Test
    void anHourIsPastAHorizonOnlyOnceAllOfItIs() {
        // 30 days before NOW is 2026-11-04T18:30: the hour 18:00-19:00 of that day is not wholly past it yet.
        assertThat(decide(NOW, LocalDate.of(2026, 11, 4), 18, DEFAULT, false)).isEqualTo(Step.KEEP);
        assertThat(decide(NOW, LocalDate.of(2026, 11, 4), 17, DEFAULT, false)).isEqualTo(Step.ROLL_UP);
        assertThat(decide(Instant.parse("2026-12-04T18:00:00Z"), LocalDate.of(2026, 11, 4), 17, DEFAULT, false))
                .as("its end exactly on the horizon").isEqualTo(Step.ROLL_UP);
    }

    @Test
    void anHourPastTheAllowedHorizonIsRolledUpOnce() {
        assertThat(decide(NOW, LocalDate.of(2026, 6, 1), 9, DEFAULT, false)).isEqualTo(Step.ROLL_UP);
        assertThat(decide(NOW, LocalDate.of(2026, 6, 1), 9, DEFAULT, true)).isEqualTo(Step.KEEP);
    }

    @Test
    void anHourPastTheSecurityHorizonIsDeletedWhetherRolledUpOrNot() {
        assertThat(decide(NOW, LocalDate.of(2025, 12, 4), 17, DEFAULT, true)).isEqualTo(Step.DELETE);
        assertThat(decide(NOW, LocalDate.of(2025, 12, 4), 17, DEFAULT, false)).isEqualTo(Step.DELETE);
        assertThat(decide(NOW, LocalDate.of(2025, 12, 4), 18, DEFAULT, false)).isEqualTo(Step.ROLL_UP);
        assertThat(decide(NOW, LocalDate.of(2020, 1, 1), 0, DEFAULT, false)).isEqualTo(Step.DELETE);
    }

    @Test
    void equalHorizonsDeleteWithoutRollingUp() {
        Retention week = new Retention(7, 7);
        assertThat(decide(NOW, LocalDate.of(2026, 11, 27), 17, week, false)).isEqualTo(Step.DELETE);
        assertThat(decide(NOW, LocalDate.of(2026, 11, 27), 18, week, false)).isEqualTo(Step.KEEP);
    }

    @Test
    void anHourInTheFutureIsKept() {
        assertThat(decide(NOW, LocalDate.of(2026, 12, 5), 3, new Retention(1, 1), false)).isEqualTo(Step.KEEP);
    }

    @Test
    void hoursOutsideTheDayAreRefused() {
        assertThatThrownBy(() -> decide(NOW, LocalDate.of(2026, 12, 4), 24, DEFAULT, false)).isInstanceOf(IllegalArgumentException.class);
    }
}
