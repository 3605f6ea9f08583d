package dev.parapet.dns.chain;

import java.util.concurrent.CompletionStage;

/**
 * The account's policies on the asked name for this asker (docs/policies.md): a domain exception,
 * a Block or Allow List, Category Filtering, Advanced Security, in that order; the verdict carries the
 * deciding policy and its log settings to every later stage.
 */
public final class DecisionStage implements Stage {

    @Override
    public CompletionStage<Answer> handle(Query query, Next next) {
        query.verdict(query.snapshot().decide(query.who(), query.nameBytes(), query.nameBytes().length));
        return next.handle(query);
    }
}
