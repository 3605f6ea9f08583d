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
import org.xbill.DNS.Type;

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
        Query common = common(packet, client, startedNanos);
        if (common != null) {
            return common;
        }
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
        int maxSize = maxSize(client, message.getOPT() != null, message.getOPT() == null ? 0 : message.getOPT().getPayloadSize());
        return Query.of(packet, message, normalised(message.getQuestion().getName()), client, maxSize, startedNanos);
    }

    private static int maxSize(Client client, boolean edns, int payloadSize) {
        return client.transport() != Transport.UDP ? STREAM_SIZE
                : !edns ? CLASSIC_UDP_SIZE
                : Math.max(CLASSIC_UDP_SIZE, Math.min(EDNS_UDP_SIZE, payloadSize));
    }

    /**
     * The common query read straight from its bytes, without dnsjava: one question whose name is made of
     * letters, digits, hyphens and underscores, and at most an EDNS OPT record without options, nothing
     * more and nothing after it. Anything else (null) is left to dnsjava, which also answers what is wrong.
     */
    static Query common(byte[] packet, Client client, long startedNanos) {
        int length = packet.length;
        if (length < Header.LENGTH + 5) {
            return null;
        }
        int flags = u16(packet, 2);
        if ((flags & 0xF800) != 0 || u16(packet, 4) != 1 || u16(packet, 6) != 0 || u16(packet, 8) != 0) {
            return null; // a response, another opcode, or not exactly one question and nothing else
        }
        int additional = u16(packet, 10);
        if (additional > 1) {
            return null;
        }
        int at = Header.LENGTH;
        int nameLength = -1;
        while (true) {
            int label = packet[at] & 0xff;
            if (label == 0) {
                at++;
                break;
            }
            if (label > 63 || at + 1 + label >= length) {
                return null;
            }
            for (int i = at + 1; i <= at + label; i++) {
                if (!plain(packet[i])) {
                    return null;
                }
            }
            nameLength += label + 1;
            at += label + 1;
        }
        if (at - Header.LENGTH > 255 || at + 4 > length) {
            return null;
        }
        int type = u16(packet, at);
        int dclass = u16(packet, at + 2);
        int questionEnd = at + 4;
        boolean edns = additional == 1;
        boolean dnssecOk = false;
        int payloadSize = 0;
        if (edns) {
            // root owner, type OPT, class = payload size, TTL = extended rcode, version 0, flags; no options
            if (questionEnd + 11 != length || packet[questionEnd] != 0 || u16(packet, questionEnd + 1) != Type.OPT
                    || packet[questionEnd + 6] != 0 || u16(packet, questionEnd + 9) != 0) {
                return null;
            }
            payloadSize = u16(packet, questionEnd + 3);
            dnssecOk = (packet[questionEnd + 7] & 0x80) != 0;
        } else if (questionEnd != length) {
            return null;
        }
        byte[] name = new byte[Math.max(0, nameLength)];
        int written = 0;
        for (int read = Header.LENGTH; packet[read] != 0; read += (packet[read] & 0xff) + 1) {
            if (written > 0) {
                name[written++] = '.';
            }
            for (int i = read + 1; i <= read + (packet[read] & 0xff); i++) {
                byte c = packet[i];
                name[written++] = c >= 'A' && c <= 'Z' ? (byte) (c + 32) : c;
            }
        }
        return new Query(packet, null, new String(name, java.nio.charset.StandardCharsets.ISO_8859_1), name, type, dclass,
                questionEnd, flags, edns, dnssecOk, client, maxSize(client, edns, payloadSize), startedNanos);
    }

    /** A name's byte that dnsjava writes as it is (no escape), so that both readings give the same name. */
    private static boolean plain(byte c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_';
    }

    private static int u16(byte[] packet, int at) {
        return ((packet[at] & 0xff) << 8) | (packet[at + 1] & 0xff);
    }

    /** The name as policies see it: lower case, no trailing dot, the root as "". */
    public static String normalised(Name name) {
        String text = name.toString(true).toLowerCase(Locale.ROOT);
        return ".".equals(text) ? "" : text;
    }
}
