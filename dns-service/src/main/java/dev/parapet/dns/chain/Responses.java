package dev.parapet.dns.chain;

import java.util.ArrayList;
import java.util.List;

import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/** Responses made here rather than by an upstream. */
public final class Responses {

    private Responses() {
    }

    /**
     * A response to the query: its id, opcode, RD, CD and question, RA set; with EDNS (its DO bit echoed, and
     * options such as an Extended DNS Error) only if the query had EDNS.
     */
    public static Message to(Message query, int rcode, List<EDNSOption> options) {
        Message response = new Message(query.getHeader().getID());
        Header header = response.getHeader();
        header.setFlag(Flags.QR);
        header.setOpcode(query.getHeader().getOpcode());
        if (query.getHeader().getFlag(Flags.RD)) {
            header.setFlag(Flags.RD);
        }
        if (query.getHeader().getFlag(Flags.CD)) {
            header.setFlag(Flags.CD);
        }
        header.setFlag(Flags.RA);
        header.setRcode(rcode);
        Record question = query.getQuestion();
        if (question != null) {
            response.addRecord(question, Section.QUESTION);
        }
        if (query.getOPT() != null) {
            response.addRecord(new OPTRecord(Parser.EDNS_UDP_SIZE, 0, 0, query.getOPT().getFlags() & ExtendedFlags.DO,
                    new ArrayList<>(options)), Section.ADDITIONAL);
        }
        return response;
    }

    /** A bare response (FORMERR, SERVFAIL) echoing the id, if at least the 12-byte header of a query arrived; else null. */
    public static byte[] headerOnly(byte[] packet, int rcode) {
        if (packet.length < Header.LENGTH || (packet[2] & 0x80) != 0) {
            return null;
        }
        Message response = new Message(((packet[0] & 0xff) << 8) | (packet[1] & 0xff));
        response.getHeader().setFlag(Flags.QR);
        response.getHeader().setRcode(rcode);
        return response.toWire();
    }
}
