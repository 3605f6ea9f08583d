package dev.parapet.dns.chain;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.Reason;

/**
 * A blocked or warned name gets the page's address. Unless the account has IP exceptions: then the
 * name is resolved after all, and an answer holding an excepted address is given as it is (ALLOWED,
 * reason IP_EXCEPTION); any other answer is still stopped.
 */
public final class StopStage implements Stage {

    private final BlockAnswers blocks;

    public StopStage(BlockAnswers blocks) {
        this.blocks = blocks;
    }

    @Override
    public CompletionStage<Answer> handle(Query query, Next next) {
        if (!query.verdict().stops()) {
            return next.handle(query);
        }
        if (!query.snapshot().hasIpExceptions(query.who())) {
            return CompletableFuture.completedFuture(blocks.stop(query, query.verdict()));
        }
        return next.handle(query).thenApply(answer -> {
            if (answer.resolved() && AnswerAddresses.anyExcepted(query, answer.upstream())) {
                query.verdict(query.verdict().with(Action.ALLOWED, Reason.IP_EXCEPTION));
                return answer;
            }
            return blocks.stop(query, query.verdict());
        });
    }
}
