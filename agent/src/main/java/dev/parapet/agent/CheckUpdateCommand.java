package dev.parapet.agent;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import picocli.CommandLine.Command;

/**
 * {@code check-update}: when the account's Manage Updates setting lets users update, asks
 * diagnostics-service which agent version is published ({@code GET /agent/v1/updates}) and compares.
 * Exit 0 either way (the check worked); 2 when Manage Updates is off.
 */
@Command(name = "check-update", mixinStandardHelpOptions = true, description = "Check whether a newer agent is published (Manage Updates must be on).")
final class CheckUpdateCommand extends AgentCommand {

    @Override
    public Integer call() throws Exception {
        AgentState state = enrolled();
        if (!state.effectiveConfiguration().settings().manageUpdates()) {
            out().println("Manage Updates is off for this account: updates are managed by the administrators.");
            return AgentException.NOT_AVAILABLE;
        }
        if (state.revoked()) {
            throw new AgentException(AgentException.REVOKED, AgentState.REVOKED_MESSAGE);
        }
        AgentState.Enrolled enrolled = state.enrolment();
        HttpRequest request = HttpRequest.newBuilder(enrolled.endpoints().updates()).timeout(Duration.ofSeconds(15))
                .header("Accept", "application/json").header("Authorization", "Bearer " + enrolled.credential()).GET().build();
        HttpResponse<byte[]> response;
        try {
            response = BoundedBody.send(HttpClients.create(null), request, 64 * 1024, Duration.ofSeconds(20));
        } catch (IOException e) {
            recordError("check-update: " + Enrolment.describe(e));
            throw new AgentException(AgentException.FAILED, "Cannot reach " + request.uri() + ": " + Enrolment.describe(e));
        }
        if (response.statusCode() == 401) {
            store().update(s -> s.revoked() ? s : s.withRevocation(new AgentState.Revocation(java.time.Instant.now(),
                    "diagnostics-service refused the credential (401)")));
            throw new AgentException(AgentException.REVOKED, AgentState.REVOKED_MESSAGE);
        }
        if (response.statusCode() != 200) {
            throw new AgentException(AgentException.FAILED, request.uri() + " answered " + response.statusCode());
        }
        String latest;
        Version published;
        try {
            latest = Enrolment.text(StateStore.json().readTree(response.body()), "latestVersion");
            published = Version.parse(latest);
        } catch (IOException | IllegalArgumentException e) {
            throw new AgentException(AgentException.FAILED, "The update answer has no readable latestVersion");
        }
        int compared = published.compareTo(Version.parse(AgentVersion.CURRENT));
        if (compared > 0) {
            out().println("A newer agent is published: " + latest + " (this one is " + AgentVersion.CURRENT + ").");
        } else {
            out().println("Up to date: " + AgentVersion.CURRENT + " (published: " + latest + ").");
        }
        return 0;
    }
}
