package dev.parapet.dns.chain;

import java.time.Instant;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

import dev.parapet.dns.policy.AccessGrants;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.Reason;

/**
 * An approved access request lifts a stop for its requester (the signed-in user, else the device, else
 * the address) until it ends: ALLOWED, reason ACCESS_REQUEST, the stopping policy kept in the verdict
 * for the log. Only stopped queries look, so allowed names pay nothing.
 */
public final class AccessGrantStage implements Stage {

    private final Supplier<AccessGrants> grants;

    public AccessGrantStage(Supplier<AccessGrants> grants) {
        this.grants = grants;
    }

    @Override
    public CompletionStage<Answer> handle(Query query, Next next) {
        if (query.verdict().stops() && grants.get().find(query.who().accountId(), query.who().userEmail(),
                query.who().agentId(), query.client().addressText(), query.name(), Instant.now()).isPresent()) {
            query.verdict(query.verdict().with(Action.ALLOWED, Reason.ACCESS_REQUEST));
        }
        return next.handle(query);
    }
}
