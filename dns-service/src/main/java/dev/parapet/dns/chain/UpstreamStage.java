package dev.parapet.dns.chain;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Section;

import dev.parapet.dns.resolve.Upstreams;

/**
 * The end of the chain: the question to resolve goes to the upstream resolvers (with EDNS, whatever the
 * client spoke; DO and CD as the client set them, so that DNSSEC records and unvalidated answers go only
 * to those who ask); no answer from any of them is an unresolved answer (SERVFAIL, or stale from the
 * cache). With a trust anchor, {@link Upstreams} validates the answer (docs/dns.md, DNSSEC).
 */
public final class UpstreamStage implements Stage {

    private final Upstreams upstreams;

    public UpstreamStage(Upstreams upstreams) {
        this.upstreams = upstreams;
    }

    @Override
    public CompletionStage<Answer> handle(Query query, Next next) {
        if (!upstreams.any()) {
            return CompletableFuture.completedFuture(Answer.upstream(null));
        }
        Message upstreamQuery = Message.newQuery(query.lookup());
        upstreamQuery.addRecord(new OPTRecord(Parser.EDNS_UDP_SIZE, 0, 0, query.dnssecOk() ? ExtendedFlags.DO : 0),
                Section.ADDITIONAL);
        if (query.checkingDisabled()) {
            upstreamQuery.getHeader().setFlag(Flags.CD);
        }
        return upstreams.send(upstreamQuery, query.checkingDisabled()).thenApply(Answer::upstream);
    }
}
