package dev.parapet.diagnostics.querylog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import dev.parapet.diagnostics.querylog.Retention.Violation;

class RetentionTest {

    @Test
    void horizonsFromOneDayToTenYearsWithTheAllowedOneNoLongerAreValid() {
        assertThat(Retention.violations(1, 1)).isEmpty();
        assertThat(Retention.violations(30, 365)).isEmpty();
        assertThat(Retention.violations(3650, 3650)).isEmpty();
        assertThat(new Retention(30, 365).securityDays()).isEqualTo(365);
    }

    @Test
    void eachBadValueIsNamedWithItsField() {
        assertThat(Retention.violations(0, 365)).containsExactly(new Violation("allowedDays", "must be from 1 to 3650"));
        assertThat(Retention.violations(30, 3651)).containsExactly(new Violation("securityDays", "must be from 1 to 3650"));
        assertThat(Retention.violations(90, 30)).containsExactly(new Violation("securityDays", "must be at least allowedDays (90)"));
        assertThat(Retention.violations(null, null)).extracting(Violation::field).containsExactly("allowedDays", "securityDays");
        assertThat(Retention.violations(-1, 0)).extracting(Violation::field).containsExactly("allowedDays", "securityDays");
        assertThat(Retention.violations(4000, 10)).extracting(Violation::field).containsExactly("allowedDays");
    }

    @Test
    void aRetentionCannotBeMadeFromBadValues() {
        assertThatThrownBy(() -> new Retention(31, 30)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("securityDays");
    }
}
