package dev.parapet.diagnostics.devices;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DeadlinesTest {

    private final Deadlines deadlines = new Deadlines();

    @Test
    void whatIsDueComesOutInTimeOrderOnceAndTheRestWaits() {
        deadlines.schedule("c", 300);
        deadlines.schedule("a", 100);
        deadlines.schedule("b", 200);
        assertThat(deadlines.takeDue(99)).isEmpty();
        assertThat(deadlines.takeDue(200)).containsExactly("a", "b");
        assertThat(deadlines.takeDue(250)).isEmpty();
        assertThat(deadlines.size()).isEqualTo(1);
        assertThat(deadlines.takeDue(1_000)).containsExactly("c");
        assertThat(deadlines.takeDue(1_000)).isEmpty();
    }

    @Test
    void aKeyHasOneDeadlineTheLatestScheduledAndCanBeCancelled() {
        deadlines.schedule("device", 100);
        deadlines.schedule("device", 500);
        deadlines.schedule("same-time", 500);
        assertThat(deadlines.size()).isEqualTo(2);
        assertThat(deadlines.takeDue(400)).isEmpty();
        deadlines.schedule("earlier", 50);
        deadlines.cancel("earlier");
        deadlines.cancel("never-scheduled");
        assertThat(deadlines.takeDue(500)).containsExactly("device", "same-time");
        assertThat(deadlines.size()).isZero();
    }
}
