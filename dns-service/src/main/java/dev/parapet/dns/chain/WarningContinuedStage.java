package dev.parapet.dns.chain;

import java.util.concurrent.CompletionStage;

import dev.parapet.dns.pages.Allowances;
import dev.parapet.schemas.v1.verdicts.Action;

/**
 * A warned name the client chose to continue to (on the warning page, for a while) is resolved:
 * ALLOWED_AFTER_WARNING, with the warning's reason and policy.
 */
public final class WarningContinuedStage implements Stage {

    private final Allowances allowances;

    public WarningContinuedStage(Allowances allowances) {
        this.allowances = allowances;
    }

    @Override
    public CompletionStage<Answer> handle(Query query, Next next) {
        if (query.verdict().action() == Action.WARNED
                && allowances.allows(query.who().accountId(), query.client().addressText(), query.name())) {
            query.verdict(query.verdict().with(Action.ALLOWED_AFTER_WARNING, query.verdict().reason()));
        }
        return next.handle(query);
    }
}
