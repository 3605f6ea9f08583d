package dev.parapet.dns.chain;

import java.util.concurrent.CompletionStage;

/**
 * One step of the query path. A stage looks at the query (and what earlier stages decided about it),
 * then answers it itself or hands it on to the rest of the chain, possibly changing the answer that
 * comes back. Stages never throw for a query: an answer (or {@link Answer#none()}) is always given.
 * The chain is assembled in one place, {@link dev.parapet.dns.resolve.DnsResolver}.
 */
@FunctionalInterface
public interface Stage {

    CompletionStage<Answer> handle(Query query, Next next);

    /** The rest of the chain after a stage. */
    @FunctionalInterface
    interface Next {
        CompletionStage<Answer> handle(Query query);
    }
}
