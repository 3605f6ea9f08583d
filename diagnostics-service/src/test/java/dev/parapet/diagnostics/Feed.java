package dev.parapet.diagnostics;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import dev.parapet.kit.secrets.Secrets;
import dev.parapet.kit.testing.TestAgents;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.agents.AgentState;
import dev.parapet.schemas.v1.agents.AgentStatus;
import dev.parapet.schemas.v1.settings.AgentSettings;
import dev.parapet.schemas.v1.telemetry.AgentStatusReport;
import dev.parapet.schemas.v1.telemetry.AgentTelemetry;
import dev.parapet.schemas.v1.telemetry.ConfigurationSource;
import dev.parapet.schemas.v1.telemetry.ProtectionState;
import dev.parapet.schemas.v1.telemetry.TelemetryKind;
import dev.parapet.schemas.v1.telemetry.UserIdentification;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;
import dev.parapet.schemas.v1.verdicts.Reason;
import dev.parapet.schemas.v1.verdicts.Transport;

/** Feeds the topics diagnostics-service reads, as key-service, settings-service, the intake and dns-service would. */
public final class Feed implements AutoCloseable {

    public final TestAgents records = new TestAgents();

    /** A device's report: what the agent says. */
    public record Report(String os, String edition, String version, boolean enabled, String agentVersion, long clockOffsetMillis,
                         long configVersion) {
        public static Report healthy() {
            return new Report("Windows", "Enterprise", "11 23H2", true, "1.2.0", 0, 0);
        }
    }

    public void agent(UUID account, UUID agentId, String hostname, Instant enrolledAt) throws Exception {
        records.publish(Topics.AGENTS.name(), agentId.toString(), AgentState.newBuilder().setAgentId(agentId).setAccountId(account)
                .setDeviceId("device-" + agentId).setHostname(hostname).setOsName("Windows").setOsVersion("11").setAgentVersion("1.2.0")
                .setKeyId(UUID.randomUUID()).setKeyGeneration(1).setCredentialVerifier(Secrets.verifier("secret-" + agentId))
                .setStatus(AgentStatus.ACTIVE).setEnrolledAt(millis(enrolledAt)).setLastEnrolledAt(millis(enrolledAt)).build());
    }

    /** A report as the intake writes it: keyed by account. */
    public void telemetry(UUID account, UUID agentId, Report report, Instant receivedAt) throws Exception {
        telemetry(account.toString(), account, agentId, report, receivedAt);
    }

    /** A report as releases before 2026-12-05 wrote it: keyed by agent. */
    public void telemetryKeyedByAgent(UUID account, UUID agentId, Report report, Instant receivedAt) throws Exception {
        telemetry(agentId.toString(), account, agentId, report, receivedAt);
    }

    private void telemetry(String key, UUID account, UUID agentId, Report report, Instant receivedAt) throws Exception {
        AgentStatusReport status = AgentStatusReport.newBuilder().setAgentVersion(report.agentVersion()).setOsName(report.os())
                .setOsEdition(report.edition()).setOsVersion(report.version()).setEnabled(report.enabled())
                .setProtectionState(report.enabled() ? ProtectionState.PROTECTED : ProtectionState.DISABLED)
                .setSignedInUser("ann@example.com").setUserIdentifiedBy(UserIdentification.SSO)
                .setAgentClock(millis(receivedAt.plusMillis(report.clockOffsetMillis())))
                .setLastConfigVersionApplied(report.configVersion()).setConfigurationSource(ConfigurationSource.LIVE_STREAM).build();
        records.publish(Topics.AGENT_TELEMETRY.name(), key, AgentTelemetry.newBuilder().setEventId(UUID.randomUUID())
                .setAccountId(account).setAgentId(agentId).setReceivedAt(millis(receivedAt)).setKind(TelemetryKind.HEARTBEAT)
                .setStatus(status).setLastErrors(List.of()).build());
    }

    public void settings(UUID account, long version, Instant updatedAt) throws Exception {
        records.publish(Topics.AGENT_SETTINGS.name(), account.toString(), AgentSettings.newBuilder().setAccountId(account)
                .setVersion(version).setUpdatedBy("admin@example.com").setUpdatedAt(millis(updatedAt)).build());
    }

    public static DnsVerdict verdict(UUID account, Instant at, Action action, String name, List<String> categories,
                                     UUID location, UUID agent, String user) {
        return verdict(account, at, action, name, categories, location, agent, user, "NOERROR");
    }

    /** A verdict with the response code sent (SERVFAIL and REFUSED: the upstream failed). */
    public static DnsVerdict verdict(UUID account, Instant at, Action action, String name, List<String> categories,
                                     UUID location, UUID agent, String user, String responseCode) {
        return DnsVerdict.newBuilder().setEventId(UUID.randomUUID()).setOccurredAt(millis(at)).setAccountId(account)
                .setLocationId(location).setAgentId(agent).setUserEmail(user).setClientAddress("192.0.2.7")
                .setTransport(agent != null ? Transport.DOH : Transport.UDP).setQueryName(name).setQueryType("A").setAction(action)
                .setReason(action == Action.ALLOWED ? Reason.DEFAULT_ALLOW : Reason.CATEGORY).setCategoryIds(categories)
                .setResponseCode(responseCode).setLatencyMicros(250).build();
    }

    public void verdicts(List<DnsVerdict> verdicts) throws Exception {
        for (DnsVerdict verdict : verdicts) {
            records.publish(Topics.VERDICTS.name(), verdict.getAccountId().toString(), verdict);
        }
    }

    /** An administrator's change, as key-service and settings-service write them (keyed by account). */
    public void audit(UUID account, Instant at, String subject, String action, String resourceType, String resourceId, String before,
                      String after) throws Exception {
        records.publish(Topics.AUDIT.name(), account.toString(), dev.parapet.schemas.v1.audit.AuditEvent.newBuilder()
                .setEventId(UUID.randomUUID()).setOccurredAt(millis(at)).setAccountId(account)
                .setActor(dev.parapet.schemas.v1.common.Actor.newBuilder().setSubject(subject).setRole("FULL_ADMIN")
                        .setKind(dev.parapet.schemas.v1.common.ActorKind.ADMIN).build())
                .setAction(action).setResourceType(resourceType).setResourceId(resourceId).setBefore(before).setAfter(after)
                .setOutcome(dev.parapet.schemas.v1.audit.Outcome.SUCCESS).setSourceAddress("192.0.2.10").build());
    }

    static Instant millis(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MILLIS);
    }


    @Override
    public void close() {
        records.close();
    }
}
