package dev.parapet.dns.preview;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.function.Consumer;

import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads an account's distinct (name, user, device, location) tuples from diagnostics-service's query log
 * ({@code GET /api/v1/accounts/{account}/query-log/tuples}) with the administrator's own token, so the log's own checks
 * decide what may be read. The answer is read as it streams in, one tuple at a time: a week of tuples is never held whole.
 */
public final class QueryLogTuples {

    /**
     * What the log said of the range as a whole (the tuples themselves went to the consumer): the tuples it sent, the
     * queries of the range, and whether it held more tuples than it sent.
     */
    public record Read(long tuples, long queries, boolean truncated) {
    }

    /** The query log answered with an error (its status, and its problem's detail if it gave one). */
    public static final class Refused extends IOException {

        private final int status;

        Refused(int status, String detail) {
            super(detail);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private record Row(String name, String user, UUID agent, UUID location, long queries) {
    }

    private final URI base;
    private final HttpClient http;
    private final JsonMapper json;
    private final Duration timeout;

    public QueryLogTuples(URI base, Duration timeout) {
        this.base = base;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();
        // Row by row from one stream: the next row follows each one read.
        this.json = JsonMapper.builder().disable(tools.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    }

    /**
     * The tuples of the account between two instants, the most queried first, each passed to {@code each}.
     *
     * @param authorization the administrator's {@code Authorization} header, passed on as it came
     */
    public Read read(UUID accountId, Instant from, Instant to, int limit, String authorization, Consumer<PolicyPreview.Tuple> each)
            throws IOException, InterruptedException {
        URI uri = base.resolve("/api/v1/accounts/" + accountId + "/query-log/tuples?from=" + encode(from) + "&to=" + encode(to)
                + "&limit=" + limit);
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).header("Authorization", authorization)
                .header("Accept", "application/json").GET().build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                String detail = new String(body.readNBytes(4096), StandardCharsets.UTF_8);
                throw new Refused(response.statusCode(), detail);
            }
            return parse(body, each);
        }
    }

    private Read parse(InputStream body, Consumer<PolicyPreview.Tuple> each) {
        long tuples = 0;
        long queries = 0;
        boolean truncated = false;
        try (JsonParser parser = json.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalStateException("The query log's answer is not a JSON object");
            }
            while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (field) {
                    case "tuples" -> tuples = parser.getLongValue();
                    case "queries" -> queries = parser.getLongValue();
                    case "truncated" -> truncated = value == JsonToken.VALUE_TRUE;
                    case "rows" -> {
                        if (value != JsonToken.START_ARRAY) {
                            throw new IllegalStateException("The query log's rows are not an array");
                        }
                        while (parser.nextToken() == JsonToken.START_OBJECT) {
                            Row row = json.readValue(parser, Row.class);
                            each.accept(new PolicyPreview.Tuple(row.name(), row.user(), row.agent(), row.location(), row.queries()));
                        }
                    }
                    default -> parser.skipChildren();
                }
            }
        }
        return new Read(tuples, queries, truncated);
    }

    private static String encode(Instant instant) {
        return URLEncoder.encode(instant.toString(), StandardCharsets.UTF_8);
    }
}
