package dev.parapet.dns.resolve;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;

import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** How long answers may be kept: RFC 1035 TTLs and RFC 2308 negative caching. */
class AnswerCacheTest {

    static final Name NAME = name("www.example.test.");

    static Name name(String text) {
        try {
            return Name.fromString(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static Message answer(int rcode) {
        Message message = Message.newQuery(Record.newRecord(NAME, Type.A, DClass.IN));
        message.getHeader().setFlag(Flags.QR);
        message.getHeader().setRcode(rcode);
        return message;
    }

    static SOARecord soa(long ttl, long minimum) {
        return new SOARecord(name("example.test."), DClass.IN, ttl, name("ns.example.test."), name("admin.example.test."),
                1, 3600, 600, 86400, minimum);
    }

    @Test
    void aPositiveAnswerIsKeptForItsSmallestTtl() throws Exception {
        Message message = answer(Rcode.NOERROR);
        message.addRecord(new CNAMERecord(NAME, DClass.IN, 600, name("edge.example.test.")), Section.ANSWER);
        message.addRecord(new ARecord(name("edge.example.test."), DClass.IN, 45, InetAddress.getByName("192.0.2.7")), Section.ANSWER);
        assertThat(AnswerCache.lifetimeOf(message)).isEqualTo(45);
    }

    @Test
    void negativeAnswersAreKeptForTheSoaNegativeTtl() {
        Message nxdomain = answer(Rcode.NXDOMAIN);
        nxdomain.addRecord(soa(900, 120), Section.AUTHORITY);
        assertThat(AnswerCache.lifetimeOf(nxdomain)).as("min(SOA TTL, SOA minimum)").isEqualTo(120);
        Message nodata = answer(Rcode.NOERROR);
        nodata.addRecord(soa(30, 3600), Section.AUTHORITY);
        assertThat(AnswerCache.lifetimeOf(nodata)).isEqualTo(30);
        assertThat(AnswerCache.lifetimeOf(answer(Rcode.NXDOMAIN))).as("no SOA: not cached").isZero();
    }

    @Test
    void failuresAndTruncatedAnswersAreNotKept() throws Exception {
        assertThat(AnswerCache.lifetimeOf(answer(Rcode.SERVFAIL))).isZero();
        assertThat(AnswerCache.lifetimeOf(answer(Rcode.REFUSED))).isZero();
        Message truncated = answer(Rcode.NOERROR);
        truncated.getHeader().setFlag(Flags.TC);
        truncated.addRecord(new ARecord(NAME, DClass.IN, 300, InetAddress.getByName("192.0.2.8")), Section.ANSWER);
        assertThat(AnswerCache.lifetimeOf(truncated)).isZero();
    }
}
