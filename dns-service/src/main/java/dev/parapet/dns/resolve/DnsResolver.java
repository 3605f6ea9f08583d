package dev.parapet.dns.resolve;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.springframework.stereotype.Component;
import org.xbill.DNS.Rcode;

import dev.parapet.dns.DnsProperties;
import dev.parapet.dns.chain.AccessGrantStage;
import dev.parapet.dns.chain.Answer;
import dev.parapet.dns.chain.AttributionStage;
import dev.parapet.dns.chain.BlockAnswers;
import dev.parapet.dns.chain.CacheStage;
import dev.parapet.dns.chain.Chain;
import dev.parapet.dns.chain.CnameTargetStage;
import dev.parapet.dns.chain.DecisionStage;
import dev.parapet.dns.chain.Parser;
import dev.parapet.dns.chain.Query;
import dev.parapet.dns.chain.RateLimitStage;
import dev.parapet.dns.chain.Renderer;
import dev.parapet.dns.chain.Responses;
import dev.parapet.dns.chain.SafeSearchStage;
import dev.parapet.dns.chain.StopStage;
import dev.parapet.dns.chain.UpstreamStage;
import dev.parapet.dns.chain.VerdictLogStage;
import dev.parapet.dns.chain.WarningContinuedStage;
import dev.parapet.dns.pages.Allowances;
import dev.parapet.dns.pages.BlockNotices;
import dev.parapet.dns.policy.CategoryBits;
import dev.parapet.dns.policy.CategoryState;
import dev.parapet.dns.policy.ResolverState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Answers one DNS query, whatever the transport: the one entry point of every listener (UDP, TCP, TLS,
 * HTTPS). A packet is parsed ({@link Parser}), passes the chain of stages assembled here, in this order
 * (docs/dns.md draws it), and its answer is rendered for the client ({@link Renderer}):
 * <ol>
 * <li>{@link RateLimitStage}: UDP sources past their rate get nothing or a truncated slip;</li>
 * <li>{@link AttributionStage}: the agent, the location's own endpoint or the source's range names the
 *     account, or REFUSED (never an open resolver);</li>
 * <li>{@link VerdictLogStage}: logs the final verdict once the rest has answered;</li>
 * <li>{@link DecisionStage}: the account's policies decide;</li>
 * <li>{@link AccessGrantStage}: an approved access request lifts a stop for its requester;</li>
 * <li>{@link WarningContinuedStage}: a warned name the client continued to is resolved;</li>
 * <li>{@link StopStage}: a stopped name gets the page's address (unless an IP exception lifts it);</li>
 * <li>{@link SafeSearchStage}: a search engine is rewritten to its safe-search host;</li>
 * <li>{@link CnameTargetStage}: an answer leading to a stopped name is stopped;</li>
 * <li>{@link CacheStage}: a cached answer, else the upstreams' (kept, prefetched, served stale);</li>
 * <li>{@link UpstreamStage}: the upstream resolvers.</li>
 * </ol>
 * Never throws: a packet that does not parse gets FORMERR (or nothing), a failure inside SERVFAIL.
 */
@Component
public class DnsResolver {

    /** The largest UDP answer without EDNS (RFC 1035). */
    public static final int CLASSIC_UDP_SIZE = Parser.CLASSIC_UDP_SIZE;
    /** The EDNS payload size this resolver advertises and honours at most (DNS flag day 2020). */
    public static final int EDNS_UDP_SIZE = Parser.EDNS_UDP_SIZE;
    /** A DNS message over TCP, TLS or HTTPS. */
    public static final int STREAM_SIZE = Parser.STREAM_SIZE;

    private final Parser parser = new Parser();
    private final Chain chain;
    private final Renderer renderer = new Renderer();
    private final Counter malformed;
    private final Counter answered;

    public DnsResolver(ResolverState state, CategoryState categories, CategoryBits bits, DnsProperties properties,
                       Upstreams upstreams, AnswerCache cache, RateLimiter rateLimiter, VerdictLog verdicts,
                       BlockNotices notices, Allowances allowances, MeterRegistry meters) throws UnknownHostException {
        BlockAnswers blocks = new BlockAnswers(new BlockAnswers.Settings(InetAddress.getByName(properties.blockPageIpv4()),
                InetAddress.getByName(properties.blockPageIpv6()), properties.blockedTtl(), properties.warnedTtl(),
                mask -> categoryNames(categories, bits, mask)), notices, state::snapshot,
                meters.counter("parapet.dns.queries", "outcome", "stopped"));
        notices.fallback(blocks::noticeFor);
        this.chain = Chain.of(
                new RateLimitStage(rateLimiter),
                new AttributionStage(state::snapshot, meters.counter("parapet.dns.queries", "outcome", "refused")),
                new VerdictLogStage(verdicts, bits),
                new DecisionStage(),
                new AccessGrantStage(state::grants),
                new WarningContinuedStage(allowances),
                new StopStage(blocks),
                new SafeSearchStage(),
                new CnameTargetStage(blocks, allowances),
                new CacheStage(cache, properties.cache().prefetch(), meters),
                new UpstreamStage(upstreams));
        this.malformed = meters.counter("parapet.dns.queries", "outcome", "malformed");
        this.answered = meters.counter("parapet.dns.queries", "outcome", "answered");
    }

    /** The stages in their order (docs/dns.md's picture is checked against it). */
    public List<String> stages() {
        return chain.names();
    }

    /** The answer to send back, or null to send nothing (a packet too broken to answer, or rate-limited). */
    public CompletionStage<byte[]> answer(byte[] packet, Client client) {
        Query query;
        try {
            query = parser.parse(packet, client, System.nanoTime());
        } catch (Parser.Unanswerable unanswerable) {
            malformed.increment();
            return CompletableFuture.completedFuture(unanswerable.answer());
        } catch (RuntimeException e) {
            malformed.increment();
            return CompletableFuture.completedFuture(Responses.headerOnly(packet, Rcode.FORMERR));
        }
        try {
            CompletionStage<Answer> answer = chain.handle(query);
            if (answer instanceof CompletableFuture<Answer> done && done.isDone() && !done.isCompletedExceptionally()) {
                return CompletableFuture.completedFuture(render(query, done.join())); // most answers: no upstream
            }
            return answer.thenApply(resolved -> render(query, resolved))
                    .exceptionally(failure -> Responses.headerOnly(packet, Rcode.SERVFAIL));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(Responses.headerOnly(packet, Rcode.SERVFAIL));
        }
    }

    private byte[] render(Query query, Answer answer) {
        if (!answer.ours() && !answer.silent()) {
            answered.increment();
        }
        return renderer.wire(query, answer);
    }

    private static List<String> categoryNames(CategoryState categories, CategoryBits bits, long mask) {
        if (mask == 0) {
            return List.of();
        }
        return bits.idsOf(mask).stream().map(id -> categories.catalogue().categoryNames().getOrDefault(id, id)).toList();
    }
}
