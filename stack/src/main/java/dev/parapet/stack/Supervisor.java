package dev.parapet.stack;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Watches what the local stack started. A child that exits without being asked to is reported at
 * once (how it ended, where its log is) and started again after the {@link RestartPolicy}'s delay;
 * once it is serving again, that is said too. A child that keeps dying makes the supervisor give up,
 * which the local stack turns into stopping everything with a clear message.
 */
public final class Supervisor implements AutoCloseable {

    /** Something the supervisor keeps running. */
    public interface Child {

        String name();

        /** The process running now. */
        ManagedProcess process();

        /** Starts it again and returns once it serves (or throws). */
        void restart();

        /** Stops it for good. */
        void close();

        /** A child made of its parts: the process running now, how to start it again, how to stop it. */
        static Child of(String name, Supplier<ManagedProcess> process, Runnable restart, Runnable close) {
            return new Child() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public ManagedProcess process() {
                    return process.get();
                }

                @Override
                public void restart() {
                    restart.run();
                }

                @Override
                public void close() {
                    close.run();
                }
            };
        }
    }

    /** Children in the order they were watched, each group stopped together. */
    private final List<List<Child>> groups = new CopyOnWriteArrayList<>();
    private final Map<Child, RestartPolicy> policies = new ConcurrentHashMap<>();
    private final Supplier<RestartPolicy> policyFactory;
    private final Consumer<String> say;
    private final Consumer<String> giveUp;
    private final Clock clock;
    private final ScheduledExecutorService restarts = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "parapet-supervisor");
        thread.setDaemon(true);
        return thread;
    });
    private volatile boolean stopping;

    /**
     * @param policyFactory a fresh policy per child
     * @param say           where reports go (a line each)
     * @param giveUp        called, with the reason, when a child keeps dying
     */
    public Supervisor(Supplier<RestartPolicy> policyFactory, Consumer<String> say, Consumer<String> giveUp, Clock clock) {
        this.policyFactory = policyFactory;
        this.say = say;
        this.giveUp = giveUp;
        this.clock = clock;
    }

    /** Starts watching a child that runs now. */
    public void watch(Child child) {
        watchTogether(List.of(child));
    }

    /**
     * Starts watching children that run now and depend on nothing among themselves: at the end they are
     * stopped at the same time (each is restarted on its own, as ever).
     */
    public void watchTogether(List<Child> together) {
        groups.add(List.copyOf(together));
        for (Child child : together) {
            policies.put(child, policyFactory.get());
            watchProcess(child, child.process());
        }
    }

    private void watchProcess(Child child, ManagedProcess process) {
        process.onExit().thenAccept(exited -> {
            if (!stopping && !exited.stoppedOnPurpose() && !jvmShuttingDown()) {
                died(child, exited, clock.instant());
            }
        });
    }

    private void died(Child child, ManagedProcess exited, Instant at) {
        say.accept(child.name() + " died (" + exited.exitDescription() + "); its log: " + exited.logFile() + lastLines(exited));
        decide(child, at);
    }

    private void decide(Child child, Instant diedAt) {
        RestartPolicy policy = policies.get(child);
        RestartPolicy.Decision decision = policy.died(diedAt);
        if (decision instanceof RestartPolicy.GiveUp giveUpDecision) {
            String reason = child.name() + " died " + giveUpDecision.deaths() + " times within "
                    + giveUpDecision.window().toMinutes() + " min: stopping everything. Read its log ("
                    + child.process().logFile() + ") and start again.";
            say.accept(reason);
            if (!stopping) {
                giveUp.accept(reason);
            }
        } else if (decision instanceof RestartPolicy.Restart restart) {
            say.accept("Restarting " + child.name() + " in " + seconds(restart.after()) + " s (" + restart.deaths() + " death(s) within "
                    + policy.window().toMinutes() + " min).");
            restarts.schedule(() -> restart(child, diedAt), restart.after().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void restart(Child child, Instant diedAt) {
        if (stopping) {
            return;
        }
        try {
            child.restart();
            say.accept(child.name() + " is serving again, " + seconds(Duration.between(diedAt, clock.instant()))
                    + " s after it died.");
            watchProcess(child, child.process());
        } catch (RuntimeException e) {
            if (stopping) {
                return;
            }
            say.accept("Restarting " + child.name() + " failed: " + firstLine(e.getMessage()));
            try {
                child.process().close();
            } catch (RuntimeException ignored) {
                // Already gone.
            }
            decide(child, clock.instant());
        }
    }

    /**
     * Stops watching, then stops every child, the last watched first; children watched together are
     * stopped at the same time (so the stack's four services take as long to stop as the slowest).
     */
    @Override
    public void close() {
        stopping = true;
        restarts.shutdownNow();
        List<List<Child>> reversed = new ArrayList<>(groups);
        java.util.Collections.reverse(reversed);
        for (List<Child> group : reversed) {
            List<Thread> stoppers = new ArrayList<>();
            for (Child child : group) {
                Thread stopper = new Thread(() -> {
                    try {
                        child.close();
                    } catch (RuntimeException e) {
                        say.accept("While stopping " + child.name() + ": " + e.getMessage());
                    }
                }, "parapet-stop-" + child.name());
                stopper.start();
                stoppers.add(stopper);
            }
            for (Thread stopper : stoppers) {
                try {
                    stopper.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static String lastLines(ManagedProcess exited) {
        String tail = exited.logTail(3).strip();
        return tail.isEmpty() ? "" : "; it last wrote:\n    " + tail.replace("\n", "\n    ");
    }

    private static String seconds(Duration duration) {
        return String.format(java.util.Locale.ROOT, "%.1f", duration.toMillis() / 1000.0);
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "(no message)";
        }
        int end = text.indexOf('\n');
        return end < 0 ? text : text.substring(0, end);
    }

    /** Whether the JVM is running its shutdown hooks (then children end because the stack stops). */
    private static boolean jvmShuttingDown() {
        Thread probe = new Thread(() -> { });
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }
}
