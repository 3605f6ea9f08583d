package dev.parapet.agent;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Enrolment with key-service ({@code POST <ApiBaseUrl>/agent/v1/enrolments}): the account key in,
 * an agent id and credential out. key-service's refusals are turned into what the person installing
 * should do: a mistyped key (KEY_MALFORMED), a key that is not (or no longer) accepted
 * (KEY_NOT_ACCEPTED), too many attempts (429, with its Retry-After).
 */
public final class Enrolment {

    public record Request(String deviceId, String hostname, String osName, String osVersion) {
    }

    /** What key-service answered (201). */
    public record Result(String agentId, String accountId, String credential, String region, String apiBaseUrl) {
        @Override
        public String toString() {
            return "Result[agentId=" + agentId + ", accountId=" + accountId + ", region=" + region + "]";
        }
    }

    static final String PATH = "/agent/v1/enrolments";
    private static final Pattern CREDENTIAL = Pattern.compile("pac1\\.[0-9a-fA-F-]{36}\\.[A-Za-z0-9_-]{16,128}");
    private static final int MAX_ANSWER_BYTES = 64 * 1024;

    private final HttpClient http;

    public Enrolment(HttpClient http) {
        this.http = http;
    }

    public Result enrol(CustomerKeyFile key, Request request) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("key", key.parapetKey());
        body.put("deviceId", request.deviceId());
        body.put("hostname", request.hostname());
        body.put("osName", request.osName());
        body.put("osVersion", request.osVersion());
        body.put("agentVersion", AgentVersion.CURRENT);
        URI uri = URI.create(key.apiBaseUrl() + PATH);
        HttpResponse<byte[]> response;
        try {
            HttpRequest post = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json").header("Accept", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(StateStore.json().writeValueAsBytes(body))).build();
            response = BoundedBody.send(http, post, MAX_ANSWER_BYTES, Duration.ofSeconds(30));
        } catch (IOException e) {
            throw new AgentException(AgentException.FAILED, "Cannot reach " + uri + " to enrol: " + describe(e)
                    + ". Check the network, or the ApiBaseUrl of the CustomerKey file.", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgentException(AgentException.FAILED, "Enrolment interrupted");
        }
        JsonNode answer = readJson(response.body());
        int status = response.statusCode();
        if (status == 201 || status == 200) {
            return result(answer, key);
        }
        String reason = text(answer, "reason");
        if (status == 401 && "KEY_MALFORMED".equals(reason)) {
            throw new AgentException(AgentException.FAILED, "Enrolment refused (KEY_MALFORMED): this is not a Parapet key, or it was "
                    + "mistyped. Download the CustomerKey file again from the administration console.");
        }
        if (status == 401 && "KEY_NOT_ACCEPTED".equals(reason)) {
            throw new AgentException(AgentException.FAILED, "Enrolment refused (KEY_NOT_ACCEPTED): this key is not accepted; it may have "
                    + "been deleted. Ask an administrator for the account's current CustomerKey file.");
        }
        if (status == 429) {
            String retry = response.headers().firstValue("Retry-After").filter(v -> v.matches("\\d{1,6}")).orElse("a few");
            throw new AgentException(AgentException.FAILED, "Enrolment refused: too many attempts from this address or with this key; "
                    + "retry in " + retry + " s.");
        }
        if (status == 400) {
            throw new AgentException(AgentException.FAILED, "Enrolment refused (400): " + fieldErrors(answer));
        }
        throw new AgentException(AgentException.FAILED, "Enrolment failed: " + uri + " answered " + status
                + (text(answer, "detail") == null ? "" : " (" + printable(text(answer, "detail")) + ")"));
    }

    private static Result result(JsonNode answer, CustomerKeyFile key) {
        String agentId = text(answer, "agentId");
        String accountId = text(answer, "accountId");
        String credential = text(answer, "credential");
        if (!isUuid(agentId) || !isUuid(accountId) || credential == null || !CREDENTIAL.matcher(credential).matches()) {
            throw new AgentException(AgentException.FAILED, "Enrolment answer is not what key-service sends (agentId, accountId, credential)");
        }
        String region = text(answer, "region");
        String apiBaseUrl = text(answer, "apiBaseUrl");
        return new Result(agentId, accountId, credential, region == null ? key.region() : region,
                apiBaseUrl == null ? key.apiBaseUrl().toString() : apiBaseUrl);
    }

    private static JsonNode readJson(byte[] body) {
        if (body == null || body.length == 0) {
            return StateStore.json().nullNode();
        }
        try {
            return StateStore.json().readTree(body);
        } catch (IOException e) {
            return StateStore.json().nullNode();
        }
    }

    private static String fieldErrors(JsonNode answer) {
        JsonNode errors = answer.get("errors");
        if (errors == null || !errors.isArray() || errors.isEmpty()) {
            return text(answer, "detail") == null ? "the request was refused" : printable(text(answer, "detail"));
        }
        StringBuilder out = new StringBuilder();
        for (JsonNode error : errors) {
            if (out.length() > 0) {
                out.append("; ");
            }
            out.append(printable(String.valueOf(text(error, "field")))).append(": ").append(printable(String.valueOf(text(error, "reason"))));
        }
        return out.toString();
    }

    static String text(JsonNode node, String field) {
        if (node == null || !node.isObject()) {
            return null;
        }
        JsonNode value = node.get(field);
        return value != null && value.isTextual() ? value.asText() : null;
    }

    private static boolean isUuid(String text) {
        if (text == null) {
            return false;
        }
        try {
            UUID.fromString(text);
            return text.length() == 36;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static String printable(String text) {
        String cut = text.length() > 300 ? text.substring(0, 300) + "…" : text;
        return cut.replaceAll("[\\p{Cc}\\p{Cf}\\p{Cs}]", "?");
    }

    static String describe(Exception e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + printable(message));
    }
}
