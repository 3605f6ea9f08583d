package dev.parapet.dns.chain;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

import dev.parapet.dns.policy.CategoryBits;
import dev.parapet.dns.policy.Snapshot;
import dev.parapet.dns.policy.Verdict;
import dev.parapet.dns.resolve.VerdictLog;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;

/**
 * Every answered query of an account gives one verdict, once the rest of the chain has answered (so
 * with the final action, the response code and whether it came from the cache), as the deciding
 * policy's log settings allow. Offered to the verdict log, which never makes a query wait.
 */
public final class VerdictLogStage implements Stage {

    private final boolean enabled;
    private final Consumer<DnsVerdict> sink;
    private final CategoryBits bits;

    public VerdictLogStage(VerdictLog verdicts, CategoryBits bits) {
        this(verdicts.enabled(), verdicts::offer, bits);
    }

    /** @param sink takes a verdict at once, never waiting */
    public VerdictLogStage(boolean enabled, Consumer<DnsVerdict> sink, CategoryBits bits) {
        this.enabled = enabled;
        this.sink = sink;
        this.bits = bits;
    }

    @Override
    public CompletionStage<Answer> handle(Query query, Next next) {
        if (!enabled) {
            return next.handle(query);
        }
        return next.handle(query).thenApply(answer -> {
            Verdict verdict = query.verdict();
            if (verdict != null && verdict.logged() && !answer.silent()) {
                sink.accept(record(query, verdict, answer));
            }
            return answer;
        });
    }

    DnsVerdict record(Query query, Verdict verdict, Answer answer) {
        long categoryBits = verdict.categories() != 0 ? verdict.categories()
                : query.snapshot().categoriesOf(query.nameBytes(), query.nameBytes().length);
        Snapshot.Attribution who = query.who();
        return DnsVerdict.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(Instant.now())
                .setAccountId(who.accountId())
                .setLocationId(who.locationId())
                .setAgentId(who.agentId())
                .setUserEmail(who.userEmail())
                .setClientAddress(query.client().addressText())
                .setTransport(query.client().transport())
                .setQueryName(query.name())
                .setQueryType(Type.string(query.type()))
                .setAction(verdict.action())
                .setReason(verdict.reason())
                .setPolicyId(verdict.policyId())
                .setCategoryIds(categoryBits == 0 ? List.of() : bits.idsOf(categoryBits))
                .setResponseCode(Rcode.string(answer.rcode()))
                .setLatencyMicros((int) Math.min(Integer.MAX_VALUE, (System.nanoTime() - query.startedNanos()) / 1_000))
                .setCached(answer.cached())
                .build();
    }
}
