package dev.parapet.diagnostics.devices;

import java.time.Instant;
import java.util.UUID;

import org.springframework.stereotype.Component;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * Findings raised and cleared on this instance's devices, as they happen, for the live streams of
 * administrators connected here (requests for accounts owned by another instance are proxied there).
 * A slow subscriber misses events rather than slowing the aggregation.
 */
@Component
public class FindingEvents {

    /** One finding raised or cleared on one device. */
    public record FindingEvent(UUID accountId, UUID agentId, String hostname, FindingCode code, String detail,
                               boolean raised, Instant at) {
    }

    private final Sinks.Many<FindingEvent> sink = Sinks.many().multicast().directBestEffort();

    /** Synchronised: the stream threads emit concurrently, and a sink takes one emitter at a time. */
    public synchronized void publish(FindingEvent event) {
        sink.tryEmitNext(event);
    }

    public Flux<FindingEvent> of(UUID accountId) {
        return sink.asFlux().filter(e -> e.accountId().equals(accountId));
    }
}
