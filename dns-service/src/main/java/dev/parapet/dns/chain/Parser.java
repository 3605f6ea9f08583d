package dev.parapet.dns.chain;

import java.io.IOException;
import java.util.Locale;

import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;

import dev.parapet.dns.resolve.Client;
import dev.parapet.schemas.v1.verdicts.Transport;

/**
 * The chain's entrance: a packet becomes a {@link Query}, or is answered at once. A packet that does
 * not parse gets FORMERR (if it has a query's header; else nothing), a response gets nothing (never
 * answer an answer: that loops), anything but one standard query with one question gets FORMERR.
 * Decides the largest response the client takes: 512 bytes over UDP without EDNS, the EDNS payload
 * size (at most 1232) with it, 65 535 over streams.
 */
public final class Parser {

    /** The largest UDP answer without EDNS (RFC 1035). */
    public static final int CLASSIC_UDP_SIZE = 512;
    /** The EDNS payload size this resolver advertises and honours at most (DNS flag day 2020). */
    public static final int EDNS_UDP_SIZE = 1232;
    /** A DNS message over TCP, TLS or HTTPS. */
    public static final int STREAM_SIZE = 65_535;

    /** A packet answered (or dropped) before it became a query. */
    public static final class Unanswerable extends Exception {

        private final transient byte[] answer;

        Unanswerable(byte[] answer) {
            super(null, null, false, false);
            this.answer = answer;
        }

        /** The bytes to send back, or null for nothing. */
        public byte[] answer() {
            return answer;
        }
    }

    public Query parse(byte[] packet, Client client, long startedNanos) throws Unanswerable {
        Message message;
        try {
            message = new Message(packet);
        } catch (IOException | RuntimeException e) {
            throw new Unanswerable(Responses.headerOnly(packet, Rcode.FORMERR));
        }
        Header header = message.getHeader();
        if (header.getFlag(Flags.QR)) {
            throw new Unanswerable(null);
        }
        if (header.getOpcode() != Opcode.QUERY || message.getQuestion() == null || header.getCount(Section.QUESTION) != 1
                || header.getCount(Section.ANSWER) != 0) {
            throw new Unanswerable(Responses.to(message, Rcode.FORMERR, java.util.List.of()).toWire(CLASSIC_UDP_SIZE));
        }
        int maxSize = client.transport() != Transport.UDP ? STREAM_SIZE
                : message.getOPT() == null ? CLASSIC_UDP_SIZE
                : Math.max(CLASSIC_UDP_SIZE, Math.min(EDNS_UDP_SIZE, message.getOPT().getPayloadSize()));
        return new Query(packet, message, normalised(message.getQuestion().getName()), client, maxSize, startedNanos);
    }

    /** The name as policies see it: lower case, no trailing dot, the root as "". */
    public static String normalised(Name name) {
        String text = name.toString(true).toLowerCase(Locale.ROOT);
        return ".".equals(text) ? "" : text;
    }
}
