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
}
