package dev.parapet.diagnostics.devices;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DeadlinesTest {

    private final Deadlines<String> deadlines = new Deadlines<>();

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

    @Test
    void deadlinesInOneBucketOrAcrossBucketsComeOutExactlyByTimeThenKey() {
        long bucket = 1L << Deadlines.BUCKET_SHIFT;
        deadlines.schedule("late-in-bucket", 5 * bucket + bucket - 1);
        deadlines.schedule("early-in-bucket", 5 * bucket + 1);
        deadlines.schedule("next-bucket", 6 * bucket);
        deadlines.schedule("b-same-ms", 5 * bucket + 1);
        deadlines.schedule("moved-within", 5 * bucket + 2);
        deadlines.schedule("moved-within", 5 * bucket + 3);
        deadlines.schedule("moved-out", 5 * bucket + 4);
        deadlines.schedule("moved-out", 9 * bucket);
        deadlines.schedule("negative", -3);

        assertThat(deadlines.takeDue(5 * bucket + 3)).containsExactly("negative", "b-same-ms", "early-in-bucket", "moved-within");
        assertThat(deadlines.takeDue(5 * bucket + 4)).isEmpty();
        assertThat(deadlines.size()).isEqualTo(3);
        assertThat(deadlines.takeDue(6 * bucket)).containsExactly("late-in-bucket", "next-bucket");
        assertThat(deadlines.takeDue(9 * bucket - 1)).isEmpty();
        assertThat(deadlines.takeDue(9 * bucket)).containsExactly("moved-out");
        assertThat(deadlines.size()).isZero();
    }

    @Test
    void aKeyMovedLaterAndEarlierAndCancelledAndScheduledAgainIsDueOnceAtItsLastTime() {
        long bucket = 1L << Deadlines.BUCKET_SHIFT;
        for (int beat = 0; beat < 100; beat++) {
            deadlines.schedule("heartbeating", 10 * bucket + beat * bucket);   // later each time
        }
        deadlines.schedule("pulled-in", 50 * bucket);
        deadlines.schedule("pulled-in", 20 * bucket + 7);
        deadlines.schedule("cancelled-then-back", 15 * bucket);
        deadlines.cancel("cancelled-then-back");
        deadlines.schedule("cancelled-then-back", 30 * bucket);

        assertThat(deadlines.takeDue(25 * bucket)).containsExactly("pulled-in");
        assertThat(deadlines.takeDue(29 * bucket)).isEmpty();
        assertThat(deadlines.takeDue(30 * bucket)).containsExactly("cancelled-then-back");
        assertThat(deadlines.takeDue(50 * bucket)).isEmpty();
        assertThat(deadlines.takeDue(109 * bucket - 1)).isEmpty();
        assertThat(deadlines.takeDue(109 * bucket)).containsExactly("heartbeating");
        assertThat(deadlines.takeDue(1_000 * bucket)).isEmpty();
        assertThat(deadlines.size()).isZero();
    }
}
