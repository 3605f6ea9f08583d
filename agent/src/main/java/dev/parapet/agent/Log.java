package dev.parapet.agent;

import java.io.PrintStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The agent's log lines: timestamped, on standard error, one line each. No framework: the agent is a
 * small program that starts fast, and what it logs is for the person at the terminal (and journald).
 * Callers never pass the credential or a password here.
 */
public final class Log {

    private final PrintStream out;

    public Log(PrintStream out) {
        this.out = out;
    }

    public static Log stderr() {
        return new Log(System.err);
    }

    public void info(String message) {
        line("INFO", message);
    }

    public void warn(String message) {
        line("WARN", message);
    }

    private void line(String level, String message) {
        out.println(Instant.now().truncatedTo(ChronoUnit.MILLIS) + " " + level + " " + message);
    }
}
