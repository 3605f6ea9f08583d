package dev.parapet.agent;

/**
 * A failure the user must read: its message says what happened and what to do, and it carries the
 * command's exit code. Commands print the message alone (no stack trace): these are expected outcomes.
 */
public class AgentException extends RuntimeException {

    /** Exit codes, documented in docs/agent.md. */
    public static final int FAILED = 1;
    public static final int NOT_AVAILABLE = 2;
    public static final int WRONG_PASSWORD = 3;
    public static final int NO_TAMPER_PROTECTION = 4;
    public static final int NOT_ENROLLED = 5;
    public static final int REVOKED = 6;

    private final int exitCode;

    public AgentException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public AgentException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
