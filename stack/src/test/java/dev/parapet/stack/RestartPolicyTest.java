package dev.parapet.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

class RestartPolicyTest {

    private static final Instant T0 = Instant.parse("2026-12-03T10:00:00Z");

    @Test
    void eachDeathInTheWindowDoublesTheDelayUpToTheCap() {
        RestartPolicy policy = new RestartPolicy(10, Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofSeconds(5));
        assertThat(policy.died(T0)).isEqualTo(new RestartPolicy.Restart(Duration.ofSeconds(1), 1));
        assertThat(policy.died(T0.plusSeconds(10))).isEqualTo(new RestartPolicy.Restart(Duration.ofSeconds(2), 2));
        assertThat(policy.died(T0.plusSeconds(20))).isEqualTo(new RestartPolicy.Restart(Duration.ofSeconds(4), 3));
        assertThat(policy.died(T0.plusSeconds(30))).isEqualTo(new RestartPolicy.Restart(Duration.ofSeconds(5), 4));
    }

    @Test
    void oneDeathTooManyWithinTheWindowGivesUp() {
        RestartPolicy policy = new RestartPolicy(2, Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofSeconds(30));
        policy.died(T0);
        policy.died(T0.plusSeconds(60));
        assertThat(policy.died(T0.plusSeconds(120))).isEqualTo(new RestartPolicy.GiveUp(3, Duration.ofMinutes(5)));
    }

    @Test
    void deathsOlderThanTheWindowAreForgiven() {
        RestartPolicy policy = new RestartPolicy(2, Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofSeconds(30));
        policy.died(T0);
        policy.died(T0.plusSeconds(60));
        // Six minutes after the first: only the second still counts, so this is the second death, not the third.
        assertThat(policy.died(T0.plusSeconds(360))).isEqualTo(new RestartPolicy.Restart(Duration.ofSeconds(2), 2));
    }
}
