package dev.parapet.diagnostics.intake;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

import dev.parapet.kit.agents.AgentCredentialVerifier.AgentIdentity;
import dev.parapet.kit.problem.Problems;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.telemetry.AgentTelemetry;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Writes accepted reports to {@code parapet.agent-telemetry.v1}, keyed by account (an account's reports,
 * and so each agent's, stay in order on one partition: the partition of the task that keeps the account's
 * devices, which then reads them without a repartition), through the kit's producer (idempotent, acks=all). It completes
 * only once Kafka has acknowledged every record, so the agent is never told a report was accepted
 * that could still be lost.
 */
@Component
class TelemetryLog {

    private static final Logger LOG = LoggerFactory.getLogger(TelemetryLog.class);

    private final KafkaTemplate<String, Object> kafka;

    TelemetryLog(KafkaTemplate<String, Object> kafka) {
        this.kafka = kafka;
    }

    /**
     * The records of the agent's accepted reports, each with a new event id, the account and agent of
     * the credential (never of the body) and the server's clock; in the reports' order.
     */
    static List<AgentTelemetry> records(AgentIdentity agent, List<CheckedReport.Accepted> reports, Instant receivedAt) {
        Instant received = receivedAt.truncatedTo(ChronoUnit.MILLIS);
        return reports.stream().map(report -> AgentTelemetry.newBuilder().setEventId(UUID.randomUUID())
                .setAccountId(agent.accountId()).setAgentId(agent.agentId()).setReceivedAt(received)
                .setKind(report.kind()).setStatus(report.status()).setLastErrors(report.lastErrors()).build()).toList();
    }

    /** Completes when Kafka acknowledged every record; fails (503) if any was not. */
    Mono<Void> write(List<AgentTelemetry> records) {
        if (records.isEmpty()) {
            return Mono.empty();
        }
        // KafkaTemplate.send can block (metadata, the first schema lookup, a full buffer): never on an event loop.
        return Mono.fromCallable(() -> records.stream()
                        .map(record -> kafka.send(Topics.AGENT_TELEMETRY.name(), record.getAccountId().toString(), record))
                        .toArray(CompletableFuture[]::new))
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(sends -> Mono.fromFuture(CompletableFuture.allOf(sends)))
                .onErrorMap(e -> {
                    LOG.warn("telemetry: {} reports of agent {} not confirmed by Kafka: {}", records.size(),
                            records.get(0).getAgentId(), e.toString());
                    return Problems.unavailable("The reports could not be stored; send the batch again shortly "
                            + "(reports already stored may then be stored twice).");
                });
    }
}
