package dev.parapet.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The reports' fields, as docs/diagnostics.md specifies them. */
class AgentTelemetryTest {

    @Test
    void aHeartbeatCarriesEveryStatusFieldAndTheSettingsVersionOfTheLastEvent() {
        AgentState state = AgentState.enrolled(AgentStateStoreTest.enrolment())
                .withConfiguration(AgentConfiguration.installDefaults(), "s42.e7")
                .withUser("ann@example.com", "SSO", AgentStateStoreTest.session())
                .withTestBlocking(new AgentState.TestBlockingResult(Instant.parse("2026-03-01T10:00:00Z"), true, false, "x\u0000y"));

        Map<String, Object> heartbeat = Telemetry.heartbeat(state, "PROTECTED", "LIVE_STREAM", Instant.parse("2026-03-01T10:15:30Z"));

        assertThat(heartbeat).containsEntry("kind", "HEARTBEAT").containsEntry("agentVersion", "1.0.0")
                .containsEntry("osName", "Windows").containsEntry("osEdition", "Pro").containsEntry("osVersion", "11 23H2")
                .containsEntry("enabled", true).containsEntry("protectionState", "PROTECTED")
                .containsEntry("signedInUser", "ann@example.com").containsEntry("userIdentifiedBy", "SSO")
                .containsEntry("agentClock", "2026-03-01T10:15:30Z").containsEntry("lastConfigVersionApplied", 42L)
                .containsEntry("configurationSource", "LIVE_STREAM").doesNotContainKey("lastErrors");
        assertThat(heartbeat.get("lastTestBlocking")).isEqualTo(Map.of("testedAt", "2026-03-01T10:00:00Z",
                "blockedNameBlocked", true, "allowedNameResolved", false, "detail", "x y"));
    }

    @Test
    void withoutConfigurationOrUserTheHeartbeatSaysSo() {
        Map<String, Object> heartbeat = Telemetry.heartbeat(AgentState.enrolled(AgentStateStoreTest.enrolment()),
                "UNPROTECTED_OFFLINE", "INSTALL_DEFAULTS", Instant.now());

        assertThat(heartbeat).containsEntry("lastConfigVersionApplied", 0L).containsEntry("userIdentifiedBy", "NONE")
                .doesNotContainKey("signedInUser").doesNotContainKey("lastTestBlocking");
    }

    @Test
    void aUserIsNotReportedWhileTheAccountHasUserAuthenticationOff() {
        AgentConfiguration off = new AgentConfiguration(new AgentConfiguration.Settings(5, false, false, false, null),
                AgentConfiguration.installDefaults().exceptions());
        AgentState state = AgentState.enrolled(AgentStateStoreTest.enrolment()).withConfiguration(off, "s5.e0").withUser("ann@example.com", "SSO", AgentStateStoreTest.session());

        assertThat(Telemetry.heartbeat(state, "PROTECTED", "CACHED", Instant.now())).containsEntry("userIdentifiedBy", "NONE")
                .doesNotContainKey("signedInUser");
    }

    @Test
    void errorsTravelOnlyInADiagnosticReportCleanedAndCut() {
        Map<String, Object> heartbeat = Telemetry.heartbeat(AgentState.enrolled(AgentStateStoreTest.enrolment()), "PROTECTED", "CACHED", Instant.now());
        Map<String, Object> report = Telemetry.diagnosticReport(heartbeat, List.of(
                new AgentState.AgentError(Instant.parse("2026-03-01T10:00:00Z"), "bad\u202Eword"),
                new AgentState.AgentError(Instant.parse("2026-03-01T10:00:01Z"), "x".repeat(900))));

        assertThat(report).containsEntry("kind", "DIAGNOSTIC_REPORT");
        @SuppressWarnings("unchecked")
        List<String> errors = (List<String>) report.get("lastErrors");
        assertThat(errors.get(0)).isEqualTo("2026-03-01T10:00:00Z bad word");
        assertThat(errors.get(1).codePointCount(0, errors.get(1).length())).isEqualTo(500);
        assertThat(heartbeat).doesNotContainKey("lastErrors");
    }
}
