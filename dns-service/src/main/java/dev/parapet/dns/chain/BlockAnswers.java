package dev.parapet.dns.chain;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import dev.parapet.dns.pages.BlockNotices;
import dev.parapet.dns.policy.Snapshot;
import dev.parapet.dns.policy.Verdict;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.Reason;
import dev.parapet.schemas.v1.verdicts.Transport;
import io.micrometer.core.instrument.Counter;

/**
 * The answer for a stopped query: the block or warning page's address for A and AAAA, NODATA for other
 * types, with an Extended DNS Error (RFC 8914: Blocked by a list, Filtered by a category) that says which
 * policy. The page then needs to know why: an agent's query leaves a notice for its address; a port-53
 * client is known by its address, so the page asks here again ({@link #noticeFor}).
 */
public final class BlockAnswers {

    /** RFC 8914: Filtered (by the organisation's policy) as opposed to Blocked (by the list). */
    private static final int EDE_FILTERED = 17;

    /**
     * @param pageIpv4 the block page's IPv4 address
     * @param pageIpv6 its IPv6 address
     * @param categoryNames the display names of a verdict's category bits
     */
    public record Settings(InetAddress pageIpv4, InetAddress pageIpv6, Duration blockedTtl, Duration warnedTtl,
                           Function<Long, List<String>> categoryNames) {
    }

    private final Settings settings;
    private final BlockNotices notices;
    private final Supplier<Snapshot> snapshots;
    private final Counter stopped;
    private final Map<Verdict, String> explanations = new ConcurrentHashMap<>();

    public BlockAnswers(Settings settings, BlockNotices notices, Supplier<Snapshot> snapshots, Counter stopped) {
        this.settings = settings;
        this.notices = notices;
        this.snapshots = snapshots;
        this.stopped = stopped;
    }

    /** The answer for this query stopped by this verdict. */
    public Answer stop(Query query, Verdict verdict) {
        stopped.increment();
        Record question = query.question();
        boolean warn = verdict.action() == Action.WARNED;
        Message answer = Responses.to(query.message(), Rcode.NOERROR, query.edns()
                ? List.of(new ExtendedErrorCodeOption(errorCode(verdict), explanation(verdict))) : List.of());
        long ttl = (warn ? settings.warnedTtl() : settings.blockedTtl()).toSeconds();
        boolean page = false;
        if (question.getType() == Type.A && question.getDClass() == DClass.IN) {
            answer.addRecord(new ARecord(question.getName(), DClass.IN, ttl, settings.pageIpv4()), Section.ANSWER);
            page = true;
        } else if (question.getType() == Type.AAAA && question.getDClass() == DClass.IN) {
            answer.addRecord(new AAAARecord(question.getName(), DClass.IN, ttl, settings.pageIpv6()), Section.ANSWER);
            page = true;
        }
        if (page && query.client().transport() == Transport.DOH) {
            notices.recordIfNew(query.client().addressText(), query.name(), verdict.policyName(), () -> new BlockNotices.Notice(
                    warn ? BlockNotices.Kind.WARNED : BlockNotices.Kind.BLOCKED, query.who().accountId(),
                    query.client().addressText(), query.name(), explanation(verdict), verdict.policyName(),
                    settings.categoryNames().apply(verdict.categories()), Instant.now(), query.who().userEmail(),
                    query.who().agentId(), query.who().locationId()));
        }
        return Answer.of(answer);
    }

    /** The notice for a port-53 client's name, decided again from the current snapshot. */
    public Optional<BlockNotices.Notice> noticeFor(String client, String name) {
        if (!client.matches("[0-9a-fA-F:.]{2,45}")) {
            return Optional.empty(); // an address literal only: never a name to look up
        }
        try {
            Snapshot snapshot = snapshots.get();
            Optional<Snapshot.Attribution> who = snapshot.locate(InetAddress.getByName(client));
            if (who.isEmpty()) {
                return Optional.empty();
            }
            byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
            Verdict verdict = snapshot.decide(who.get(), bytes, bytes.length);
            if (!verdict.stops()) {
                return Optional.empty();
            }
            return Optional.of(new BlockNotices.Notice(verdict.action() == Action.WARNED ? BlockNotices.Kind.WARNED
                    : BlockNotices.Kind.BLOCKED, who.get().accountId(), client, name, explanation(verdict), verdict.policyName(),
                    settings.categoryNames().apply(verdict.categories()), Instant.now(), null, null, who.get().locationId()));
        } catch (UnknownHostException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static int errorCode(Verdict verdict) {
        return verdict.reason() == Reason.BLOCK_LIST || verdict.reason() == Reason.CNAME_BLOCKED && verdict.categories() == 0
                ? ExtendedErrorCodeOption.BLOCKED : EDE_FILTERED;
    }

    /** The Extended DNS Error's text and the page's reason, made once per distinct verdict. */
    String explanation(Verdict verdict) {
        String text = explanations.get(verdict);
        if (text != null) {
            return text;
        }
        List<String> names = settings.categoryNames().apply(verdict.categories());
        text = (verdict.action() == Action.WARNED ? "Warned" : "Blocked") + " by Parapet policy '" + verdict.policyName() + "'"
                + (names.isEmpty() ? " (Block List)" : " (category: " + String.join(", ", names) + ")")
                + (verdict.reason() == Reason.CNAME_BLOCKED ? ", via CNAME" : "");
        if (explanations.size() > 10_000) {
            explanations.clear();
        }
        explanations.put(verdict, text);
        return text;
    }
}
