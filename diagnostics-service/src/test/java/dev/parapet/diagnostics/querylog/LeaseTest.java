package dev.parapet.diagnostics.querylog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lease's rules on create-if-absent, with its renewals run by the test (a stall is a renewal not run). */
class LeaseTest {

    private static final String PREFIX = "_retention/lock/";

    /** Runs nothing by itself: the test runs the renewal when it likes. */
    private static final class HeldRenewals extends ScheduledThreadPoolExecutor {
        Runnable renewal;

        HeldRenewals() {
            super(1);
        }

        @Override
        public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
            renewal = command;
            return schedule(() -> { }, 1, TimeUnit.DAYS);
        }
    }

    @TempDir
    Path root;
    private final List<HeldRenewals> executors = new ArrayList<>();
    private final HeldRenewals renewals = renewals();

    private HeldRenewals renewals() {
        HeldRenewals executor = new HeldRenewals();
        executors.add(executor);
        return executor;
    }

    @AfterEach
    void stop() {
        executors.forEach(HeldRenewals::shutdownNow);
    }

    private static String key(long sequence) {
        return PREFIX + "lease-" + String.format("%019d", sequence);
    }

    @Test
    void aHolderThatStalledWhileAnotherTookAndReleasedTheKeyLearnsItLostTheHold() {
        ObjectStore store = new DirectoryObjectStore(root);
        ObjectStore.Hold stalled = Lease.take(store, PREFIX, Duration.ZERO, Duration.ofMinutes(2), renewals).orElseThrow();
        stalled.check();

        // Its lease expired while it stalled: another instance took the key and released it, each deleting the numbers
        // before its own, so the number the stalled holder renews with next is free again.
        assertThat(store.create(key(1), "another 1".getBytes(StandardCharsets.US_ASCII))).isTrue();
        store.delete(key(0));
        assertThat(store.create(key(2), "another 0".getBytes(StandardCharsets.US_ASCII))).isTrue();
        store.delete(key(1));

        renewals.renewal.run();
        assertThatThrownBy(stalled::check).hasMessageContaining("lost");
        assertThat(Lease.take(store, PREFIX, Duration.ZERO, Duration.ofMinutes(2), renewals())).as("free: released")
                .isPresent();
    }

    @Test
    void aRenewalKeepsTheHoldAndATakeWhoseAnswerWasLostIsKnownAsOurs() {
        AtomicBoolean loseNextAnswer = new AtomicBoolean(true);
        ObjectStore losing = new ForwardingStore(new DirectoryObjectStore(root)) {
            @Override
            public boolean create(String key, byte[] content) {
                // The store made the object, but its answer was lost and the client's retry was refused.
                return super.create(key, content) && !loseNextAnswer.getAndSet(false);
            }
        };
        ObjectStore.Hold held = Lease.take(losing, PREFIX, Duration.ZERO, Duration.ofMinutes(2), renewals).orElseThrow();
        renewals.renewal.run();
        renewals.renewal.run();
        held.check();
        assertThat(losing.list(PREFIX, null)).extracting(ObjectStore.Listed::key).containsExactly(key(2));
        assertThat(Lease.take(losing, PREFIX, Duration.ZERO, Duration.ofMinutes(2), renewals())).as("held").isEmpty();
        held.close();
        assertThat(Lease.take(losing, PREFIX, Duration.ZERO, Duration.ofMinutes(2), renewals())).as("released").isPresent();
    }
}
