package dev.parapet.dns.chain;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;

import dev.parapet.dns.resolve.RateLimiter;
import dev.parapet.schemas.v1.verdicts.Transport;

/**
 * Response rate limiting of UDP sources (whose address may be forged): past the source's rate, most
 * queries get nothing and some an empty truncated answer (a slip) that sends a real client to TCP.
 * Streams (TCP, TLS, HTTPS) prove their address by the handshake and have their own limits.
 */
public final class RateLimitStage implements Stage {

    private final RateLimiter limiter;

    public RateLimitStage(RateLimiter limiter) {
        this.limiter = limiter;
    }

    @Override
    public CompletionStage<Answer> handle(Query query, Next next) {
        if (query.client().transport() != Transport.UDP) {
            return next.handle(query);
        }
        return switch (limiter.decide(query.client().address())) {
            case DROP -> CompletableFuture.completedFuture(Answer.none());
            case SLIP -> {
                Message slip = Responses.to(query.message(), Rcode.NOERROR, List.of());
                slip.getHeader().setFlag(Flags.TC);
                yield CompletableFuture.completedFuture(Answer.of(slip));
            }
            case ANSWER -> next.handle(query);
        };
    }
}
