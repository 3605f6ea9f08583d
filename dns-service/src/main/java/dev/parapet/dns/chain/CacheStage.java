package dev.parapet.dns.chain;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import dev.parapet.dns.resolve.AnswerCache;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Answers shared by every account (policies were applied before, and are applied to the answer after):
 * a fresh cached answer is given at once; otherwise the rest of the chain (the upstreams) resolves, and
 * its answer is kept for its TTL.
 * <p>
 * <b>Serve-stale</b> (RFC 8767): when every upstream fails, an answer up to
 * {@code parapet.dns.cache.serve-stale} past its TTL is given instead of SERVFAIL, its TTLs 30 s; for the
 * next {@link #STALE_RETRY_NANOS 30 s} that name is answered stale at once rather than waiting on the
 * failing upstreams again (the RFC's failure recheck timer). Counted in {@code parapet.dns.cache.stale}.
 * <p>
 * <b>Prefetch</b>: an answer asked again in the last tenth of its TTL (of at least {@link #MIN_PREFETCH_TTL} s),
 * so a name still in use as it expires, is fetched again in the background, once, so that the next client
 * does not wait for it to expire (Unbound's prefetch); at most {@link #MAX_PREFETCHES} at a time. Counted in
 * {@code parapet.dns.cache.prefetches}.
 */
public final class CacheStage implements Stage {

    static final long STALE_RETRY_NANOS = TimeUnit.SECONDS.toNanos(30);
    static final long MIN_PREFETCH_TTL = 10;
    static final int MAX_PREFETCHES = 64;

    private final AnswerCache cache;
    private final boolean prefetch;
    private final AtomicInteger prefetching = new AtomicInteger();
    private final Counter stale;
    private final Counter prefetches;

    private final LongSupplier clock;

    public CacheStage(AnswerCache cache, boolean prefetch, MeterRegistry meters) {
        this(cache, prefetch, meters, System::nanoTime);
    }

    /** @param clock System.nanoTime, or a test's */
    CacheStage(AnswerCache cache, boolean prefetch, MeterRegistry meters, LongSupplier clock) {
        this.clock = clock;
        this.cache = cache;
        this.prefetch = prefetch;
        this.stale = meters.counter("parapet.dns.cache.stale");
        this.prefetches = meters.counter("parapet.dns.cache.prefetches");
    }

    @Override
    public CompletionStage<Answer> handle(Query query, Next next) {
        String key = AnswerCache.key(query.lookupName(), query.lookupType(), query.lookupClass(), query.dnssecOk(),
                query.checkingDisabled());
        long now = clock.getAsLong();
        AnswerCache.Entry entry = cache.get(key);
        if (entry != null) {
            long age = entry.ageSeconds(now);
            if (entry.fresh(age)) {
                if (prefetch) {
                    prefetchIfDue(query, next, key, entry, age);
                }
                return CompletableFuture.completedFuture(Answer.cached(entry, age, false));
            }
            if (entry.servingStale(now)) {
                stale.increment();
                return CompletableFuture.completedFuture(Answer.cached(entry, age, true));
            }
        }
        return next.handle(query).thenApply(answer -> {
            if (answer.resolved()) {
                cache.put(key, answer.upstream(), clock.getAsLong());
                return answer;
            }
            if (entry != null && cache.staleSeconds() > 0) {
                long failedAt = clock.getAsLong();
                long age = entry.ageSeconds(failedAt);
                if (age < entry.lifetimeSeconds() + cache.staleSeconds()) {
                    entry.serveStaleUntil(failedAt + STALE_RETRY_NANOS);
                    stale.increment();
                    return Answer.cached(entry, age, true);
                }
            }
            return answer;
        });
    }

    private void prefetchIfDue(Query query, Next next, String key, AnswerCache.Entry entry, long age) {
        long lifetime = entry.lifetimeSeconds();
        if (lifetime < MIN_PREFETCH_TTL || (lifetime - age) * 10 > lifetime || !entry.claimRefresh()) {
            return;
        }
        if (prefetching.incrementAndGet() > MAX_PREFETCHES) {
            prefetching.decrementAndGet();
            entry.releaseRefresh();
            return;
        }
        prefetches.increment();
        next.handle(query).whenComplete((answer, failure) -> {
            prefetching.decrementAndGet();
            if (answer != null && answer.resolved()) {
                cache.put(key, answer.upstream(), clock.getAsLong());
            } else {
                entry.releaseRefresh();
            }
        });
    }
}
