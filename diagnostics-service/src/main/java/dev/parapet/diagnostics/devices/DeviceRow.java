package dev.parapet.diagnostics.devices;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One row of an account's protected-device inventory: the agent as enrolled (key-service), the
 * latest of what it reported (telemetry), first and last seen, and its current findings.
 *
 * @param status           ACTIVE or REVOKED (the agent's credential)
 * @param firstSeen        the first telemetry received, null until then
 * @param lastSeen         the latest telemetry received
 * @param clockSkewMillis  agent clock minus the service's clock at the latest report
 */
public record DeviceRow(UUID accountId, UUID agentId, String deviceId, String hostname, String status, Instant enrolledAt,
                        String agentVersion, String osName, String osEdition, String osVersion,
                        Boolean enabled, String protectionState, String signedInUser, String userIdentifiedBy,
                        Instant agentClock, Long clockSkewMillis, Long lastConfigVersionApplied, String configurationSource,
                        TestBlocking lastTestBlocking, List<String> lastErrors,
                        Instant firstSeen, Instant lastSeen, List<Finding> findings) {

    /** The agent's last test of policy blocking. */
    public record TestBlocking(Instant testedAt, boolean blockedNameBlocked, boolean allowedNameResolved, String detail) {
        public boolean passed() {
            return blockedNameBlocked && allowedNameResolved;
        }
    }

    public DeviceRow {
        lastErrors = lastErrors == null ? List.of() : List.copyOf(lastErrors);
        findings = findings == null ? List.of() : List.copyOf(findings);
    }

    public boolean active() {
        return "ACTIVE".equals(status);
    }

    /** Protected: an active agent, enabled, saying it protects, and heard from recently (no NO_HEARTBEAT). */
    public boolean protectedNow() {
        return active() && Boolean.TRUE.equals(enabled) && "PROTECTED".equals(protectionState)
                && findings.stream().noneMatch(f -> f.code() == FindingCode.NO_HEARTBEAT);
    }

    public DeviceRow withFirstSeen(Instant first) {
        return new DeviceRow(accountId, agentId, deviceId, hostname, status, enrolledAt, agentVersion, osName, osEdition, osVersion,
                enabled, protectionState, signedInUser, userIdentifiedBy, agentClock, clockSkewMillis, lastConfigVersionApplied,
                configurationSource, lastTestBlocking, lastErrors, first, lastSeen, findings);
    }

    public DeviceRow withFindings(List<Finding> next) {
        return new DeviceRow(accountId, agentId, deviceId, hostname, status, enrolledAt, agentVersion, osName, osEdition, osVersion,
                enabled, protectionState, signedInUser, userIdentifiedBy, agentClock, clockSkewMillis, lastConfigVersionApplied,
                configurationSource, lastTestBlocking, lastErrors, firstSeen, lastSeen, next);
    }
}
