package dev.parapet.diagnostics.devices;

import java.time.Instant;
import java.util.List;

import dev.parapet.schemas.v1.agents.AgentState;
import dev.parapet.schemas.v1.telemetry.AgentStatusReport;
import dev.parapet.schemas.v1.telemetry.AgentTelemetry;
import dev.parapet.schemas.v1.telemetry.TelemetryKind;

/** How a device row changes with what key-service says of the agent and with what the agent reports. */
public final class DeviceUpdates {

    private DeviceUpdates() {
    }

    /** The row after the agent's record (enrolled, re-enrolled, revoked); {@code row} may be null. */
    public static DeviceRow withAgent(DeviceRow row, AgentState agent) {
        if (row == null) {
            return new DeviceRow(agent.getAccountId(), agent.getAgentId(), agent.getDeviceId(), agent.getHostname(),
                    agent.getStatus().name(), agent.getEnrolledAt(), Interned.VALUES.of(agent.getAgentVersion()), Interned.VALUES.of(agent.getOsName()), null,
                    Interned.VALUES.of(agent.getOsVersion()), null, null, null, null, null, null, null, null, null, List.of(), null, null, List.of());
        }
        boolean reported = row.lastSeen() != null;
        return new DeviceRow(row.accountId(), row.agentId(), agent.getDeviceId(), agent.getHostname(), agent.getStatus().name(),
                agent.getEnrolledAt(), reported ? row.agentVersion() : Interned.VALUES.of(agent.getAgentVersion()),
                reported ? row.osName() : Interned.VALUES.of(agent.getOsName()), row.osEdition(),
                reported ? row.osVersion() : Interned.VALUES.of(agent.getOsVersion()), row.enabled(), row.protectionState(),
                row.signedInUser(), row.userIdentifiedBy(), row.agentClock(), row.clockSkewMillis(), row.lastConfigVersionApplied(),
                row.configurationSource(), row.lastTestBlocking(), row.lastErrors(), row.firstSeen(), row.lastSeen(), row.findings());
    }

    /**
     * The row after one report. A report older than the latest one already applied (telemetry may
     * arrive out of order across partitions) only moves first-seen; a heartbeat keeps the last
     * errors of the latest diagnostic report.
     */
    public static DeviceRow withTelemetry(DeviceRow row, AgentTelemetry telemetry) {
        Instant received = telemetry.getReceivedAt();
        if (row == null) {
            row = new DeviceRow(telemetry.getAccountId(), telemetry.getAgentId(), null, null, "ACTIVE", null, null, null, null,
                    null, null, null, null, null, null, null, null, null, null, List.of(), null, null, List.of());
        }
        Instant firstSeen = row.firstSeen() == null || received.isBefore(row.firstSeen()) ? received : row.firstSeen();
        if (row.lastSeen() != null && received.isBefore(row.lastSeen())) {
            return row.withFirstSeen(firstSeen);
        }
        AgentStatusReport status = telemetry.getStatus();
        DeviceRow.TestBlocking test = status.getLastTestBlocking() == null ? row.lastTestBlocking()
                : new DeviceRow.TestBlocking(status.getLastTestBlocking().getTestedAt(), status.getLastTestBlocking().getBlockedNameBlocked(),
                status.getLastTestBlocking().getAllowedNameResolved(), status.getLastTestBlocking().getDetail());
        List<String> errors = telemetry.getKind() == TelemetryKind.DIAGNOSTIC_REPORT ? telemetry.getLastErrors() : row.lastErrors();
        return new DeviceRow(row.accountId(), row.agentId(), row.deviceId(), row.hostname(), row.status(), row.enrolledAt(),
                Interned.VALUES.of(status.getAgentVersion(), row.agentVersion()), Interned.VALUES.of(status.getOsName(), row.osName()),
                Interned.VALUES.of(status.getOsEdition(), row.osEdition()), Interned.VALUES.of(status.getOsVersion(), row.osVersion()), status.getEnabled(),
                status.getProtectionState().name(), status.getSignedInUser(), status.getUserIdentifiedBy().name(),
                status.getAgentClock(), status.getAgentClock().toEpochMilli() - received.toEpochMilli(),
                status.getLastConfigVersionApplied(), status.getConfigurationSource() == null ? null : status.getConfigurationSource().name(),
                test, errors, firstSeen, received, row.findings());
    }
}
