package dev.parapet.settings.commands;

import java.util.Optional;
import java.util.UUID;

import reactor.core.publisher.Mono;
import reactor.util.context.ContextView;

/**
 * The commands one request sent, for whoever serves the request to report on them (the change id
 * of a write, waiting until it is enforced). Whoever wants them puts an instance in the request's
 * Reactor context; {@link Commands#send} notes each command it sends there.
 */
public final class SentCommands {

    private volatile UUID last;

    /** The command sent last, if any. */
    public Optional<UUID> last() {
        return Optional.ofNullable(last);
    }

    /** Notes the command in the context's {@code SentCommands}, if it has one, when {@code sending} is subscribed to. */
    static <T> Mono<T> noting(UUID commandId, Mono<T> sending) {
        return Mono.deferContextual(context -> {
            of(context).ifPresent(sent -> sent.last = commandId);
            return sending;
        });
    }

    private static Optional<SentCommands> of(ContextView context) {
        return context.getOrEmpty(SentCommands.class);
    }
}
