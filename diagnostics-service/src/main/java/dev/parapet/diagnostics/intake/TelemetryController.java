package dev.parapet.diagnostics.intake;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

import dev.parapet.kit.agents.AgentCredentialVerifier;
import dev.parapet.kit.agents.AgentCredentialVerifier.AgentIdentity;
import dev.parapet.schemas.v1.telemetry.AgentTelemetry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * Agents' heartbeats and diagnostic reports, in batches ({@code POST /agent/v1/telemetry}, agent
 * credential as bearer). Each report is checked on its own: the good ones of a batch are written
 * even when others are refused, and the answer says which is which. The answer is sent only after
 * Kafka acknowledged every accepted report.
 */
@RestController
public class TelemetryController {

    public static final String PATH = "/agent/v1/telemetry";

    private final AgentCredentialVerifier credentials;
    private final TelemetryLog log;
    private final Counter accepted;
    private final Counter refused;

    public TelemetryController(AgentCredentialVerifier credentials, TelemetryLog log, MeterRegistry meters) {
        this.credentials = credentials;
        this.log = log;
        this.accepted = Counter.builder("parapet.diagnostics.telemetry.accepted")
                .description("Agent reports written to the telemetry topic").register(meters);
        this.refused = Counter.builder("parapet.diagnostics.telemetry.refused")
                .description("Agent reports refused for bad fields (batches refused whole are not counted)").register(meters);
    }

    @PostMapping(path = PATH, consumes = MediaType.APPLICATION_JSON_VALUE)
    public Mono<IntakeResponse> receive(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization,
                                        ServerHttpRequest request) {
        AgentIdentity agent = credentials.requireBearer(authorization);
        return TelemetryBatch.read(request).flatMap(reports -> store(agent, reports));
    }

    private Mono<IntakeResponse> store(AgentIdentity agent, List<JsonNode> reports) {
        List<CheckedReport> checked = new ArrayList<>(reports.size());
        for (int i = 0; i < reports.size(); i++) {
            checked.add(ReportChecker.check(reports.get(i), i));
        }
        List<CheckedReport.Accepted> good = checked.stream()
                .filter(CheckedReport.Accepted.class::isInstance).map(CheckedReport.Accepted.class::cast).toList();
        List<AgentTelemetry> records = TelemetryLog.records(agent, good, Instant.now());
        return log.write(records).then(Mono.fromSupplier(() -> {
            accepted.increment(records.size());
            refused.increment(checked.size() - records.size());
            return response(checked, records);
        }));
    }

    /** Each report's result, the accepted ones with the event id of their record (records follow the reports' order). */
    private static IntakeResponse response(List<CheckedReport> checked, List<AgentTelemetry> records) {
        Iterator<AgentTelemetry> written = records.iterator();
        List<IntakeResponse.Result> results = new ArrayList<>(checked.size());
        for (int i = 0; i < checked.size(); i++) {
            results.add(checked.get(i) instanceof CheckedReport.Refused refusal
                    ? IntakeResponse.Result.refused(i, refusal.errors())
                    : IntakeResponse.Result.accepted(i, written.next().getEventId()));
        }
        return new IntakeResponse(records.size(), checked.size() - records.size(), results);
    }
}
