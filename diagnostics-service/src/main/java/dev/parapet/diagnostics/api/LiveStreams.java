package dev.parapet.diagnostics.api;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.springframework.http.HttpHeaders;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.stereotype.Component;
import org.springframework.web.ErrorResponseException;

import dev.parapet.diagnostics.DiagnosticsProperties;
import dev.parapet.kit.problem.Problems;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * The bounds of administrators' live streams. Each costs a query of the account's store every
 * second, so an account may hold at most {@code parapet.diagnostics.live-streams-per-account} on the
 * instance that owns its data (where every one of its streams is served, relayed or not); more are
 * refused with 429. And a stream lives no longer than the token that opened it: when the token's
 * {@code exp} passes, the stream sends {@code token-expired} (the console then asks its user to sign
 * in again) and ends, so an administrator whose access was withdrawn does not keep watching.
 */
@Component
public class LiveStreams {

    static final String EXPIRED_EVENT = "token-expired";

    private final int perAccount;
    private final Map<UUID, Integer> open = new ConcurrentHashMap<>();
    private final JsonMapper json;
    private final Counter refused;
    private final Counter expired;

    public LiveStreams(DiagnosticsProperties properties, JsonMapper json, MeterRegistry meters) {
        this.perAccount = properties.liveStreamsPerAccount();
        this.json = json;
        this.refused = meters.counter("parapet.diagnostics.live.refused");
        this.expired = meters.counter("parapet.diagnostics.live.token_expired");
    }

    /**
     * The account's events from {@code events}, counted against its quota while open, and ended with
     * {@code token-expired} at {@code expiresAt} (null: the token has no expiry and the stream none).
     */
    public Flux<ServerSentEvent<String>> open(UUID accountId, Instant expiresAt, Supplier<Flux<ServerSentEvent<String>>> events) {
        return Flux.defer(() -> {
            acquire(accountId);
            Flux<ServerSentEvent<String>> stream = events.get();
            if (expiresAt != null) {
                Duration left = Duration.between(Instant.now(), expiresAt);
                Mono<ServerSentEvent<String>> end = Mono.delay(left.isNegative() ? Duration.ZERO : left)
                        .map(tick -> expiredEvent(expiresAt));
                stream = Flux.merge(stream, end).takeUntil(event -> EXPIRED_EVENT.equals(event.event()));
            }
            return stream.doFinally(signal -> release(accountId));
        });
    }

    /** Counts the stream in, or refuses it (429); counting and checking are one atomic step per account. */
    private void acquire(UUID accountId) {
        boolean[] full = {false};
        open.compute(accountId, (id, count) -> {
            int current = count == null ? 0 : count;
            full[0] = current >= perAccount;
            return full[0] ? count : current + 1;
        });
        if (full[0]) {
            refused.increment();
            ErrorResponseException problem = Problems.tooManyRequests("This account has " + perAccount
                    + " live streams open, the most it may have (parapet.diagnostics.live-streams-per-account); "
                    + "close one (another console tab) and retry.");
            problem.getBody().setProperty("limit", perAccount);
            problem.getBody().setProperty("current", perAccount);
            problem.getHeaders().set(HttpHeaders.RETRY_AFTER, "10");
            throw problem;
        }
    }

    private void release(UUID accountId) {
        open.computeIfPresent(accountId, (id, count) -> count <= 1 ? null : count - 1);
    }

    private ServerSentEvent<String> expiredEvent(Instant expiresAt) {
        expired.increment();
        return ServerSentEvent.builder(json.writeValueAsString(Map.of("expiredAt", expiresAt.toString(),
                "reason", "Your sign-in has expired; sign in again to keep watching."))).event(EXPIRED_EVENT).build();
    }
}
