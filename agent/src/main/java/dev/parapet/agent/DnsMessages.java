package dev.parapet.agent;

import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;

/** The answers the stub makes itself (errors, truncation), built from the query so that the client accepts them. */
final class DnsMessages {

    static final int UDP_DEFAULT = 512;
    /** The largest UDP answer the stub sends whatever the client offers (the DNS flag day 2020 figure). */
    static final int UDP_MAX = 1232;

    private DnsMessages() {
    }

    /** FORMERR from the raw header, for a packet dnsjava could not parse (at least 12 bytes). */
    static byte[] formErrFromHeader(byte[] packet) {
        byte[] answer = new byte[12];
        answer[0] = packet[0];
        answer[1] = packet[1];
        answer[2] = (byte) (0x80 | (packet[2] & 0x78)); // QR, the query's opcode
        answer[3] = (byte) Rcode.FORMERR;
        return answer;
    }

    /** An answer with no records and this rcode, echoing the question (and EDNS if the query had it). */
    static byte[] error(Message query, int rcode) {
        Message answer = new Message(query.getHeader().getID());
        Header header = answer.getHeader();
        header.setFlag(Flags.QR);
        header.setOpcode(query.getHeader().getOpcode());
        if (query.getHeader().getFlag(Flags.RD)) {
            header.setFlag(Flags.RD);
        }
        header.setFlag(Flags.RA);
        header.setRcode(rcode);
        if (query.getQuestion() != null && query.getHeader().getOpcode() == Opcode.QUERY) {
            answer.addRecord(query.getQuestion(), Section.QUESTION);
        }
        if (query.getOPT() != null) {
            answer.addRecord(new OPTRecord(UDP_MAX, 0, 0), Section.ADDITIONAL);
        }
        return answer.toWire();
    }

    /** The most a UDP answer to this query may hold. */
    static int udpLimit(Message query) {
        OPTRecord opt = query.getOPT();
        if (opt == null) {
            return UDP_DEFAULT;
        }
        return Math.max(UDP_DEFAULT, Math.min(UDP_MAX, opt.getPayloadSize()));
    }

    /** The answer as it may go over UDP: itself if it fits, else its header and question with TC set. */
    static byte[] fitUdp(Message query, byte[] answer) {
        if (answer.length <= udpLimit(query)) {
            return answer;
        }
        Message truncated = new Message(query.getHeader().getID());
        Header header = truncated.getHeader();
        header.setFlag(Flags.QR);
        header.setFlag(Flags.TC);
        if (query.getHeader().getFlag(Flags.RD)) {
            header.setFlag(Flags.RD);
        }
        header.setFlag(Flags.RA);
        header.setRcode((answer[3] & 0x0F));
        truncated.addRecord(query.getQuestion(), Section.QUESTION);
        return truncated.toWire();
    }
}
