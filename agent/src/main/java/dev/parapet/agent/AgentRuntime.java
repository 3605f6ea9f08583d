package dev.parapet.agent;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The running agent's view of itself, shared by the DNS stub (which asks it where a query goes), the
 * configuration stream (which feeds it events) and the heartbeat. It decides the protection state:
 * REVOKED once the credential was refused anywhere, DISABLED by the tamper-protection password,
 * UNPROTECTED_OFFLINE while dns-service cannot be reached, else PROTECTED. Every change it makes goes
 * through the {@link StateStore}, and {@link #refresh()} re-reads what the other commands changed.
 */
public final class AgentRuntime implements QueryRouter.Context, ConfigurationStream.Listener {

    /** The same error is recorded at most this often (a dead resolver fails every query). */
    static final Duration ERROR_REPEAT = Duration.ofSeconds(30);
    static final Duration SIGN_IN_REMINDER = Duration.ofSeconds(60);
    /** A signed-in user's access token is renewed this long before it expires. */
    static final Duration RENEW_BEFORE = Duration.ofSeconds(60);

    private final StateStore store;
    private final Log log;
    private volatile AgentState state;
    private volatile DomainExceptions exceptions;
    private volatile boolean streamLive;
    private volatile boolean streamReportedDown;
    private volatile boolean dohOffline;
    private volatile String offlineReason;
    private volatile Instant lastContact;
    private volatile Runnable onRevoked = () -> { };
    private boolean revocationHandled;
    private Instant lastSignInReminder = Instant.EPOCH;
    private String lastErrorText;
    private Instant lastErrorAt = Instant.EPOCH;

    public AgentRuntime(StateStore store, AgentState initial, Log log) {
        this.store = store;
        this.log = log;
        this.state = initial;
        this.exceptions = new DomainExceptions(initial.effectiveConfiguration().exceptions().domains());
        this.lastContact = initial.runtime() == null ? null : initial.runtime().lastContact();
        this.revocationHandled = initial.revoked();
    }

    public AgentState state() {
        return state;
    }

    /** Called once when the agent is revoked (to stop the stream and the heartbeat). */
    public void onRevoked(Runnable action) {
        this.onRevoked = action;
    }

    // --- what the stub asks --------------------------------------------------------------------------

    @Override
    public boolean filtering() {
        AgentState current = state;
        return current.enabled() && !current.revoked();
    }

    @Override
    public DomainExceptions exceptions() {
        return exceptions;
    }

    @Override
    public String userToken() {
        return state.effectiveUserToken(Instant.now());
    }

    /**
     * Renews the signed-in user's access token a minute before it expires (or at half its remaining life for
     * shorter ones); a refresh the identity provider refuses (the user was disabled, signed out elsewhere, or the
     * session ended) signs the user out here too, and says so. A provider that cannot be reached is asked again
     * at the next tick: the token in hand stays good until it expires.
     */
    public void renewSignIn(UserSignIn signIn) {
        AgentState current = state;
        AgentState.UserSession session = current.userSession();
        if (session == null || session.refreshToken() == null || current.revoked()) {
            return;
        }
        Instant now = Instant.now();
        if (Duration.between(now, session.accessExpiresAt()).compareTo(RENEW_BEFORE) > 0) {
            return;
        }
        try {
            AgentState.UserSession renewed = signIn.refresh(session);
            mutate(s -> s.userSession() != null && s.userSession().refreshToken().equals(session.refreshToken())
                    ? s.withSession(renewed) : s);
        } catch (UserSignIn.SignInFailed e) {
            if (e.error() != null) {
                mutate(s -> s.userSession() != null && s.userSession().refreshToken().equals(session.refreshToken())
                        ? s.withUser(null, null, null) : s);
                log.warn("Sign-in of " + current.signedInUser() + " ended (" + e.getMessage() + "): sign in again with parapet-agent login");
            } else {
                error("sign-in renewal: " + e.getMessage());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void dohRefused(String why) {
        revoke(why);
    }

    @Override
    public void dohFailed(String why) {
        if (!dohOffline) {
            dohOffline = true;
            offlineReason = why;
            log.warn("UNPROTECTED: Parapet's DNS cannot be reached (" + why + "); queries get SERVFAIL until it answers again");
        }
        error(why);
    }

    @Override
    public void dohAnswered() {
        lastContact = Instant.now();
        if (dohOffline) {
            dohOffline = false;
            offlineReason = null;
            log.info("Parapet's DNS answers again: PROTECTED");
        }
    }

    @Override
    public void systemResolverFailed(String why) {
        error(why);
    }

    // --- what the configuration stream says ----------------------------------------------------------

    @Override
    public void onConnected() {
        streamLive = true;
        lastContact = Instant.now();
        if (streamReportedDown) {
            streamReportedDown = false;
            log.info("Parapet reachable again: configuration stream open" + resumeNote());
        } else {
            log.info("Configuration stream open" + resumeNote());
        }
    }

    @Override
    public void onUnreachable(String why) {
        streamLive = false;
        if (!streamReportedDown && !state.revoked()) {
            streamReportedDown = true;
            AgentState current = state;
            log.warn("Parapet unreachable (" + why + "): working from the "
                    + (current.configuration() == null ? "install defaults (no configuration received yet)"
                    : "configuration saved at " + current.lastEventId())
                    + "; reconnecting with a backoff of 1 to 30 s");
            error("configuration stream: " + why);
        }
    }

    @Override
    public void onRevoked(String why) {
        revoke(why);
    }

    @Override
    public void onEvent(SseParser.Event event) {
        JsonNode data;
        try {
            data = StateStore.json().readTree(event.data());
        } catch (IOException e) {
            error("configuration event '" + Enrolment.printable(event.name()) + "' is not JSON");
            throw new IllegalStateException("configuration event is not JSON");
        }
        StreamPosition position = StreamPosition.parse(event.id()).orElse(null);
        try {
            AgentConfiguration current = state.effectiveConfiguration();
            AgentConfiguration next;
            switch (event.name()) {
                case "configuration" -> next = AgentConfiguration.whole(data);
                case "settings" -> next = current.withSettings(AgentConfiguration.settings(data));
                case "exceptions" -> next = current.withExceptions(AgentConfiguration.exceptions(data));
                default -> {
                    return; // an event a newer settings-service may send; nothing this agent knows to apply
                }
            }
            if (position == null) {
                throw new AgentConfiguration.Unreadable("event id '" + Enrolment.printable(String.valueOf(event.id()))
                        + "' is not s<settings>.e<exceptions>");
            }
            apply(next, position, event.name());
        } catch (AgentConfiguration.Unreadable e) {
            error("configuration event '" + Enrolment.printable(event.name()) + "' refused: " + e.getMessage());
            throw new IllegalStateException("configuration event refused: " + e.getMessage());
        }
    }

    private void apply(AgentConfiguration next, StreamPosition position, String eventName) {
        AgentConfiguration.Settings before = state.effectiveConfiguration().settings();
        mutate(s -> s.withConfiguration(next, position.id()));
        exceptions = new DomainExceptions(next.exceptions().domains());
        AgentConfiguration.Settings after = next.settings();
        log.info("Applied " + eventName + " " + position.id() + ": userAuthentication=" + after.userAuthentication()
                + ", enforceUserAuthentication=" + after.enforceUserAuthentication() + ", manageUpdates=" + after.manageUpdates()
                + ", tamperProtection=" + (after.tamperProtection() == null ? "none" : "set")
                + ", " + next.exceptions().domains().size() + " domain exceptions");
        if (before.userAuthentication() && !after.userAuthentication() && state.signedInUser() != null) {
            log.info("User Authentication is now off: queries are no longer attributed to " + state.signedInUser());
        }
        remindSignIn(true);
    }

    // --- state ---------------------------------------------------------------------------------------

    public String protectionState() {
        AgentState current = state;
        if (current.revoked()) {
            return "REVOKED";
        }
        if (!current.enabled()) {
            return "DISABLED";
        }
        return dohOffline ? "UNPROTECTED_OFFLINE" : "PROTECTED";
    }

    public String configurationSource() {
        if (state.configuration() == null) {
            return "INSTALL_DEFAULTS";
        }
        return streamLive ? "LIVE_STREAM" : "CACHED";
    }

    /** Every second: take in what other commands changed, and say that this process is alive. */
    public void refresh() {
        AgentState before = state;
        AgentState.RuntimeStatus status = new AgentState.RuntimeStatus(protectionState(), configurationSource(), lastContact,
                Instant.now(), dohOffline ? offlineReason : (streamLive ? null : (streamReportedDown ? "configuration stream down" : null)));
        AgentState after = mutate(s -> s.withRuntime(status));
        if (before.enabled() != after.enabled()) {
            log.info(after.enabled() ? "Enabled with the tamper-protection password: queries go to Parapet again"
                    : "DISABLED with the tamper-protection password: every query now goes to the system resolver, unfiltered");
        }
        if (!java.util.Objects.equals(before.signedInUser(), after.signedInUser())) {
            log.info(after.signedInUser() == null ? "Signed out: queries are no longer attributed to a user"
                    : "Signed in: queries are now attributed to " + after.signedInUser());
        }
        if (!before.revoked() && after.revoked()) {
            revoke(after.revocation().reason());
        }
        remindSignIn(false);
    }

    /** With Enforce User Authentication on and nobody signed in, say so now and then. */
    private void remindSignIn(boolean now) {
        AgentState current = state;
        if (current.effectiveConfiguration().settings().enforceUserAuthentication() && current.effectiveUser() == null
                && !current.revoked()) {
            Instant at = Instant.now();
            if (now || Duration.between(lastSignInReminder, at).compareTo(SIGN_IN_REMINDER) >= 0) {
                lastSignInReminder = at;
                log.warn("Sign-in required: this account enforces user authentication. Sign in with: parapet-agent login");
            }
        }
    }

    /** Once: mark the state REVOKED, stop claiming protection, and tell. */
    public void revoke(String why) {
        synchronized (this) {
            if (revocationHandled) {
                return;
            }
            revocationHandled = true;
            mutate(s -> s.revoked() ? s : s.withRevocation(new AgentState.Revocation(Instant.now(), why)));
        }
        log.warn("REVOKED: " + AgentState.REVOKED_MESSAGE + " (" + why + "). Parapet no longer filters this device: "
                + "queries go to the system resolver, unfiltered.");
        onRevoked.run();
    }

    /** Records an error for status and the next diagnostic report (the same text at most every 30 s). */
    public void error(String message) {
        String text = Telemetry.clean(message);
        synchronized (this) {
            Instant now = Instant.now();
            if (text.equals(lastErrorText) && Duration.between(lastErrorAt, now).compareTo(ERROR_REPEAT) < 0) {
                return;
            }
            lastErrorText = text;
            lastErrorAt = now;
        }
        try {
            mutate(s -> s.withError(new AgentState.AgentError(Instant.now(), text)));
        } catch (RuntimeException e) {
            log.warn("Cannot record an error in the state file: " + e.getMessage());
        }
    }

    /** Sends a heartbeat, and a diagnostic report when errors are waiting. */
    public void heartbeat(Telemetry telemetry) {
        AgentState current = state;
        if (current.revoked()) {
            return; // the credential is refused everywhere; the server already knows why
        }
        Map<String, Object> heartbeat = Telemetry.heartbeat(current, protectionState(), configurationSource(), Instant.now());
        List<Map<String, Object>> reports = new ArrayList<>();
        reports.add(heartbeat);
        List<AgentState.AgentError> errors = current.unreportedErrors();
        if (!errors.isEmpty()) {
            reports.add(Telemetry.diagnosticReport(heartbeat, errors));
        }
        switch (telemetry.send(reports)) {
            case SENT -> {
                lastContact = Instant.now();
                if (!errors.isEmpty()) {
                    mutate(s -> s.withErrorsReported(errors));
                }
            }
            case REFUSED_CREDENTIAL -> revoke("diagnostics-service refused the credential (401)");
            case FAILED -> { }
        }
    }

    private synchronized AgentState mutate(UnaryOperator<AgentState> change) {
        state = store.update(change);
        return state;
    }

    private String resumeNote() {
        String id = state.lastEventId();
        return id == null ? " (first configuration)" : " (resuming from " + id + ")";
    }
}
