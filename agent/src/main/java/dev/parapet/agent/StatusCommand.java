package dev.parapet.agent;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code status}: the agent's diagnostic information from the state file. The protection state is
 * what {@code run} last saw, unless {@code run} is not running (no refresh for 5 s): nothing then
 * filters this device, and it says UNPROTECTED_OFFLINE rather than repeat a PROTECTED that no longer holds.
 */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show the agent's enrolment, configuration, protection state, user and last errors.")
final class StatusCommand extends AgentCommand {

    static final Duration ALIVE = Duration.ofSeconds(5);

    @Option(names = "--json", description = "Print JSON, for machines.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        AgentState state = enrolled();
        Map<String, Object> view = view(state, Instant.now());
        if (json) {
            out().println(StateStore.json().writeValueAsString(view));
            return 0;
        }
        out().printf("Account:        %s (region %s)%n", view.get("accountId"), view.get("region"));
        out().printf("Agent:          %s (device %s, host %s)%n", view.get("agentId"), view.get("deviceId"), view.get("hostname"));
        out().printf("Configuration:  %s (%s)%n", view.get("configurationVersion") == null ? "none received (install defaults)"
                : view.get("configurationVersion"), view.get("configurationSource"));
        out().printf("Protection:     %s%s%n", view.get("protectionState"),
                Boolean.TRUE.equals(view.get("running")) ? "" : " (the agent is not running: parapet-agent run)");
        if (state.revoked()) {
            out().printf("                %s%n", AgentState.REVOKED_MESSAGE);
        }
        out().printf("Enabled:        %s%n", state.enabled() ? "yes" : "no (disabled with the tamper-protection password)");
        out().printf("User:           %s%n", view.get("signedInUser") != null ? view.get("signedInUser") + " (" + view.get("userIdentifiedBy") + ")"
                : Boolean.TRUE.equals(view.get("signInRequired")) ? "none: sign-in required (parapet-agent login --user …)" : "none");
        out().printf("Last contact:   %s%n", view.get("lastContact") == null ? "never" : view.get("lastContact"));
        if (view.get("lastTestBlocking") instanceof AgentState.TestBlockingResult test) {
            out().printf("Test blocking:  %s at %s: %s%n", test.blockedNameBlocked() && test.allowedNameResolved() ? "passed" : "FAILED",
                    test.testedAt(), test.detail());
        }
        List<AgentState.AgentError> errors = state.lastErrors();
        out().printf("Last errors:    %s%n", errors.isEmpty() ? "none" : "");
        for (AgentState.AgentError error : errors) {
            out().printf("  %s %s%n", error.at(), error.message());
        }
        return 0;
    }

    static Map<String, Object> view(AgentState state, Instant now) {
        AgentState.Enrolled enrolled = state.enrolment();
        AgentState.RuntimeStatus runtime = state.runtime();
        boolean running = runtime != null && runtime.aliveAt() != null && Duration.between(runtime.aliveAt(), now).compareTo(ALIVE) <= 0;
        String protection;
        if (state.revoked()) {
            protection = "REVOKED";
        } else if (!state.enabled()) {
            protection = "DISABLED";
        } else if (!running) {
            protection = "UNPROTECTED_OFFLINE";
        } else {
            protection = runtime.protectionState();
        }
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("accountId", enrolled.accountId());
        view.put("region", enrolled.region());
        view.put("agentId", enrolled.agentId());
        view.put("deviceId", enrolled.deviceId());
        view.put("hostname", enrolled.hostname());
        view.put("agentVersion", AgentVersion.CURRENT);
        view.put("configurationVersion", state.lastEventId());
        view.put("configurationSource", state.configuration() == null ? "INSTALL_DEFAULTS"
                : running ? runtime.configurationSource() : "CACHED");
        view.put("protectionState", protection);
        view.put("running", running);
        view.put("enabled", state.enabled());
        view.put("revoked", state.revoked() ? Map.of("at", state.revocation().at().toString(),
                "reason", String.valueOf(state.revocation().reason()), "message", AgentState.REVOKED_MESSAGE) : null);
        view.put("signedInUser", state.effectiveUser());
        view.put("userIdentifiedBy", state.effectiveUser() == null ? "NONE" : state.userIdentifiedBy());
        view.put("signInRequired", state.effectiveConfiguration().settings().enforceUserAuthentication() && state.effectiveUser() == null);
        view.put("lastContact", runtime == null || runtime.lastContact() == null ? null : runtime.lastContact().toString());
        view.put("offlineReason", runtime == null ? null : runtime.offlineReason());
        view.put("endpoints", enrolled.endpoints());
        view.put("lastTestBlocking", state.lastTestBlocking());
        view.put("lastErrors", state.lastErrors());
        return view;
    }
}
