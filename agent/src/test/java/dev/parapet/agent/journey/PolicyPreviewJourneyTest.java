package dev.parapet.agent.journey;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A policy change previewed against recorded traffic on the whole local stack, then saved, and the same traffic sent
 * again: the preview's counts are what dns-service then does. An office (a loopback range) asks for names with dig;
 * the query log records them; settings-service validates the proposed policy and dns-service replays the log's tuples
 * through its own decisions. Hostile previews are refused with 400 and nothing is saved by a preview.
 */
class PolicyPreviewJourneyTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final String SETTINGS = "http://127.0.0.1:18102";
    static final String DNS = "http://127.0.0.1:18103";
    static final String DIAGNOSTICS = "http://127.0.0.1:18104";
    static final String RANGE = "127.0.66.0/24";
    static final String POLICY_NAME = "Preview journey: block later";

    /** The office's traffic: who asks for what, how many times. */
    static final List<Map.Entry<String, String>> TRAFFIC = List.of(
            Map.entry("127.0.66.1", "later.journey.test"), Map.entry("127.0.66.1", "later.journey.test"),
            Map.entry("127.0.66.1", "later.journey.test"), Map.entry("127.0.66.1", "allowed.journey.test"),
            Map.entry("127.0.66.2", "later.journey.test"), Map.entry("127.0.66.2", "later.journey.test"),
            Map.entry("127.0.66.2", "allowed.journey.test"), Map.entry("127.0.66.3", "engineering.journey.test"));
    static final long LATER = TRAFFIC.stream().filter(each -> each.getValue().equals("later.journey.test")).count();

    @BeforeAll
    static void startTheStack() throws Exception {
        JourneyStack.start();
    }

    static HttpResponse<String> call(String method, String url, String contentType, byte[] body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + JourneyStack.freshToken())
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode ok(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.uri() + ": " + response.body()).isBetween(200, 299);
        return response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
    }

    static String account(String service, String path) {
        return service + "/api/v1/accounts/" + JourneyStack.account + "/" + path;
    }

    static JsonNode json(String method, String url, String body) throws Exception {
        return ok(call(method, url, "application/json", body == null ? null : body.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    static void sendTraffic() {
        for (Map.Entry<String, String> query : TRAFFIC) {
            assertThat(ConsoleBrowserTest.dig(query.getKey(), query.getValue())).as(query.toString()).contains("status: NOERROR");
        }
    }

    /** How many verdicts the query log holds for the office since an instant, with these filters. */
    static long logged(String location, Instant since, String filters) throws Exception {
        return json("GET", account(DIAGNOSTICS, "query-log?from=" + since + "&to=" + Instant.now().plusSeconds(60)
                + "&location=" + location + filters + "&size=1"), null).get("total").asLong();
    }

    static String policy(String location) {
        return """
                {"name":"%s","type":"BLOCK_ALLOW_LIST","priority":10,
                 "scope":{"locations":["%s"]},"blockAllowList":{"blocked":["later.journey.test"]}}"""
                .formatted(POLICY_NAME, location);
    }

    @Test
    void thePreviewOfABlockCountsWhatDnsServiceThenBlocksOnTheSameTraffic() throws Exception {
        for (JsonNode existing : json("GET", account(SETTINGS, "policies"), null)) {
            if (existing.get("name").asText().equals(POLICY_NAME)) {
                ok(call("DELETE", account(SETTINGS, "policies/" + existing.get("policyId").asText()), null, null));
            }
        }
        for (JsonNode existing : json("GET", account(SETTINGS, "locations"), null)) {
            if (existing.get("cidrs").toString().contains(RANGE)) {
                ok(call("DELETE", account(SETTINGS, "locations/" + existing.get("locationId").asText()), null, null));
            }
        }
        String location = json("POST", account(SETTINGS, "locations"),
                "{\"name\":\"Preview journey office\",\"cidrs\":[\"" + RANGE + "\"]}").get("locationId").asText();
        JourneyTest.await("dns-service attributes the office", Duration.ofSeconds(30),
                () -> !ConsoleBrowserTest.dig("127.0.66.9", "allowed.journey.test").contains("status: REFUSED"));
        Instant recorded = Instant.now();
        sendTraffic();
        long before = TRAFFIC.size();
        JourneyTest.await("the traffic in the query log", Duration.ofSeconds(90), () -> {
            try {
                return logged(location, recorded, "&name=later.journey.test") >= LATER;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });

        // The preview: nothing saved, the counts of what the change would have blocked.
        JsonNode preview = json("POST", account(SETTINGS, "policies/preview"), policy(location));
        assertThat(preview.get("wouldBlock").get("queries").asLong()).as(preview.toString()).isEqualTo(LATER);
        assertThat(preview.get("wouldBlock").get("names").asLong()).isEqualTo(1);
        assertThat(preview.get("wouldBlock").get("locations").asLong()).isEqualTo(1);
        assertThat(preview.get("wouldBlock").get("topNames").get(0).get("key").asText()).isEqualTo("later.journey.test");
        assertThat(preview.get("wouldBlock").get("topLocations").get(0).get("key").asText()).isEqualTo(location);
        assertThat(preview.get("changedQueries").asLong()).as("allowed and engineering stay allowed").isEqualTo(LATER);
        assertThat(preview.get("queriesInLog").asLong()).isGreaterThanOrEqualTo(before);
        assertThat(json("GET", account(SETTINGS, "policies"), null).findValuesAsText("name")).doesNotContain(POLICY_NAME);

        // Saved, enforced, and the same traffic again: dns-service blocks exactly what the preview counted.
        JsonNode saved = json("POST", account(SETTINGS, "policies"), policy(location));
        String policyId = saved.get("policyId").asText();
        JourneyTest.await("dns-service enforces the policy", Duration.ofSeconds(30), () -> {
            try {
                return json("GET", account(DNS, "dns/explain?name=later.journey.test&location=" + location), null)
                        .get("action").asText().equals("BLOCKED");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Instant enforced = Instant.now();
        sendTraffic();
        JourneyTest.await("the second traffic in the query log", Duration.ofSeconds(90), () -> {
            try {
                return logged(location, enforced, "") >= TRAFFIC.size();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(logged(location, enforced, "&action=BLOCKED&policy=" + policyId))
                .as("what dns-service blocked is what the preview counted").isEqualTo(preview.get("wouldBlock").get("queries").asLong());
        assertThat(logged(location, enforced, "&action=ALLOWED")).isEqualTo(TRAFFIC.size() - LATER);

        // Deleting it again, previewed: every logged query to the name at the office would be allowed.
        long laterLogged = logged(location, recorded.minusSeconds(60), "&name=later.journey.test");
        JsonNode undo = ok(call("POST", account(SETTINGS, "policies/" + policyId + "/preview?delete=true"), null, null));
        assertThat(undo.get("wouldAllow").get("queries").asLong()).as(undo.toString()).isEqualTo(laterLogged);
        assertThat(undo.get("wouldBlock").get("queries").asLong()).isZero();

        // Hostile or mistaken previews are refused, and change nothing.
        assertThat(call("POST", account(SETTINGS, "policies/preview"), "application/json",
                "{\"name\":\"x\",\"type\":\"EXPLODE\"}".getBytes()).statusCode()).isEqualTo(400);
        assertThat(call("POST", account(SETTINGS, "policies/preview?days=30"), "application/json",
                policy(location).getBytes()).statusCode()).isEqualTo(400);
        assertThat(call("POST", account(DNS, "dns/policy-preview"), "application/vnd.parapet.policy+avro",
                "not avro at all".getBytes()).statusCode()).isEqualTo(400);
        assertThat(call("POST", account(DNS, "dns/policy-preview"), "application/vnd.parapet.policy+avro", new byte[0]).statusCode())
                .as("neither a policy nor one removed").isEqualTo(400);
        assertThat(HTTP.send(HttpRequest.newBuilder(URI.create(account(DNS, "dns/policy-preview")))
                        .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(401);
        ok(call("DELETE", account(SETTINGS, "policies/" + policyId), null, null));
        ok(call("DELETE", account(SETTINGS, "locations/" + location), null, null));
    }
}
