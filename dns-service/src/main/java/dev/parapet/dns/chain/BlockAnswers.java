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
import org.xbill.DNS.Header;
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
    /** The EDNS option code of an Extended DNS Error. */
    private static final int EDE_OPTION = 15;

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
    private final Map<Verdict, Explained> explanations = new ConcurrentHashMap<>();
    private final byte[] pageIpv4;
    private final byte[] pageIpv6;

    public BlockAnswers(Settings settings, BlockNotices notices, Supplier<Snapshot> snapshots, Counter stopped) {
        this.settings = settings;
        this.pageIpv4 = settings.pageIpv4().getAddress();
        this.pageIpv6 = settings.pageIpv6().getAddress();
        this.notices = notices;
        this.snapshots = snapshots;
        this.stopped = stopped;
    }

    /** The answer for this query stopped by this verdict. */
    public Answer stop(Query query, Verdict verdict) {
        stopped.increment();
        boolean warn = verdict.action() == Action.WARNED;
        long ttl = (warn ? settings.warnedTtl() : settings.blockedTtl()).toSeconds();
        boolean page = query.dclass() == DClass.IN && (query.type() == Type.A || query.type() == Type.AAAA);
        if (page && query.client().transport() != Transport.UDP && query.client().transport() != Transport.TCP) {
            // A client known by its address (UDP, TCP) is asked about again by the page (noticeFor); an agent's
            // or a location endpoint's client (DoH, DoT) may come from an address that says nothing.
            recordNotice(query, verdict, warn);
        }
        byte[] wire = wire(query, verdict, ttl);
        if (wire != null) {
            return Answer.ofWire(wire);
        }
        Record question = query.question();
        Message answer = Responses.to(query.message(), Rcode.NOERROR, query.edns()
                ? List.of(new ExtendedErrorCodeOption(errorCode(verdict), explanation(verdict))) : List.of());
        if (question.getType() == Type.A && question.getDClass() == DClass.IN) {
            answer.addRecord(new ARecord(question.getName(), DClass.IN, ttl, settings.pageIpv4()), Section.ANSWER);
        } else if (question.getType() == Type.AAAA && question.getDClass() == DClass.IN) {
            answer.addRecord(new AAAARecord(question.getName(), DClass.IN, ttl, settings.pageIpv6()), Section.ANSWER);
        }
        return Answer.of(answer);
    }

    /**
     * The block answer as bytes, without dnsjava: the query's header and question, the page's address
     * (the owner a pointer to the question's name), and with EDNS an OPT record carrying the Extended DNS
     * Error; null when the question's end is unknown or the answer would not fit the client (dnsjava then
     * makes it, truncated).
     */
    private byte[] wire(Query query, Verdict verdict, long ttl) {
        byte[] packet = query.wire();
        int questionEnd = query.questionEnd();
        if (questionEnd < Header.LENGTH + 5) {
            return null;
        }
        byte[] address = query.dclass() != DClass.IN ? null : query.type() == Type.A ? pageIpv4
                : query.type() == Type.AAAA ? pageIpv6 : null;
        byte[] text = query.edns() ? explained(verdict).utf8() : null;
        int length = questionEnd + (address == null ? 0 : 12 + address.length) + (text == null ? 0 : 11 + 6 + text.length);
        if (length > query.maxSize()) {
            return null;
        }
        byte[] wire = new byte[length];
        System.arraycopy(packet, 0, wire, 0, questionEnd);
        wire[2] = (byte) (0x80 | (packet[2] & 0x01));       // QR, opcode QUERY, RD as asked
        wire[3] = (byte) (0x80 | (packet[3] & 0x10));       // RA, CD as asked, NOERROR
        wire[4] = 0;
        wire[5] = 1;
        wire[6] = 0;
        wire[7] = (byte) (address == null ? 0 : 1);
        wire[8] = 0;
        wire[9] = 0;
        wire[10] = 0;
        wire[11] = (byte) (text == null ? 0 : 1);
        int at = questionEnd;
        if (address != null) {
            wire[at] = (byte) 0xC0;                          // the owner: a pointer to the question's name
            wire[at + 1] = (byte) Header.LENGTH;
            put16(wire, at + 2, query.type());
            put16(wire, at + 4, DClass.IN);
            put32(wire, at + 6, ttl);
            put16(wire, at + 10, address.length);
            System.arraycopy(address, 0, wire, at + 12, address.length);
            at += 12 + address.length;
        }
        if (text != null) {
            wire[at] = 0;                                    // OPT: the root
            put16(wire, at + 1, Type.OPT);
            put16(wire, at + 3, Parser.EDNS_UDP_SIZE);
            wire[at + 5] = 0;                                // extended rcode
            wire[at + 6] = 0;                                // version
            wire[at + 7] = (byte) (query.dnssecOk() ? 0x80 : 0);
            wire[at + 8] = 0;
            put16(wire, at + 9, 6 + text.length);
            put16(wire, at + 11, EDE_OPTION);
            put16(wire, at + 13, 2 + text.length);
            put16(wire, at + 15, errorCode(verdict));
            System.arraycopy(text, 0, wire, at + 17, text.length);
        }
        return wire;
    }

    private static void put16(byte[] wire, int at, int value) {
        wire[at] = (byte) (value >>> 8);
        wire[at + 1] = (byte) value;
    }

    private static void put32(byte[] wire, int at, long value) {
        put16(wire, at, (int) (value >>> 16));
        put16(wire, at + 2, (int) value);
    }

    private void recordNotice(Query query, Verdict verdict, boolean warn) {
        notices.recordIfNew(query.client().addressText(), query.name(), verdict.policyName(), () -> new BlockNotices.Notice(
                warn ? BlockNotices.Kind.WARNED : BlockNotices.Kind.BLOCKED, query.who().accountId(),
                query.client().addressText(), query.name(), explanation(verdict), verdict.policyName(),
                settings.categoryNames().apply(verdict.categories()), Instant.now(), query.who().userEmail(),
                query.who().agentId(), query.who().locationId()));
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
        return verdict.reason() == Reason.BLOCK_LIST || verdict.reason() == Reason.TUNNEL
                || verdict.reason() == Reason.CNAME_BLOCKED && verdict.categories() == 0
                ? ExtendedErrorCodeOption.BLOCKED : EDE_FILTERED;
    }

    /** The Extended DNS Error's text and the page's reason. */
    String explanation(Verdict verdict) {
        return explained(verdict).text();
    }

    /** An explanation and its UTF-8 bytes. */
    record Explained(String text, byte[] utf8) {
    }

    /** The explanation of a verdict, made once per distinct verdict. */
    private Explained explained(Verdict verdict) {
        Explained known = explanations.get(verdict);
        if (known != null) {
            return known;
        }
        List<String> names = settings.categoryNames().apply(verdict.categories());
        String text = (verdict.action() == Action.WARNED ? "Warned" : "Blocked") + " by Parapet policy '" + verdict.policyName() + "'"
                + (verdict.reason() == Reason.TUNNEL ? " (DNS tunnel detected)"
                        : names.isEmpty() ? " (Block List)" : " (category: " + String.join(", ", names) + ")")
                + (verdict.reason() == Reason.CNAME_BLOCKED ? ", via CNAME" : "");
        if (explanations.size() > 10_000) {
            explanations.clear();
        }
        known = new Explained(text, text.getBytes(StandardCharsets.UTF_8));
        explanations.put(verdict, known);
        return known;
    }
}
