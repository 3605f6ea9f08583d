package dev.parapet.dns.chain;

import java.util.List;
import java.util.concurrent.CompletionStage;

import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.TextParseException;

import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.Reason;

/**
 * SafeSearch: a search engine's name is answered with a CNAME to the engine's safe-search host, followed
 * by that host's own answer (resolved instead of the asked name).
 */
public final class SafeSearchStage implements Stage {

    /** How long clients keep the rewrite. */
    static final long TTL = 300;

    @Override
    public CompletionStage<Answer> handle(Query query, Next next) {
        if (query.verdict().action() != Action.SAFESEARCH_REWRITTEN) {
            return next.handle(query);
        }
        String host = query.verdict().safeSearchHost();
        Name safe;
        try {
            safe = Name.fromString(host + ".");
        } catch (TextParseException e) {
            query.verdict(query.verdict().with(Action.ALLOWED, Reason.DEFAULT_ALLOW));
            return next.handle(query);
        }
        Record asked = query.question();
        query.lookup(Record.newRecord(safe, asked.getType(), asked.getDClass()), host);
        CNAMERecord rewrite = new CNAMERecord(asked.getName(), asked.getDClass(), TTL, safe);
        return next.handle(query).thenApply(answer -> answer.withPrefix(List.of(rewrite)));
    }
}
