package dev.parapet.diagnostics.devices;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import dev.parapet.diagnostics.DiagnosticsProperties;

/**
 * The health findings of one device, decided from its row, the account's current settings version
 * and the time. A finding that held before keeps its {@code since}; so raising and clearing are
 * the differences between two evaluations.
 */
public final class HealthRules {

    /** The account's current agent settings: the version agents should apply, since when, and whether users must sign in. */
    public record AccountSettings(long version, Instant updatedAt, boolean enforceUserAuthentication) {

        public AccountSettings(long version, Instant updatedAt) {
            this(version, updatedAt, false);
        }
    }

    private final Duration heartbeatTimeout;
    private final Duration clockSkew;
    private final Duration configurationGrace;
    private final String latestAgentVersion;
    /*
     * Every heartbeat asks the same few questions of the same few strings (a fleet runs a handful of agent versions and
     * operating systems): the answers are kept, up to MEMO entries each, so that versions are not split and platforms
     * not matched against patterns per heartbeat. Agents write these strings, so a full memo starts again empty.
     */
    private static final int MEMO = 4096;
    private final Map<String, Boolean> outdated = new ConcurrentHashMap<>();
    private final Map<List<String>, Optional<String>> unsupported = new ConcurrentHashMap<>();

    public HealthRules(Duration heartbeatTimeout, Duration clockSkew, Duration configurationGrace, String latestAgentVersion) {
        this.heartbeatTimeout = heartbeatTimeout;
        this.clockSkew = clockSkew;
        this.configurationGrace = configurationGrace;
        this.latestAgentVersion = latestAgentVersion;
    }

    public static HealthRules of(DiagnosticsProperties properties) {
        return new HealthRules(properties.heartbeatTimeout(), properties.clockSkew(), properties.configurationGrace(),
                properties.latestAgentVersion());
    }

    /** The device's findings now; none for a revoked agent, which protects nothing and is listed as revoked. */
    public List<Finding> evaluate(DeviceRow row, AccountSettings settings, Instant now) {
        if (!row.active()) {
            return List.of();
        }
        List<Finding> before = row.findings();
        List<Finding> found = new ArrayList<>();
        Instant heard = row.lastSeen() != null ? row.lastSeen() : row.enrolledAt();
        if (heard != null && Duration.between(heard, now).compareTo(heartbeatTimeout) > 0) {
            add(found, before, FindingCode.NO_HEARTBEAT, row.lastSeen() == null
                    ? "no heartbeat since enrolment at " + heard : "no heartbeat since " + heard, now);
        }
        if (row.lastSeen() == null) {
            return found;
        }
        unsupported(row.osName(), row.osEdition(), row.osVersion())
                .ifPresent(reason -> add(found, before, FindingCode.UNSUPPORTED_PLATFORM, reason, now));
        if (row.clockSkewMillis() != null && Math.abs(row.clockSkewMillis()) > clockSkew.toMillis()) {
            add(found, before, FindingCode.CLOCK_SKEW, "the device's clock is " + Math.abs(row.clockSkewMillis()) / 1000 + " s "
                    + (row.clockSkewMillis() > 0 ? "ahead" : "behind") + " (bound " + clockSkew.toSeconds() + " s; use NTP)", now);
        }
        if (Boolean.FALSE.equals(row.enabled())) {
            add(found, before, FindingCode.AGENT_DISABLED, "the agent was disabled on the device", now);
        } else if (row.protectionState() != null && !"PROTECTED".equals(row.protectionState())) {
            add(found, before, FindingCode.NOT_PROTECTED, "the agent reports " + row.protectionState(), now);
        }
        if (row.agentVersion() != null && outdated(row.agentVersion())) {
            add(found, before, FindingCode.OUTDATED_AGENT, "agent " + row.agentVersion() + " is older than " + latestAgentVersion, now);
        }
        if (settings != null && row.lastConfigVersionApplied() != null && row.lastConfigVersionApplied() < settings.version()
                && pastConfigurationGrace(settings.updatedAt(), now)) {
            add(found, before, FindingCode.CONFIGURATION_BEHIND, "applies settings version " + row.lastConfigVersionApplied()
                    + ", the account is at " + settings.version(), now);
        }
        if (settings != null && settings.enforceUserAuthentication() && row.signedInUser() == null
                && !"REVOKED".equals(row.protectionState())) {
            add(found, before, FindingCode.USER_NOT_SIGNED_IN, "user not signed in: the account enforces user authentication, so this "
                    + "device's queries get only the policies for everyone and its location", now);
        }
        if (row.lastTestBlocking() != null && !row.lastTestBlocking().passed()) {
            DeviceRow.TestBlocking test = row.lastTestBlocking();
            add(found, before, FindingCode.TEST_BLOCKING_FAILED, (test.blockedNameBlocked() ? "" : "a blocked name was not blocked; ")
                    + (test.allowedNameResolved() ? "" : "an allowed name did not resolve; ")
                    + Optional.ofNullable(test.detail()).orElse("tested at " + test.testedAt()), now);
        }
        return found;
    }

    /**
     * When the device's findings would next change with time alone, if nothing else happens: the moment
     * NO_HEARTBEAT is due (its last report, or enrolment, plus the timeout) or CONFIGURATION_BEHIND (the
     * account's settings change plus the grace, for a device that applies an older version), whichever
     * comes first and is not raised already; null when time alone changes nothing (a revoked agent, or
     * both raised). The time may be past (a service that was stopped): the device is then due at once.
     */
    public Instant nextChange(DeviceRow row, AccountSettings settings) {
        if (!row.active()) {
            return null;
        }
        Instant next = null;
        Instant heard = row.lastSeen() != null ? row.lastSeen() : row.enrolledAt();
        if (heard != null && !has(row, FindingCode.NO_HEARTBEAT)) {
            next = heard.plus(heartbeatTimeout).plusMillis(1);
        }
        if (row.lastSeen() != null && settings != null && row.lastConfigVersionApplied() != null
                && row.lastConfigVersionApplied() < settings.version() && !has(row, FindingCode.CONFIGURATION_BEHIND)) {
            Instant behind = configurationGraceEnd(settings.updatedAt());
            next = next == null || behind.isBefore(next) ? behind : next;
        }
        return next;
    }

    private static boolean has(DeviceRow row, FindingCode code) {
        for (Finding finding : row.findings()) {
            if (finding.code() == code) {
                return true;
            }
        }
        return false;
    }

    /** The first moment at which settings changed at {@code updatedAt} are past their grace. */
    public Instant configurationGraceEnd(Instant updatedAt) {
        return updatedAt.plus(configurationGrace).plusMillis(1);
    }

    /** Whether settings changed at {@code updatedAt} have been out long enough to call a device behind. */
    public boolean pastConfigurationGrace(Instant updatedAt, Instant now) {
        return Duration.between(updatedAt, now).compareTo(configurationGrace) > 0;
    }

    private static void add(List<Finding> found, List<Finding> before, FindingCode code, String detail, Instant now) {
        Instant since = now;
        for (Finding previous : before) {
            if (previous.code() == code) {
                since = previous.since();
                break;
            }
        }
        found.add(new Finding(code, detail, since));
    }

    private boolean outdated(String agentVersion) {
        return remembered(outdated, agentVersion, () -> compareVersions(agentVersion, latestAgentVersion) < 0);
    }

    private Optional<String> unsupported(String osName, String osEdition, String osVersion) {
        return remembered(unsupported, Arrays.asList(osName, osEdition, osVersion),
                () -> Platforms.unsupported(osName, osEdition, osVersion));
    }

    /** The memo's answer for the key, worked out and kept if it has none (a full memo starts again empty). */
    private static <K, V> V remembered(Map<K, V> memo, K key, Supplier<V> answer) {
        V known = memo.get(key);
        if (known == null) {
            known = answer.get();
            if (memo.size() >= MEMO) {
                memo.clear();
            }
            memo.put(key, known);
        }
        return known;
    }

    /** Numeric comparison of dotted versions ("1.10.0" > "1.9.2"); a suffix after '-' sorts before the release. */
    static int compareVersions(String a, String b) {
        String[] pa = a.split("-", 2);
        String[] pb = b.split("-", 2);
        String[] na = pa[0].split("\\.");
        String[] nb = pb[0].split("\\.");
        for (int i = 0; i < Math.max(na.length, nb.length); i++) {
            long x = i < na.length ? number(na[i]) : 0;
            long y = i < nb.length ? number(nb[i]) : 0;
            if (x != y) {
                return Long.compare(x, y);
            }
        }
        if (pa.length != pb.length) {
            return pa.length > pb.length ? -1 : 1;
        }
        return 0;
    }

    /** The part's digits as a number ("4b" is 4, "" is 0); one too long for a long sorts last. */
    private static long number(String part) {
        long value = 0;
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            if (c >= '0' && c <= '9') {
                if (value > (Long.MAX_VALUE - (c - '0')) / 10) {
                    return Long.MAX_VALUE;
                }
                value = value * 10 + (c - '0');
            }
        }
        return value;
    }
}
