package dev.parapet.stack;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * When a child of the local stack that died is started again: after a delay that doubles with each
 * death in the window (1 s, 2 s, 4 s … up to a cap), and not at all once it has died more than
 * {@code maxDeaths} times within the window, because then something is wrong that restarting does not mend.
 */
public final class RestartPolicy {

    /** What to do about a death. */
    public sealed interface Decision {
    }

    /** Start it again after the delay; {@code deaths} counts the deaths in the window, this one included. */
    public record Restart(Duration after, int deaths) implements Decision {
    }

    /** Stop trying: it died {@code deaths} times within {@code window}. */
    public record GiveUp(int deaths, Duration window) implements Decision {
    }

    private final int maxDeaths;
    private final Duration window;
    private final Duration firstDelay;
    private final Duration maxDelay;
    private final Deque<Instant> deaths = new ArrayDeque<>();

    public RestartPolicy(int maxDeaths, Duration window, Duration firstDelay, Duration maxDelay) {
        if (maxDeaths < 1 || window.isNegative() || firstDelay.isNegative() || maxDelay.compareTo(firstDelay) < 0) {
            throw new IllegalArgumentException("maxDeaths >= 1, and 0 <= firstDelay <= maxDelay");
        }
        this.maxDeaths = maxDeaths;
        this.window = window;
        this.firstDelay = firstDelay;
        this.maxDelay = maxDelay;
    }

    /** The local stack's: five restarts within five minutes, waiting 1 s, 2 s, 4 s, 8 s, 16 s. */
    public static RestartPolicy standard() {
        return new RestartPolicy(5, Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofSeconds(30));
    }

    /** The window within which deaths are counted. */
    public Duration window() {
        return window;
    }

    /** Records a death at the instant given and decides. */
    public synchronized Decision died(Instant at) {
        deaths.addLast(at);
        while (!deaths.isEmpty() && deaths.peekFirst().isBefore(at.minus(window))) {
            deaths.removeFirst();
        }
        int recent = deaths.size();
        if (recent > maxDeaths) {
            return new GiveUp(recent, window);
        }
        Duration delay = firstDelay.multipliedBy(1L << Math.min(recent - 1, 30));
        return new Restart(delay.compareTo(maxDelay) > 0 ? maxDelay : delay, recent);
    }
}
