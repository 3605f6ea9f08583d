package dev.parapet.dns.chain;

import java.net.InetAddress;

import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/** IP exceptions on an answer: whether any A or AAAA record's address is in one of the account's. */
final class AnswerAddresses {

    private AnswerAddresses() {
    }

    static boolean anyExcepted(Query query, Message answer) {
        for (Record record : answer.getSection(Section.ANSWER)) {
            InetAddress address = record instanceof ARecord a ? a.getAddress()
                    : record instanceof AAAARecord aaaa ? aaaa.getAddress() : null;
            if (address != null && query.snapshot().ipExcepted(query.who(), address)) {
                return true;
            }
        }
        return false;
    }
}
