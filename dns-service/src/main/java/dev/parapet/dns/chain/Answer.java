package dev.parapet.dns.chain;

import java.util.List;

import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;

import dev.parapet.dns.resolve.AnswerCache;

/**
 * What the chain answers a query with, before it is rendered for the client's transport.
 *
 * @param response   a complete response of our own (REFUSED, a block page's address, a slip), or null
 * @param upstream   the upstream's answer (fresh, cached or stale), or null: either a response of our own or
 *                   no upstream answered (SERVFAIL)
 * @param ageSeconds how long the upstream answer has been cached, to count its TTLs down
 * @param entry      the cache entry it came from, or null: not from the cache
 * @param stale      served past its TTL because every upstream failed (RFC 8767)
 * @param prefix     records before the upstream's (SafeSearch's CNAME)
 * @param silent     send nothing at all (a rate-limited drop)
 * @param wire       a response of our own already in bytes (a block answer made without dnsjava), or null
 */
public record Answer(Message response, Message upstream, long ageSeconds, AnswerCache.Entry entry, boolean stale,
                     List<Record> prefix, boolean silent, byte[] wire) {

    private static final Answer NONE = new Answer(null, null, 0, null, false, List.of(), true, null);
    private static final Answer NO_UPSTREAM = new Answer(null, null, 0, null, false, List.of(), false, null);

    /** A response made here, as bytes ready to send. */
    public static Answer ofWire(byte[] wire) {
        return new Answer(null, null, 0, null, false, List.of(), false, wire);
    }

    /** Whether the answer is one of our own (REFUSED, a block page's address, a slip), not an upstream's. */
    public boolean ours() {
        return response != null || wire != null;
    }

    /** Nothing is sent back. */
    public static Answer none() {
        return NONE;
    }

    /** A response made here. */
    public static Answer of(Message response) {
        return new Answer(response, null, 0, null, false, List.of(), false, null);
    }

    /** An upstream's answer as it came (null: every upstream failed). */
    public static Answer upstream(Message answer) {
        return answer == null ? NO_UPSTREAM : new Answer(null, answer, 0, null, false, List.of(), false, null);
    }

    /** A cached answer at this age; stale when past its TTL. */
    public static Answer cached(AnswerCache.Entry entry, long ageSeconds, boolean stale) {
        return new Answer(null, entry.answer(), ageSeconds, entry, stale, List.of(), false, null);
    }

    /** The same answer with records before the upstream's. */
    public Answer withPrefix(List<Record> records) {
        return new Answer(response, upstream, ageSeconds, entry, stale, List.copyOf(records), silent, wire);
    }

    public boolean cached() {
        return entry != null;
    }

    /** Whether an upstream (or the cache) answered: its records may be looked at. */
    public boolean resolved() {
        return upstream != null;
    }

    /** The response code the client gets. */
    public int rcode() {
        return wire != null ? wire[3] & 0x0F : response != null ? response.getRcode()
                : upstream != null ? upstream.getRcode() : Rcode.SERVFAIL;
    }
}
