package dev.parapet.dns.chain;

import java.util.List;

import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import dev.parapet.dns.resolve.AnswerCache;

/**
 * The chain's exit: an {@link Answer} as the bytes the client gets, no larger than it takes (a larger
 * response is truncated, TC set, as dnsjava renders it). An upstream's records keep their letter case and
 * order, their TTLs counted down by the answer's age; served stale, they get {@link #STALE_TTL}
 * (RFC 8767). A cached answer is rendered once and then only copied, with this query's id, flags, question
 * (the client's own letter case) and the TTLs for its age patched in.
 */
public final class Renderer {

    /** The TTL of records served stale (RFC 8767 section 4 recommends 30 seconds). */
    public static final long STALE_TTL = 30;

    public byte[] wire(Query query, Answer answer) {
        if (answer.silent()) {
            return null;
        }
        if (answer.wire() != null) {
            return answer.wire();
        }
        if (answer.response() != null) {
            return answer.response().toWire(query.maxSize());
        }
        if (!answer.resolved()) {
            return Responses.to(query.message(), Rcode.SERVFAIL, List.of()).toWire(query.maxSize());
        }
        if (answer.cached() && !answer.stale() && answer.prefix().isEmpty()) {
            byte[] fast = fromCache(query, answer);
            if (fast != null) {
                return fast;
            }
        }
        Message upstream = answer.upstream();
        Message response = Responses.to(query.message(), upstream.getRcode(), query.edns() ? errors(upstream) : List.of());
        if (upstream.getHeader().getFlag(Flags.AD) && query.wantsAuthenticatedData()) {
            response.getHeader().setFlag(Flags.AD);
        }
        for (Record record : answer.prefix()) {
            response.addRecord(record, Section.ANSWER);
        }
        copy(upstream, answer.stale() ? -1 : answer.ageSeconds(), response);
        return response.toWire(query.maxSize());
    }

    /** The cached answer's bytes for this query, or null when they would not fit (the general path truncates). */
    private static byte[] fromCache(Query query, Answer answer) {
        Message upstream = answer.upstream();
        AnswerCache.Entry.Rendered rendered = answer.entry().rendered(query.edns());
        if (rendered == null) {
            rendered = AnswerCache.Entry.Rendered.of(render(query, upstream));
            if (rendered == null) {
                return null;
            }
            answer.entry().keepRendered(query.edns(), rendered);
        }
        byte[] packet = query.wire();
        int questionEnd = query.questionEnd() - 4;
        if (rendered.wire().length > query.maxSize() || questionEnd < Header.LENGTH || questionEnd > rendered.wire().length
                || (rendered.wire()[2] & 0x02) != 0) {
            return null;
        }
        byte[] wire = rendered.at(answer.ageSeconds());
        wire[0] = packet[0];
        wire[1] = packet[1];
        wire[2] = (byte) ((wire[2] & 0xFE) | (packet[2] & 0x01)); // RD as asked
        boolean authenticated = upstream.getHeader().getFlag(Flags.AD) && query.wantsAuthenticatedData();
        wire[3] = (byte) ((wire[3] & 0xCF) | (authenticated ? 0x20 : 0) | (packet[3] & 0x10)); // AD as validated, CD as asked
        System.arraycopy(packet, Header.LENGTH, wire, Header.LENGTH, questionEnd - Header.LENGTH);
        return wire;
    }

    /** The cached answer as a response at age 0, id 0, the question as this client wrote it. */
    private static byte[] render(Query query, Message upstream) {
        Message response = new Message(0);
        Header header = response.getHeader();
        header.setFlag(Flags.QR);
        header.setFlag(Flags.RA);
        header.setRcode(upstream.getRcode());
        response.addRecord(query.question(), Section.QUESTION); // the same length as every hit's: patched in per query
        copy(upstream, 0, response);
        if (query.edns()) {
            // Every query that hits this entry asked alike: DO is part of the cache key.
            response.addRecord(new OPTRecord(Parser.EDNS_UDP_SIZE, 0, 0, query.dnssecOk() ? ExtendedFlags.DO : 0),
                    Section.ADDITIONAL);
        }
        return response.toWire(Parser.STREAM_SIZE);
    }

    /** The upstream's Extended DNS Errors (DNSSEC Bogus, with the validator's reason), for a client with EDNS. */
    private static List<EDNSOption> errors(Message upstream) {
        OPTRecord opt = upstream.getOPT();
        if (opt == null) {
            return List.of();
        }
        List<EDNSOption> errors = new java.util.ArrayList<>();
        for (EDNSOption option : opt.getOptions()) {
            if (option instanceof ExtendedErrorCodeOption) {
                errors.add(option);
            }
        }
        return errors;
    }

    /**
     * The upstream's records (but its OPT) into a response, their TTLs counted down by the answer's age;
     * an age of -1: served stale, every TTL {@link #STALE_TTL}.
     */
    static void copy(Message upstream, long ageSeconds, Message response) {
        for (int section : new int[] {Section.ANSWER, Section.AUTHORITY, Section.ADDITIONAL}) {
            for (Record record : upstream.getSection(section)) {
                if (record.getType() != Type.OPT) {
                    long ttl = ageSeconds < 0 ? STALE_TTL : Math.max(0, record.getTTL() - ageSeconds);
                    response.addRecord(ttl == record.getTTL() ? record : withTtl(record, ttl), section);
                }
            }
        }
    }

    /** Where an uncompressed name that starts at {@code offset} ends, or -1 if it does not end well. */
    static int nameEnd(byte[] packet, int offset) {
        int at = offset;
        while (at < packet.length) {
            int length = packet[at] & 0xff;
            if (length == 0) {
                return at + 1;
            }
            if (length > 63) {
                return -1;
            }
            at += length + 1;
        }
        return -1;
    }

    /** The record with another TTL (dnsjava keeps that setter to itself; the canonical rdata only lower-cases names). */
    private static Record withTtl(Record record, long ttl) {
        return Record.newRecord(record.getName(), record.getType(), record.getDClass(), ttl, record.rdataToWireCanonical());
    }
}
