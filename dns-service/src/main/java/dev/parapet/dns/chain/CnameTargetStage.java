package dev.parapet.dns.chain;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DNAMERecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

import dev.parapet.dns.pages.Allowances;
import dev.parapet.dns.policy.Verdict;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.Reason;

/**
 * A name no policy stopped may still lead to one that is: an answer whose CNAME or DNAME points at a
 * stopped name is stopped (reason CNAME_BLOCKED, the target's policy), unless it holds an address in
 * the account's IP exceptions or the client continued past the target's warning. Only names allowed by
 * default are checked: an Allow List, a domain exception or an access request decided for good.
 */
public final class CnameTargetStage implements Stage {

    private final BlockAnswers blocks;
    private final Allowances allowances;

    public CnameTargetStage(BlockAnswers blocks, Allowances allowances) {
        this.blocks = blocks;
        this.allowances = allowances;
    }

    @Override
    public CompletionStage<Answer> handle(Query query, Next next) {
        Verdict verdict = query.verdict();
        if (verdict.action() != Action.ALLOWED || verdict.reason() != Reason.DEFAULT_ALLOW) {
            return next.handle(query);
        }
        CompletionStage<Answer> resolved = next.handle(query);
        if (resolved instanceof CompletableFuture<Answer> done && done.isDone() && !done.isCompletedExceptionally()) {
            // Answered at once (the cache): checked here, without another future.
            Answer answer = done.join();
            return answer.cached() && !answer.entry().redirects() ? resolved : CompletableFuture.completedFuture(check(query, answer));
        }
        return resolved.thenApply(answer -> check(query, answer));
    }

    private Answer check(Query query, Answer answer) {
        if (!answer.resolved()) {
            return answer;
        }
        Verdict target = stoppedTarget(query, answer.upstream());
        if (target == null || AnswerAddresses.anyExcepted(query, answer.upstream())) {
            return answer;
        }
        query.verdict(target.with(target.action(), Reason.CNAME_BLOCKED));
        return blocks.stop(query, query.verdict());
    }

    /** The verdict that stops a name the answer's CNAME or DNAME records lead to, or null. */
    private Verdict stoppedTarget(Query query, Message answer) {
        for (Record record : answer.getSection(Section.ANSWER)) {
            Name target = record instanceof CNAMERecord cname ? cname.getTarget()
                    : record instanceof DNAMERecord dname ? dname.getTarget() : null;
            if (target != null) {
                byte[] bytes = Parser.normalised(target).getBytes(StandardCharsets.US_ASCII);
                Verdict verdict = query.snapshot().decideTarget(query.who(), bytes, bytes.length);
                if (verdict.stops() && !(verdict.action() == Action.WARNED && allowances.allows(
                        query.who().accountId(), query.client().addressText(), query.name()))) {
                    return verdict;
                }
            }
        }
        return null;
    }
}
