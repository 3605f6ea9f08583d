package dev.parapet.diagnostics.intake;

import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

import dev.parapet.kit.problem.Problems.FieldError;
import dev.parapet.kit.users.UserNames;
import dev.parapet.schemas.v1.telemetry.AgentStatusReport;
import dev.parapet.schemas.v1.telemetry.ConfigurationSource;
import dev.parapet.schemas.v1.telemetry.ProtectionState;
import dev.parapet.schemas.v1.telemetry.TelemetryKind;
import dev.parapet.schemas.v1.telemetry.TestBlockingResult;
import dev.parapet.schemas.v1.telemetry.UserIdentification;
import tools.jackson.databind.JsonNode;

/**
 * Checks one report of an agent's batch, field by field, into what {@code AgentTelemetry} carries
 * (docs/diagnostics.md lists the rules). Fields this version does not know are ignored, so that
 * agents newer than the service are not refused for what they add.
 */
final class ReportChecker {

    static final Pattern AGENT_VERSION = Pattern.compile("\\d+(\\.\\d+){1,3}(-[0-9A-Za-z.-]+)?");
    static final int MAX_VERSION_LENGTH = 32;
    static final int MAX_OS_LENGTH = 64;
    static final int MAX_DETAIL_LENGTH = 500;
    static final int MAX_ERRORS = 20;

    private ReportChecker() {
    }

    /** The report at {@code index} of the batch. */
    static CheckedReport check(JsonNode report, int index) {
        String path = "reports[" + index + "]";
        if (!report.isObject()) {
            return new CheckedReport.Refused(List.of(new FieldError(path, "must be an object")));
        }
        FieldReader fields = FieldReader.of(report, path);
        TelemetryKind kind = fields.choice("kind", TelemetryKind.HEARTBEAT, TelemetryKind.values());
        String agentVersion = agentVersion(fields);
        String osName = fields.requiredString("osName", MAX_OS_LENGTH);
        String osEdition = fields.optionalString("osEdition", MAX_OS_LENGTH);
        String osVersion = fields.requiredString("osVersion", MAX_OS_LENGTH);
        Boolean enabled = fields.requiredBoolean("enabled");
        ProtectionState protection = fields.choice("protectionState", ProtectionState.PROTECTED, ProtectionState.values());
        String user = signedInUser(fields);
        UserIdentification identifiedBy = fields.choice("userIdentifiedBy", UserIdentification.NONE, UserIdentification.values());
        if (user == null && !fields.refused("signedInUser") && identifiedBy != null && identifiedBy != UserIdentification.NONE) {
            fields.refuse("userIdentifiedBy", "must be NONE when no signedInUser is given");
        }
        Instant agentClock = fields.requiredInstant("agentClock");
        Long configVersion = fields.requiredCount("lastConfigVersionApplied");
        ConfigurationSource source = fields.choice("configurationSource", null,
                ConfigurationSource.LIVE_STREAM, ConfigurationSource.CACHED, ConfigurationSource.INSTALL_DEFAULTS);
        TestBlockingResult test = fields.optionalObject("lastTestBlocking").map(ReportChecker::testBlocking).orElse(null);
        List<String> lastErrors = fields.optionalStrings("lastErrors", MAX_ERRORS, MAX_DETAIL_LENGTH);
        if (!lastErrors.isEmpty() && kind == TelemetryKind.HEARTBEAT) {
            fields.refuse("lastErrors", "only a DIAGNOSTIC_REPORT carries errors; send them with kind DIAGNOSTIC_REPORT");
        }
        if (!fields.errors().isEmpty()) {
            return new CheckedReport.Refused(List.copyOf(fields.errors()));
        }
        AgentStatusReport status = AgentStatusReport.newBuilder().setAgentVersion(agentVersion).setOsName(osName)
                .setOsEdition(osEdition).setOsVersion(osVersion).setEnabled(enabled).setProtectionState(protection)
                .setSignedInUser(user).setUserIdentifiedBy(identifiedBy).setAgentClock(agentClock)
                .setLastConfigVersionApplied(configVersion).setConfigurationSource(source).setLastTestBlocking(test)
                .build();
        return new CheckedReport.Accepted(kind, status, lastErrors);
    }

    private static String agentVersion(FieldReader fields) {
        String version = fields.requiredString("agentVersion", MAX_VERSION_LENGTH);
        if (version != null && !AGENT_VERSION.matcher(version).matches()) {
            fields.refuse("agentVersion", "must be a version such as 4.2.1 or 4.2.1.7-beta (2 to 4 numbers, an optional -suffix)");
            return null;
        }
        return version;
    }

    /** The signed-in user as policies key it, null for none (or a refused name). */
    private static String signedInUser(FieldReader fields) {
        String named = fields.optionalString("signedInUser", UserNames.MAX_LENGTH);
        if (named == null) {
            return null;
        }
        return UserNames.normalise(named).orElseGet(() -> {
            fields.refuse("signedInUser", "must be an e-mail-like user name such as jane.doe@example.com");
            return null;
        });
    }

    /** The test-blocking result, or null when one of its fields is bad (the reason is recorded). */
    private static TestBlockingResult testBlocking(FieldReader test) {
        int errorsBefore = test.errors().size();
        Instant testedAt = test.requiredInstant("testedAt");
        Boolean blocked = test.requiredBoolean("blockedNameBlocked");
        Boolean resolved = test.requiredBoolean("allowedNameResolved");
        String detail = test.optionalString("detail", MAX_DETAIL_LENGTH);
        if (test.errors().size() > errorsBefore) {
            return null;
        }
        return TestBlockingResult.newBuilder().setTestedAt(testedAt).setBlockedNameBlocked(blocked)
                .setAllowedNameResolved(resolved).setDetail(detail).build();
    }
}
