package dev.parapet.kit.state;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

import org.springframework.kafka.core.KafkaTemplate;

import dev.parapet.kit.problem.Problems;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Sends a command to its account's single writer and completes with the command's result, which the
 * service's {@link TopicFollower} hands to {@link #complete} as it reads the result topic.
 */
public final class CommandGateway<R> {

    private final Map<UUID, CompletableFuture<R>> pending = new ConcurrentHashMap<>();
    private final KafkaTemplate<String, Object> kafka;
    private final String commandTopic;
    private final Duration timeout;

    public CommandGateway(KafkaTemplate<String, Object> kafka, String commandTopic, Duration timeout) {
        this.kafka = kafka;
        this.commandTopic = commandTopic;
        this.timeout = timeout;
    }

    public Mono<R> send(UUID commandId, String key, Object command) {
        CompletableFuture<R> result = pending.computeIfAbsent(commandId, id -> new CompletableFuture<>());
        // KafkaTemplate.send can block (metadata, the first schema lookup, a full buffer): never on an event loop.
        return Mono.fromFuture(() -> kafka.send(commandTopic, key, command))
                .subscribeOn(Schedulers.boundedElastic())
                .then(Mono.fromFuture(result))
                .timeout(timeout)
                .onErrorMap(TimeoutException.class, e -> Problems.unavailable(
                        "The change was not confirmed in time; it may still be applied. Read it back before retrying."))
                .doFinally(signal -> pending.remove(commandId));
    }

    /** Called with every result read; completes the request waiting for it, if this instance sent it. */
    public void complete(UUID commandId, R result) {
        CompletableFuture<R> future = pending.remove(commandId);
        if (future != null) {
            future.complete(result);
        }
    }
}
