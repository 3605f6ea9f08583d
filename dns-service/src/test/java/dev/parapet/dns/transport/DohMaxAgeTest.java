package dev.parapet.dns.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The max-age of a DoH answer, read from its bytes, against dnsjava's reading of the same messages. */
class DohMaxAgeTest {

    static final Name NAME = name("www.example.com.");

    @Test
    void theSmallestTtlOfTheAnswerAndAuthoritySectionsIgnoringTheAdditionalOnes() throws Exception {
        Message answer = response();
        answer.addRecord(new CNAMERecord(NAME, DClass.IN, 300, name("edge.example.net.")), Section.ANSWER);
        answer.addRecord(new ARecord(name("edge.example.net."), DClass.IN, 42, InetAddress.getByName("192.0.2.1")), Section.ANSWER);
        answer.addRecord(new ARecord(name("ns.example.net."), DClass.IN, 7, InetAddress.getByName("192.0.2.2")), Section.ADDITIONAL);
        answer.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);

        assertThat(DohMaxAge.of(answer.toWire())).isEqualTo(42).isEqualTo(dnsjava(answer.toWire()));
    }

    @Test
    void aNegativeAnswerLivesAsLongAsItsSoaAndAnAnswerWithoutRecordsNotAtAll() throws Exception {
        Message nodata = response();
        nodata.addRecord(new SOARecord(name("example.com."), DClass.IN, 900, name("ns.example.com."), name("root.example.com."),
                1, 3600, 600, 86400, 60), Section.AUTHORITY);
        Message servfail = response();
        servfail.getHeader().setRcode(Rcode.SERVFAIL);

        assertThat(DohMaxAge.of(nodata.toWire())).isEqualTo(900);
        assertThat(DohMaxAge.of(servfail.toWire())).isZero();
    }

    @Test
    void bytesThatDoNotReadAsAMessageGetZero() throws Exception {
        Message answer = response();
        answer.addRecord(new ARecord(NAME, DClass.IN, 60, InetAddress.getByName("192.0.2.1")), Section.ANSWER);
        byte[] wire = answer.toWire();

        assertThat(DohMaxAge.of(new byte[0])).isZero();
        assertThat(DohMaxAge.of(Arrays.copyOf(wire, 11))).isZero();
        assertThat(DohMaxAge.of(Arrays.copyOf(wire, wire.length - 1))).isZero();
    }

    @Test
    void agreesWithDnsjavaOnRandomAnswersAndOnTheirCorruptions() throws Exception {
        Random random = new Random(19);
        for (int i = 0; i < 5_000; i++) {
            Message answer = response();
            for (int records = random.nextInt(6); records > 0; records--) {
                int section = random.nextBoolean() ? Section.ANSWER : random.nextBoolean() ? Section.AUTHORITY : Section.ADDITIONAL;
                Name owner = name(random.nextBoolean() ? "www.example.com." : "x" + random.nextInt(100) + ".example.org.");
                answer.addRecord(new ARecord(owner, DClass.IN, random.nextInt(1 << 20), InetAddress.getByAddress(new byte[] {
                        (byte) random.nextInt(), 0, 2, 1})), section);
            }
            byte[] wire = answer.toWire();
            assertThat(DohMaxAge.of(wire)).as("answer %d", i).isEqualTo(dnsjava(wire));
            byte[] corrupted = wire.clone();
            corrupted[12 + random.nextInt(corrupted.length - 12)] = (byte) random.nextInt();
            long expected = dnsjava(corrupted);
            if (expected != 0) {
                // dnsjava reads some corruptions (a changed letter, a changed TTL) as another message: so must we.
                assertThat(DohMaxAge.of(corrupted)).as("corrupted answer %d", i).isEqualTo(expected);
            }
        }
    }

    /** What dns-service computed before, with dnsjava. */
    static long dnsjava(byte[] wire) {
        try {
            long min = Long.MAX_VALUE;
            Message message = new Message(wire);
            for (int section : new int[] {Section.ANSWER, Section.AUTHORITY}) {
                for (Record record : message.getSection(section)) {
                    min = Math.min(min, record.getTTL());
                }
            }
            return min == Long.MAX_VALUE ? 0 : min;
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    static Message response() {
        Message message = Message.newQuery(Record.newRecord(NAME, Type.A, DClass.IN));
        message.getHeader().setFlag(Flags.QR);
        return message;
    }

    static Name name(String text) {
        try {
            return Name.fromString(text);
        } catch (org.xbill.DNS.TextParseException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
