package dev.parapet.agent;

/**
 * The version this agent reports (enrolment, telemetry) and compares with the published one. A
 * constant rather than the Maven version: diagnostics-service checks it against
 * {@code parapet.diagnostics.latest-agent-version}, which follows the agent's own release numbers.
 */
public final class AgentVersion {

    public static final String CURRENT = "1.0.0";

    private AgentVersion() {
    }
}
