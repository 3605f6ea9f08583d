package dev.parapet.diagnostics.intake;

import java.util.ArrayList;
import java.util.List;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.ErrorResponseException;

import dev.parapet.kit.problem.Problems;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The body of a telemetry request, read whole but never kept beyond {@link #MAX_BODY_BYTES} (however
 * it is chunked: a body declared larger is refused before it is read), and checked as a batch:
 * {@code {"reports":[…]}} with 1 to {@link #MAX_REPORTS} reports. Anything wrong here refuses the
 * whole request, because no report can be told apart from the others; each report's own fields are
 * {@link ReportChecker}'s.
 */
final class TelemetryBatch {

    static final int MAX_BODY_BYTES = 256 * 1024;
    static final int MAX_REPORTS = 100;

    /** Duplicate keys are refused: otherwise which of two values of a field counts would be the parser's choice. */
    private static final JsonMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private TelemetryBatch() {
    }

    /** The reports of the request's body, in order. */
    static Mono<List<JsonNode>> read(ServerHttpRequest request) {
        if (request.getHeaders().getContentLength() > MAX_BODY_BYTES) {
            return Mono.error(tooLarge());
        }
        return request.getBody().collect(Body::new, Body::add)
                .flatMap(body -> body.read > MAX_BODY_BYTES ? Mono.<byte[]>error(tooLarge()) : Mono.just(body.bytes.toByteArray()))
                .map(TelemetryBatch::reports);
    }

    /**
     * Bytes past the limit that are still read, and dropped, before the 413 is sent: the server
     * answers once a request is read (Reactor Netty's lastFlushWhenNoRead, see
     * {@code dev.parapet.kit.web.ReactorNettyFixes}), so a client still sending an oversized
     * chunked body would otherwise see its connection reset instead of the answer. Beyond this the
     * connection is dropped.
     */
    static final int DRAINED_BYTES = 4 * 1024 * 1024;

    /** The body as it arrives: kept up to the limit, counted (and dropped) past it. */
    private static final class Body {
        final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        long read;

        void add(DataBuffer buffer) {
            try {
                int length = buffer.readableByteCount();
                read += length;
                if (read <= MAX_BODY_BYTES) {
                    byte[] chunk = new byte[length];
                    buffer.read(chunk);
                    bytes.write(chunk, 0, length);
                } else if (read > MAX_BODY_BYTES + (long) DRAINED_BYTES) {
                    throw tooLarge();
                }
            } finally {
                DataBufferUtils.release(buffer);
            }
        }
    }

    private static List<JsonNode> reports(byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JacksonException e) {
            throw Problems.badRequest("The body is not JSON: " + describe(e));
        }
        if (root == null || !root.isObject()) {
            throw Problems.badRequest("The body must be a JSON object: {\"reports\":[…]}.");
        }
        JsonNode reports = root.get("reports");
        if (reports == null || !reports.isArray()) {
            throw Problems.invalid("reports", "required: an array of 1 to " + MAX_REPORTS + " reports");
        }
        if (reports.isEmpty() || reports.size() > MAX_REPORTS) {
            throw Problems.invalid("reports", "must hold 1 to " + MAX_REPORTS + " reports, not " + reports.size()
                    + "; send more in further requests");
        }
        List<JsonNode> each = new ArrayList<>(reports.size());
        reports.forEach(each::add);
        return each;
    }

    private static String describe(JacksonException e) {
        String message = e.getOriginalMessage() == null ? "unreadable" : e.getOriginalMessage();
        String shown = message.length() > 200 ? message.substring(0, 200) + "…" : message;
        TokenStreamLocation at = e.getLocation();
        return at == null ? shown : shown + " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
    }

    private static ErrorResponseException tooLarge() {
        return Problems.of(HttpStatus.CONTENT_TOO_LARGE, "Body too large",
                "A telemetry body may hold at most " + MAX_BODY_BYTES + " bytes (256 KiB); send fewer reports per request.");
    }
}
