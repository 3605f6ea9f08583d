package dev.parapet.diagnostics.devices;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class HealthRulesTest {

    static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    final HealthRules rules = new HealthRules(Duration.ofMinutes(10), Duration.ofMinutes(2), Duration.ofMinutes(2), "1.2.0");

    static DeviceRow row(String os, String edition, String version, boolean enabled, String agentVersion, long skewMillis,
                         long configVersion, Instant lastSeen) {
        return new DeviceRow(UUID.randomUUID(), UUID.randomUUID(), "d", "host", "ACTIVE", NOW.minusSeconds(86_400), agentVersion,
                os, edition, version, enabled, enabled ? "PROTECTED" : "DISABLED", null, "NONE", lastSeen.plusMillis(skewMillis),
                skewMillis, configVersion, "LIVE_STREAM", null, List.of(), lastSeen, lastSeen, List.of());
    }

    static List<FindingCode> codes(List<Finding> findings) {
        return findings.stream().map(Finding::code).toList();
    }

    @Test
    void aHealthyDeviceHasNoFindings() {
        DeviceRow healthy = row("Windows", "Enterprise", "11 23H2", true, "1.2.0", 3_000, 4, NOW.minusSeconds(30));
        assertThat(rules.evaluate(healthy, new HealthRules.AccountSettings(4, NOW.minusSeconds(600)), NOW)).isEmpty();
    }

    @Test
    void eachFindingIsRaisedByItsCause() {
        HealthRules.AccountSettings settings = new HealthRules.AccountSettings(5, NOW.minusSeconds(600));
        assertThat(codes(rules.evaluate(row("Windows", "Home", "11", true, "1.2.0", 0, 5, NOW), settings, NOW)))
                .containsExactly(FindingCode.UNSUPPORTED_PLATFORM);
        assertThat(codes(rules.evaluate(row("macOS", null, "14.4", true, "1.2.0", -180_000, 5, NOW), settings, NOW)))
                .containsExactly(FindingCode.CLOCK_SKEW);
        assertThat(codes(rules.evaluate(row("macOS", null, "14.4", false, "1.2.0", 0, 5, NOW), settings, NOW)))
                .containsExactly(FindingCode.AGENT_DISABLED);
        assertThat(codes(rules.evaluate(row("macOS", null, "14.4", true, "1.1.9", 0, 5, NOW), settings, NOW)))
                .containsExactly(FindingCode.OUTDATED_AGENT);
        assertThat(codes(rules.evaluate(row("macOS", null, "14.4", true, "1.2.0", 0, 4, NOW), settings, NOW)))
                .containsExactly(FindingCode.CONFIGURATION_BEHIND);
        assertThat(codes(rules.evaluate(row("macOS", null, "14.4", true, "1.2.0", 0, 5, NOW.minusSeconds(601)), settings, NOW)))
                .containsExactly(FindingCode.NO_HEARTBEAT);
    }

    @Test
    void anEnabledAgentThatCannotProtectAndAFailedTestAreFindingsToo() {
        DeviceRow row = row("macOS", null, "14.4", true, "1.2.0", 0, 0, NOW);
        DeviceRow offline = new DeviceRow(row.accountId(), row.agentId(), "d", "host", "ACTIVE", row.enrolledAt(), "1.2.0", "macOS",
                null, "14.4", true, "UNPROTECTED_OFFLINE", null, "NONE", NOW, 0L, 0L, "CACHED",
                new DeviceRow.TestBlocking(NOW, false, true, null), List.of(), NOW, NOW, List.of());
        List<Finding> findings = rules.evaluate(offline, null, NOW);
        assertThat(codes(findings)).containsExactly(FindingCode.NOT_PROTECTED, FindingCode.TEST_BLOCKING_FAILED);
        assertThat(findings.get(1).detail()).contains("a blocked name was not blocked");
    }

    @Test
    void aFindingKeepsItsSinceUntilItClears() {
        DeviceRow disabled = row("macOS", null, "14.4", false, "1.2.0", 0, 0, NOW);
        List<Finding> first = rules.evaluate(disabled, null, NOW);
        List<Finding> later = rules.evaluate(disabled.withFindings(first), null, NOW.plusSeconds(60));
        assertThat(later).singleElement().extracting(Finding::since).isEqualTo(NOW);
        DeviceRow enabled = row("macOS", null, "14.4", true, "1.2.0", 0, 0, NOW.plusSeconds(61)).withFindings(later);
        assertThat(rules.evaluate(enabled, null, NOW.plusSeconds(62))).isEmpty();
    }

    @Test
    void withEnforcedUserAuthenticationADeviceWithoutASignedInUserSaysSo() {
        HealthRules.AccountSettings enforced = new HealthRules.AccountSettings(5, NOW.minusSeconds(600), true);
        DeviceRow nobody = row("macOS", null, "14.4", true, "1.2.0", 0, 5, NOW);
        List<Finding> findings = rules.evaluate(nobody, enforced, NOW);
        assertThat(codes(findings)).containsExactly(FindingCode.USER_NOT_SIGNED_IN);
        assertThat(findings.get(0).detail()).startsWith("user not signed in");
        DeviceRow ann = new DeviceRow(nobody.accountId(), nobody.agentId(), "d", "host", "ACTIVE", nobody.enrolledAt(), "1.2.0", "macOS",
                null, "14.4", true, "PROTECTED", "ann@example.com", "DOMAIN_CREDENTIALS", NOW, 0L, 5L, "LIVE_STREAM", null, List.of(),
                NOW, NOW, List.of());
        assertThat(rules.evaluate(ann, enforced, NOW)).isEmpty();
        assertThat(rules.evaluate(nobody, new HealthRules.AccountSettings(5, NOW.minusSeconds(600), false), NOW))
                .as("not enforced: nobody signed in is fine").isEmpty();
    }

    @Test
    void aNewSettingsVersionIsGivenTheGraceToArrive() {
        DeviceRow behind = row("macOS", null, "14.4", true, "1.2.0", 0, 4, NOW);
        assertThat(rules.evaluate(behind, new HealthRules.AccountSettings(5, NOW.minusSeconds(10)), NOW)).isEmpty();
    }

    @Test
    void revokedAgentsHaveNoFindings() {
        DeviceRow row = row("Android", null, "14", false, "0.1.0", 900_000, 0, NOW.minusSeconds(9_999));
        DeviceRow revoked = new DeviceRow(row.accountId(), row.agentId(), "d", "host", "REVOKED", row.enrolledAt(), row.agentVersion(),
                row.osName(), null, row.osVersion(), false, "REVOKED", null, "NONE", row.agentClock(), row.clockSkewMillis(), 0L, null,
                null, List.of(), row.firstSeen(), row.lastSeen(), List.of());
        assertThat(rules.evaluate(revoked, null, NOW)).isEmpty();
    }

    @Test
    void versionsCompareNumerically() {
        assertThat(HealthRules.compareVersions("1.10.0", "1.9.2")).isPositive();
        assertThat(HealthRules.compareVersions("1.2", "1.2.0")).isZero();
        assertThat(HealthRules.compareVersions("1.2.0-rc1", "1.2.0")).isNegative();
        // Only a part's digits count; a part too long for a number sorts after every other.
        assertThat(HealthRules.compareVersions("1.4b.0", "1.4.0")).isZero();
        assertThat(HealthRules.compareVersions("1.x.0", "1.0.0")).isZero();
        assertThat(HealthRules.compareVersions("1.99999999999999999999", "1.9223372036854775806")).isPositive();
    }

    @Test
    void theSupportedPlatformMatrix() {
        assertThat(Platforms.unsupported("Windows", "Pro", "10 22H2")).isEmpty();
        assertThat(Platforms.unsupported("Windows", "Enterprise multi-session", "10.0.19045")).isEmpty();
        assertThat(Platforms.unsupported("Windows", "Professional", "8.1")).isEmpty();
        assertThat(Platforms.unsupported("Windows", "Ultimate", "7 SP1")).isEmpty();
        assertThat(Platforms.unsupported("Windows", "Home", "11 23H2")).isPresent();
        assertThat(Platforms.unsupported("Windows", "Pro", "Vista")).isPresent();
        assertThat(Platforms.unsupported("Windows Server", "Datacenter", "2012 R2")).isEmpty();
        assertThat(Platforms.unsupported("Windows Server", "Standard", "2022")).isEmpty();
        assertThat(Platforms.unsupported("Windows Server", "Standard", "2012")).isPresent();
        assertThat(Platforms.unsupported("Windows Server", "Standard", "2025")).isPresent();
        assertThat(Platforms.unsupported("macOS", null, "10.13.6")).isEmpty();
        assertThat(Platforms.unsupported("macOS", null, "14.4")).isEmpty();
        assertThat(Platforms.unsupported("macOS", null, "10.12")).isPresent();
        assertThat(Platforms.unsupported("macOS", null, "15.0")).isPresent();
        assertThat(Platforms.unsupported("iOS", null, "12.0")).isEmpty();
        assertThat(Platforms.unsupported("iOS", null, "11.4")).isPresent();
        assertThat(Platforms.unsupported("Android", null, "14")).isPresent();
        assertThat(Platforms.unsupported("ChromeOS", null, "120")).isPresent();
        assertThat(Platforms.unsupported("Linux", "Ubuntu", "24.04")).isPresent();
    }

    @Test
    void timeAloneNextChangesADeviceWhenItsHeartbeatIsOverdueOrItsSettingsGraceEnds() {
        HealthRules.AccountSettings current = new HealthRules.AccountSettings(5, NOW.minusSeconds(600));
        DeviceRow upToDate = row("macOS", null, "14.4", true, "1.2.0", 0, 5, NOW.minusSeconds(30));
        // Silent for longer than the timeout (10 min): NO_HEARTBEAT, one millisecond after the timeout ends.
        assertThat(rules.nextChange(upToDate, current)).isEqualTo(NOW.minusSeconds(30).plus(Duration.ofMinutes(10)).plusMillis(1));
        // Behind a change made a minute ago: CONFIGURATION_BEHIND when the 2-minute grace ends, before the heartbeat's timeout.
        HealthRules.AccountSettings justChanged = new HealthRules.AccountSettings(6, NOW.minusSeconds(60));
        assertThat(rules.nextChange(upToDate, justChanged)).isEqualTo(NOW.plusSeconds(60).plusMillis(1));
        // What the deadline names is what evaluation then finds, not a moment before.
        Instant due = rules.nextChange(upToDate, justChanged);
        assertThat(codes(rules.evaluate(upToDate, justChanged, due.minusMillis(1)))).isEmpty();
        assertThat(codes(rules.evaluate(upToDate, justChanged, due))).containsExactly(FindingCode.CONFIGURATION_BEHIND);
        // Both raised, or a revoked agent: time alone changes nothing more.
        DeviceRow both = upToDate.withFindings(rules.evaluate(upToDate, justChanged, NOW.plus(Duration.ofHours(1))));
        assertThat(codes(both.findings())).contains(FindingCode.NO_HEARTBEAT, FindingCode.CONFIGURATION_BEHIND);
        assertThat(rules.nextChange(both, justChanged)).isNull();
        DeviceRow revoked = new DeviceRow(upToDate.accountId(), upToDate.agentId(), "d", "host", "REVOKED", upToDate.enrolledAt(), "1.2.0",
                "macOS", null, "14.4", true, "REVOKED", null, "NONE", NOW, 0L, 5L, "CACHED", null, List.of(), NOW, NOW, List.of());
        assertThat(rules.nextChange(revoked, current)).isNull();
    }

    /** The answers kept per version and platform stop growing at their bound; the answers do not change past it. */
    @Test
    void aFleetReportingThousandsOfDistinctVersionsIsJudgedTheSameBeyondTheMemosBound() {
        for (int i = 0; i < 5_000; i++) {
            DeviceRow old = row("Windows", "Home", "11." + i, true, "1.1." + i, 0, 0, NOW);
            assertThat(codes(rules.evaluate(old, null, NOW))).containsExactlyInAnyOrder(FindingCode.OUTDATED_AGENT,
                    FindingCode.UNSUPPORTED_PLATFORM);
            DeviceRow current = row("Windows", "Pro", "11 " + i, true, "1.2." + i, 0, 0, NOW);
            assertThat(codes(rules.evaluate(current, null, NOW))).isEmpty();
        }
    }
}
