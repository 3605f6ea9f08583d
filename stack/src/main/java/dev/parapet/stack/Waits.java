package dev.parapet.stack;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polling until a condition holds, for start-up checks that have no event to wait on. */
public final class Waits {

    private Waits() {
    }

    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        until(what, timeout, Duration.ofMillis(50), condition);
    }

    /** As {@link #until(String, Duration, BooleanSupplier)}, asking every {@code interval}. */
    public static void until(String what, Duration timeout, Duration interval, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (IllegalStateException e) {
                throw e;
            } catch (RuntimeException e) {
                last = e;
            }
            try {
                Thread.sleep(interval.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for " + what, e);
            }
        }
        throw new IllegalStateException("Timed out after " + timeout + " waiting for " + what, last);
    }
}
