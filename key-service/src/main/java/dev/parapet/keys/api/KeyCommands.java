package dev.parapet.keys.api;

import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

import dev.parapet.keys.KeyServiceProperties;
import dev.parapet.keys.view.KeyStateView;
import dev.parapet.kit.problem.Problems;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.common.Actor;
import dev.parapet.schemas.v1.keys.KeyCommand;
import dev.parapet.schemas.v1.keys.KeyCommandResult;
import reactor.core.publisher.Mono;

/**
 * Sends a command to the account's single writer and waits for its result, then until this
 * instance's view shows it, so that the caller's next read sees the write.
 */
@Component
public class KeyCommands {

    private final KafkaTemplate<String, Object> kafka;
    private final KeyStateView view;
    private final KeyServiceProperties properties;

    public KeyCommands(KafkaTemplate<String, Object> kafka, KeyStateView view, KeyServiceProperties properties) {
        this.kafka = kafka;
        this.view = view;
        this.properties = properties;
    }

    public Mono<KeyCommandResult> send(UUID accountId, Actor actor, String sourceAddress, Object action) {
        UUID commandId = UUID.randomUUID();
        KeyCommand command = KeyCommand.newBuilder()
                .setCommandId(commandId)
                .setAccountId(accountId)
                .setRequestedAt(Instant.now())
                .setActor(actor)
                .setSourceAddress(sourceAddress)
                .setAction(action)
                .build();
        var result = view.expectResult(commandId);
        return Mono.fromFuture(() -> kafka.send(Topics.KEY_COMMANDS.name(), accountId.toString(), command))
                .then(Mono.fromFuture(result))
                .timeout(properties.commandTimeout())
                .onErrorMap(TimeoutException.class, e -> Problems.unavailable(
                        "The change was not confirmed in time; it may still be applied. Read it back before retrying."))
                .doFinally(signal -> view.forget(commandId));
    }
}
