package dev.parapet.agent;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything the agent keeps between runs and shares between its commands, which are separate
 * processes: the enrolment (with the credential, hence the file's 0600), the last configuration and
 * the stream position it came with, and the local switches (enabled, signed-in user, last test). A
 * snapshot: every change makes a new value, written whole by {@link StateStore#update}.
 *
 * @param configuration   null until the first configuration arrived (the agent then uses the install defaults)
 * @param lastEventId     the id of the last configuration event applied ({@code s<settings>.e<exceptions>}), or null
 * @param revocation      null while the credential is good
 * @param runtime         what the {@code run} process last saw; null if it never ran
 * @param lastTestBlocking null until {@code test-blocking} ran
 * @param userSession     the signed-in user's tokens from their identity provider, or null
 */
public record AgentState(
        Enrolled enrolment,
        AgentConfiguration configuration,
        String lastEventId,
        boolean enabled,
        String signedInUser,
        String userIdentifiedBy,
        Revocation revocation,
        RuntimeStatus runtime,
        TestBlockingResult lastTestBlocking,
        List<AgentError> lastErrors,
        List<AgentError> unreportedErrors,
        UserSession userSession) {

    /** Errors kept for {@code status} and for the next diagnostic report (the intake takes at most 20). */
    static final int MAX_ERRORS = 20;

    public static final String REVOKED_MESSAGE =
            "this agent's key was deleted or it was revoked: enrol again with a new key (parapet-agent enroll --key-file …)";

    public AgentState {
        lastErrors = lastErrors == null ? List.of() : List.copyOf(lastErrors);
        unreportedErrors = unreportedErrors == null ? List.of() : List.copyOf(unreportedErrors);
    }

    /**
     * What enrolment gave and what was chosen with it. The credential is the agent's secret towards
     * every endpoint; it is never printed, and {@link #toString()} leaves it out.
     */
    public record Enrolled(String agentId, String accountId, String credential, String region, String apiBaseUrl,
                           Endpoints endpoints, String dohCa, String deviceId, String hostname, String osName,
                           String osEdition, String osVersion, Instant enrolledAt) {
        @Override
        public String toString() {
            return "Enrolled[agentId=" + agentId + ", accountId=" + accountId + ", region=" + region + "]";
        }
    }

    public record Revocation(Instant at, String reason) {
    }

    /**
     * @param protectionState     PROTECTED, DISABLED, UNPROTECTED_OFFLINE or REVOKED
     * @param configurationSource LIVE_STREAM, CACHED or INSTALL_DEFAULTS
     * @param lastContact         the last time any Parapet endpoint answered
     * @param aliveAt             refreshed every second while {@code run} runs
     */
    public record RuntimeStatus(String protectionState, String configurationSource, Instant lastContact, Instant aliveAt,
                                String offlineReason) {
    }

    public record TestBlockingResult(Instant testedAt, boolean blockedNameBlocked, boolean allowedNameResolved, String detail) {
    }

    public record AgentError(Instant at, String message) {
    }

    public static AgentState enrolled(Enrolled enrolment) {
        return new AgentState(enrolment, null, null, true, null, null, null, null, null, List.of(), List.of(), null);
    }

    /** The configuration in force: the last received one, or the product's defaults before any. */
    public AgentConfiguration effectiveConfiguration() {
        return configuration != null ? configuration : AgentConfiguration.installDefaults();
    }

    public boolean revoked() {
        return revocation != null;
    }

    /** The user queries are attributed to: only while the account lets users sign in. */
    public String effectiveUser() {
        return signedInUser != null && effectiveConfiguration().settings().userAuthentication() ? signedInUser : null;
    }

    public AgentState withConfiguration(AgentConfiguration newConfiguration, String eventId) {
        return new AgentState(enrolment, newConfiguration, eventId, enabled, signedInUser, userIdentifiedBy, revocation, runtime,
                lastTestBlocking, lastErrors, unreportedErrors, userSession);
    }

    public AgentState withEnabled(boolean newEnabled) {
        return new AgentState(enrolment, configuration, lastEventId, newEnabled, signedInUser, userIdentifiedBy, revocation, runtime,
                lastTestBlocking, lastErrors, unreportedErrors, userSession);
    }

    /** Signs a user in with their identity provider's tokens (null signs them out). */
    public AgentState withUser(String user, String identifiedBy, UserSession session) {
        return new AgentState(enrolment, configuration, lastEventId, enabled, user, user == null ? null : identifiedBy, revocation,
                runtime, lastTestBlocking, lastErrors, unreportedErrors, user == null ? null : session);
    }

    /** The same user's refreshed tokens. */
    public AgentState withSession(UserSession session) {
        return new AgentState(enrolment, configuration, lastEventId, enabled, signedInUser, userIdentifiedBy, revocation,
                runtime, lastTestBlocking, lastErrors, unreportedErrors, session);
    }

    /**
     * A signed-in user's tokens: the access token dns-service verifies on every DoH query, the refresh token
     * that renews it, and where to renew and revoke them. Never printed: {@link #toString()} leaves the tokens out.
     */
    public record UserSession(String issuer, String clientId, String tokenEndpoint, String revocationEndpoint,
                              String accessToken, Instant accessExpiresAt, String refreshToken, Instant refreshExpiresAt) {
        @Override
        public String toString() {
            return "UserSession[issuer=" + issuer + ", clientId=" + clientId + ", accessExpiresAt=" + accessExpiresAt + "]";
        }
    }

    /** The access token to send with queries: while the account lets users sign in and the token has not expired. */
    public String effectiveUserToken(Instant now) {
        return effectiveUser() != null && userSession != null && userSession.accessExpiresAt().isAfter(now)
                ? userSession.accessToken() : null;
    }

    public AgentState withRevocation(Revocation newRevocation) {
        return new AgentState(enrolment, configuration, lastEventId, enabled, signedInUser, userIdentifiedBy, newRevocation, runtime,
                lastTestBlocking, lastErrors, unreportedErrors, userSession);
    }

    public AgentState withRuntime(RuntimeStatus newRuntime) {
        return new AgentState(enrolment, configuration, lastEventId, enabled, signedInUser, userIdentifiedBy, revocation, newRuntime,
                lastTestBlocking, lastErrors, unreportedErrors, userSession);
    }

    public AgentState withTestBlocking(TestBlockingResult result) {
        return new AgentState(enrolment, configuration, lastEventId, enabled, signedInUser, userIdentifiedBy, revocation, runtime,
                result, lastErrors, unreportedErrors, userSession);
    }

    /** Records an error for {@code status} and for the next diagnostic report; the oldest go first beyond 20. */
    public AgentState withError(AgentError error) {
        return new AgentState(enrolment, configuration, lastEventId, enabled, signedInUser, userIdentifiedBy, revocation, runtime,
                lastTestBlocking, appendBounded(lastErrors, error), appendBounded(unreportedErrors, error), userSession);
    }

    /** Drops the errors a diagnostic report carried (those recorded meanwhile stay). */
    public AgentState withErrorsReported(List<AgentError> reported) {
        List<AgentError> left = new ArrayList<>(unreportedErrors);
        left.removeAll(reported);
        return new AgentState(enrolment, configuration, lastEventId, enabled, signedInUser, userIdentifiedBy, revocation, runtime,
                lastTestBlocking, lastErrors, left, userSession);
    }

    private static List<AgentError> appendBounded(List<AgentError> errors, AgentError error) {
        List<AgentError> out = new ArrayList<>(errors);
        out.add(error);
        while (out.size() > MAX_ERRORS) {
            out.remove(0);
        }
        return out;
    }
}
