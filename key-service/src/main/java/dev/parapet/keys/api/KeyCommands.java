package dev.parapet.keys.api;

import java.time.Instant;
import java.util.UUID;

import org.springframework.stereotype.Component;

import dev.parapet.keys.view.KeyStateView;
import dev.parapet.schemas.v1.common.Actor;
import dev.parapet.schemas.v1.keys.KeyCommand;
import dev.parapet.schemas.v1.keys.KeyCommandResult;
import reactor.core.publisher.Mono;

/** Builds a key command and sends it to the account's single writer; completes with its result. */
@Component
public class KeyCommands {

    private final KeyStateView view;

    public KeyCommands(KeyStateView view) {
        this.view = view;
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
        return view.commands().send(commandId, accountId.toString(), command);
    }
}
