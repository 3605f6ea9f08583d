package dev.parapet.dns.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import dev.parapet.dns.resolve.Client;
import dev.parapet.schemas.v1.verdicts.Transport;

class ParserTest {

    private final Parser parser = new Parser();

    private Query parse(byte[] packet, Transport transport) throws Parser.Unanswerable {
        return parser.parse(packet, Client.of(Queries.IN_OFFICE, transport), 0);
    }

    @Test
    void aQueryIsReadWithItsNameNormalised() throws Exception {
        Query query = parse(Queries.packet("WWW.Example.COM", Type.AAAA, false), Transport.UDP);
        assertThat(query.name()).isEqualTo("www.example.com");
        assertThat(query.nameBytes()).isEqualTo("www.example.com".getBytes());
        assertThat(query.question().getType()).isEqualTo(Type.AAAA);
        assertThat(query.lookupName()).isEqualTo("www.example.com");
        assertThat(Parser.normalised(Name.root)).isEmpty();
    }

    @Test
    void theResponseSizeIsWhatTheClientTakes() throws Exception {
        assertThat(parse(Queries.packet("example.com", Type.A, false), Transport.UDP).maxSize()).isEqualTo(512);
        assertThat(parse(Queries.packet("example.com", Type.A, true), Transport.UDP).maxSize()).isEqualTo(1232);
        assertThat(parse(Queries.packet("example.com", Type.A, false), Transport.TCP).maxSize()).isEqualTo(65_535);
        assertThat(parse(Queries.packet("example.com", Type.A, true), Transport.DOH).maxSize()).isEqualTo(65_535);
    }

    @Test
    void garbageWithAQueryHeaderGetsFormerrAndShorterGarbageNothing() {
        byte[] garbage = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 7, 'b', 'r', 'o'};
        Parser.Unanswerable formerr = catchThrowableOfType(Parser.Unanswerable.class, () -> parse(garbage, Transport.UDP));
        assertThat(formerr.answer()).isNotNull();
        assertThat(formerr.answer()[3] & 0x0f).isEqualTo(Rcode.FORMERR);
        assertThat(formerr.answer()[0]).isEqualTo((byte) 0x12);
        Parser.Unanswerable nothing = catchThrowableOfType(Parser.Unanswerable.class, () -> parse(new byte[] {1, 2, 3}, Transport.UDP));
        assertThat(nothing.answer()).isNull();
    }

    @Test
    void aResponseIsNeverAnswered() throws Exception {
        Message response = new Message(Queries.packet("example.com", Type.A, false));
        response.getHeader().setFlag(Flags.QR);
        Parser.Unanswerable dropped = catchThrowableOfType(Parser.Unanswerable.class, () -> parse(response.toWire(), Transport.UDP));
        assertThat(dropped.answer()).isNull();
    }

    @Test
    void anythingButOneStandardQueryGetsFormerr() throws Exception {
        Message notify = new Message(Queries.packet("example.com", Type.SOA, false));
        notify.getHeader().setOpcode(Opcode.NOTIFY);
        Message two = new Message(Queries.packet("example.com", Type.A, false));
        two.addRecord(Record.newRecord(Name.fromString("example.org."), Type.A, DClass.IN), Section.QUESTION);
        for (Message message : new Message[] {notify, two}) {
            Parser.Unanswerable refused = catchThrowableOfType(Parser.Unanswerable.class, () -> parse(message.toWire(), Transport.UDP));
            assertThat(new Message(refused.answer()).getRcode()).isEqualTo(Rcode.FORMERR);
        }
        assertThatThrownBy(() -> parse(new byte[0], Transport.TCP)).isInstanceOf(Parser.Unanswerable.class);
    }

    @Test
    void theCommonQueryIsReadFromItsBytesAsDnsjavaReadsIt() throws Exception {
        Client client = Client.of(Queries.IN_OFFICE, Transport.UDP);
        for (String name : new String[] {"www.Example.COM", "a-b_c.d9.example", "x", "."}) {
            for (boolean edns : new boolean[] {false, true}) {
                for (int type : new int[] {Type.A, Type.AAAA, Type.HTTPS, Type.TXT}) {
                    byte[] packet = name.equals(".") ? root(edns) : Queries.packet(name, type, edns);
                    Query common = Parser.common(packet, client, 0);
                    Message message = new Message(packet);
                    assertThat(common).as("%s %s edns %s", name, type, edns).isNotNull();
                    assertThat(common.name()).isEqualTo(Parser.normalised(message.getQuestion().getName()));
                    assertThat(common.type()).isEqualTo(message.getQuestion().getType());
                    assertThat(common.dclass()).isEqualTo(message.getQuestion().getDClass());
                    assertThat(common.edns()).isEqualTo(message.getOPT() != null);
                    assertThat(common.questionEnd()).isEqualTo(packet.length - (edns ? 11 : 0));
                    assertThat(common.question()).as("dnsjava's reading, when asked").isEqualTo(message.getQuestion());
                }
            }
        }
    }

    private static byte[] root(boolean edns) {
        Message message = Message.newQuery(Record.newRecord(Name.root, Type.NS, DClass.IN));
        if (edns) {
            message.addRecord(new org.xbill.DNS.OPTRecord(1232, 0, 0), Section.ADDITIONAL);
        }
        return message.toWire();
    }

    @Test
    void theDnssecFlagsAreRead() throws Exception {
        Message message = new Message(Queries.packet("www.example.com", Type.A, false));
        message.addRecord(new org.xbill.DNS.OPTRecord(4096, 0, 0, org.xbill.DNS.ExtendedFlags.DO), Section.ADDITIONAL);
        message.getHeader().setFlag(Flags.CD);
        Query query = Parser.common(message.toWire(), Client.of(Queries.IN_OFFICE, Transport.UDP), 0);
        assertThat(query.dnssecOk()).isTrue();
        assertThat(query.checkingDisabled()).isTrue();
        assertThat(query.wantsAuthenticatedData()).isTrue();
        assertThat(query.maxSize()).as("4096 asked, 1232 at most").isEqualTo(1232);
        assertThat(Queries.query("www.example.com", Type.A).dnssecOk()).isFalse();
    }

    @Test
    void anythingUnusualIsLeftToDnsjavaWhichReadsItTheSameWay() throws Exception {
        Client client = Client.of(Queries.IN_OFFICE, Transport.UDP);
        Message escaped = Message.newQuery(Record.newRecord(Name.fromString("we\\032ird.example."), Type.A, DClass.IN));
        Message cookie = new Message(Queries.packet("www.example.com", Type.A, false));
        cookie.addRecord(new org.xbill.DNS.OPTRecord(1232, 0, 0, 0, java.util.List.of(
                new org.xbill.DNS.CookieOption(new byte[8]))), Section.ADDITIONAL);
        byte[] plain = Queries.packet("www.example.com", Type.A, false);
        byte[] trailing = java.util.Arrays.copyOf(plain, plain.length + 1);
        for (byte[] packet : new byte[][] {escaped.toWire(), cookie.toWire(), trailing}) {
            assertThat(Parser.common(packet, client, 0)).isNull();
            Query query = parser.parse(packet, client, 0);
            assertThat(query.name()).isEqualTo(Parser.normalised(new Message(packet).getQuestion().getName()));
        }
        assertThat(parser.parse(escaped.toWire(), client, 0).name()).isEqualTo("we\\032ird.example");
    }
}
