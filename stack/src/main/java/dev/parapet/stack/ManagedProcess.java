package dev.parapet.stack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A child process (a broker, the registry, a service) whose output goes to a log file and which
 * is stopped with the JVM that started it, whatever way that JVM ends normally.
 */
public final class ManagedProcess implements AutoCloseable {

    private static final Set<ManagedProcess> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ManagedProcess::stopAll, "parapet-process-reaper"));
    }

    private final String name;
    private final Process process;
    private final Path logFile;
    private volatile boolean stoppedOnPurpose;

    private ManagedProcess(String name, Process process, Path logFile) {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
    }

    public static ManagedProcess start(String name, List<String> command, Map<String, String> environment,
                                       Path workingDirectory, Path logFile) {
        try {
            Files.createDirectories(logFile.getParent());
            Files.createDirectories(workingDirectory);
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(workingDirectory.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            builder.environment().putAll(environment);
            ManagedProcess started = new ManagedProcess(name, builder.start(), logFile);
            RUNNING.add(started);
            return started;
        } catch (IOException e) {
            throw new IllegalStateException("Could not start " + name + ": " + command, e);
        }
    }

    /** Runs a command to completion (such as formatting a broker's storage), failing with its output. */
    public static void runToCompletion(String name, List<String> command, Path workingDirectory, Path logFile,
                                       Duration timeout) {
        runToCompletion(name, command, Map.of(), workingDirectory, logFile, timeout);
    }

    /** As above, with environment variables. */
    public static void runToCompletion(String name, List<String> command, Map<String, String> environment, Path workingDirectory,
                                       Path logFile, Duration timeout) {
        ManagedProcess process = start(name, command, environment, workingDirectory, logFile);
        try {
            if (!process.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.close();
                throw new IllegalStateException(name + " did not finish within " + timeout + ":\n" + process.logTail(40));
            }
            if (process.process.exitValue() != 0) {
                throw new IllegalStateException(name + " failed with exit code " + process.process.exitValue()
                        + ":\n" + process.logTail(40));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for " + name, e);
        } finally {
            RUNNING.remove(process);
        }
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path logFile() {
        return logFile;
    }

    /** Completes when the process has exited, whatever the cause. */
    public java.util.concurrent.CompletableFuture<ManagedProcess> onExit() {
        return process.onExit().thenApply(exited -> this);
    }

    /** Whether {@link #close} or {@link #kill} ended it (so its exit is expected, not a crash). */
    public boolean stoppedOnPurpose() {
        return stoppedOnPurpose;
    }

    /** How it ended, for people: "exit code 1", or "killed by SIGKILL" for an exit code above 128. */
    public String exitDescription() {
        if (process.isAlive()) {
            return "running";
        }
        int code = process.exitValue();
        if (code > 128 && code < 128 + 65) {
            int signal = code - 128;
            String name = switch (signal) {
                case 1 -> "SIGHUP";
                case 2 -> "SIGINT";
                case 6 -> "SIGABRT";
                case 9 -> "SIGKILL";
                case 11 -> "SIGSEGV";
                case 15 -> "SIGTERM";
                default -> "signal " + signal;
            };
            return "killed by " + name + " (exit code " + code + ")";
        }
        return "exit code " + code;
    }

    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Fails with the log's tail if the process has exited. */
    public void ensureAlive() {
        if (!process.isAlive()) {
            throw new IllegalStateException(name + " exited with code " + process.exitValue() + ", log "
                    + logFile + ":\n" + logTail(60));
        }
    }

    /** Stops the process as a crash would: no shutdown, no flush. */
    public void kill() {
        stoppedOnPurpose = true;
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(30));
        RUNNING.remove(this);
    }

    @Override
    public void close() {
        stoppedOnPurpose = true;
        if (process.isAlive()) {
            process.destroy();
            if (!awaitExit(Duration.ofSeconds(30))) {
                process.destroyForcibly();
                awaitExit(Duration.ofSeconds(10));
            }
        }
        RUNNING.remove(this);
    }

    private boolean awaitExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Stops every process still running, newest first (services before the broker they need). */
    static void stopAll() {
        List<ManagedProcess> running = new ArrayList<>(RUNNING);
        running.sort((a, b) -> Long.compare(b.process.pid(), a.process.pid()));
        running.forEach(ManagedProcess::close);
    }
}
