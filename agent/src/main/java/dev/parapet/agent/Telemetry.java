package dev.parapet.agent;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Heartbeats and diagnostic reports to diagnostics-service ({@code POST /agent/v1/telemetry}), in
 * the body docs/diagnostics.md specifies. A heartbeat carries the whole status; errors travel only in
 * a DIAGNOSTIC_REPORT (the intake refuses heartbeats with errors), sent with the heartbeat when any
 * occurred since the last accepted report. A refused report is logged and not resent unchanged.
 */
public final class Telemetry {

    /** What one send achieved. */
    public enum Outcome { SENT, REFUSED_CREDENTIAL, FAILED }

    static final int MAX_ERROR_CHARS = 500;
    private static final int MAX_ANSWER_BYTES = 256 * 1024;

    private final HttpClient http;
    private final URI uri;
    private final String credential;
    private final Log log;

    public Telemetry(HttpClient http, URI uri, String credential, Log log) {
        this.http = http;
        this.uri = uri;
        this.credential = credential;
        this.log = log;
    }

    /** The status of a heartbeat, from the state and what the running agent knows. */
    public static Map<String, Object> heartbeat(AgentState state, String protectionState, String configurationSource, Instant now) {
        AgentState.Enrolled enrolled = state.enrolment();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("kind", "HEARTBEAT");
        report.put("agentVersion", AgentVersion.CURRENT);
        report.put("osName", enrolled.osName());
        if (enrolled.osEdition() != null) {
            report.put("osEdition", enrolled.osEdition());
        }
        report.put("osVersion", enrolled.osVersion());
        report.put("enabled", state.enabled());
        report.put("protectionState", protectionState);
        String user = state.effectiveUser();
        if (user != null) {
            report.put("signedInUser", user);
            report.put("userIdentifiedBy", state.userIdentifiedBy() == null ? "DOMAIN_CREDENTIALS" : state.userIdentifiedBy());
        } else {
            report.put("userIdentifiedBy", "NONE");
        }
        report.put("agentClock", now.toString());
        report.put("lastConfigVersionApplied", StreamPosition.parse(state.lastEventId()).map(StreamPosition::settings).orElse(0L));
        report.put("configurationSource", configurationSource);
        AgentState.TestBlockingResult test = state.lastTestBlocking();
        if (test != null) {
            Map<String, Object> tested = new LinkedHashMap<>();
            tested.put("testedAt", test.testedAt().toString());
            tested.put("blockedNameBlocked", test.blockedNameBlocked());
            tested.put("allowedNameResolved", test.allowedNameResolved());
            if (test.detail() != null) {
                tested.put("detail", clean(test.detail()));
            }
            report.put("lastTestBlocking", tested);
        }
        return report;
    }

    /** A diagnostic report: the heartbeat's status and the errors. */
    public static Map<String, Object> diagnosticReport(Map<String, Object> heartbeat, List<AgentState.AgentError> errors) {
        Map<String, Object> report = new LinkedHashMap<>(heartbeat);
        report.put("kind", "DIAGNOSTIC_REPORT");
        List<String> lines = new ArrayList<>();
        for (AgentState.AgentError error : errors) {
            lines.add(clean(error.at() + " " + error.message()));
        }
        report.put("lastErrors", lines);
        return report;
    }

    public Outcome send(List<Map<String, Object>> reports) {
        try {
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(15))
                    .header("Content-Type", "application/json").header("Accept", "application/json")
                    .header("Authorization", "Bearer " + credential)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(StateStore.json().writeValueAsBytes(Map.of("reports", reports))))
                    .build();
            HttpResponse<byte[]> response = BoundedBody.send(http, request, MAX_ANSWER_BYTES, Duration.ofSeconds(20));
            if (response.statusCode() == 401) {
                return Outcome.REFUSED_CREDENTIAL;
            }
            if (response.statusCode() != 200) {
                log.warn("Telemetry: " + uri + " answered " + response.statusCode() + "; will send again at the next heartbeat");
                return Outcome.FAILED;
            }
            logRefusals(response.body());
            return Outcome.SENT;
        } catch (IOException e) {
            log.warn("Telemetry: cannot reach " + uri + ": " + Enrolment.describe(e));
            return Outcome.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.FAILED;
        }
    }

    private void logRefusals(byte[] body) {
        try {
            JsonNode results = StateStore.json().readTree(body).path("results");
            for (JsonNode result : results) {
                if ("REFUSED".equals(result.path("status").asText())) {
                    log.warn("Telemetry: report " + result.path("index").asInt() + " refused: "
                            + Enrolment.printable(result.path("errors").toString()));
                }
            }
        } catch (IOException | RuntimeException e) {
            log.warn("Telemetry: the intake's answer is not JSON");
        }
    }

    /** At most 500 characters, no control or format characters (the intake refuses them). */
    static String clean(String text) {
        String cleaned = text.replaceAll("[\\p{Cc}\\p{Cf}\\p{Cs}]", " ").strip();
        return cleaned.codePointCount(0, cleaned.length()) > MAX_ERROR_CHARS
                ? cleaned.substring(0, cleaned.offsetByCodePoints(0, MAX_ERROR_CHARS - 1)) + "…" : cleaned;
    }
}
