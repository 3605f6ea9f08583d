package dev.parapet.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;
import dev.parapet.schemas.v1.verdicts.Reason;
import dev.parapet.schemas.v1.verdicts.Transport;

/**
 * Verdicts gained the transport DOT (DNS over TLS). Today's schema reads verdicts written before
 * ({@code released-before-dot/}, the schema as it was), and a reader still on that schema reads a DOT
 * verdict as UDP, the enum's default, instead of failing on the unknown symbol.
 */
class TransportDotSchemaTest {

    private static Schema previous() throws IOException {
        return ReleasedSchemas.read("released-before-dot", "DnsVerdict");
    }

    @Test
    void theVerdictSchemaReadsVerdictsWrittenBeforeTheChange() throws IOException {
        assertThat(SchemaHistory.backwardIncompatibilities(DnsVerdict.getClassSchema(), previous())).isEmpty();
    }

    @Test
    void aReaderOnThePreviousSchemaReadsADotVerdictAsUdp() throws IOException {
        DnsVerdict verdict = DnsVerdict.newBuilder().setEventId(UUID.randomUUID()).setOccurredAt(Instant.now())
                .setAccountId(UUID.randomUUID()).setClientAddress("192.0.2.7").setTransport(Transport.DOT)
                .setQueryName("example.com").setQueryType("A").setAction(Action.BLOCKED).setReason(Reason.BLOCK_LIST)
                .setCategoryIds(List.of()).setResponseCode("NOERROR").setLatencyMicros(120).setCached(false).build();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
        new SpecificDatumWriter<DnsVerdict>(DnsVerdict.getClassSchema()).write(verdict, encoder);
        encoder.flush();

        GenericRecord read = new GenericDatumReader<GenericRecord>(DnsVerdict.getClassSchema(), previous())
                .read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));

        assertThat(read.get("transport").toString()).isEqualTo("UDP");
        assertThat(read.get("queryName").toString()).isEqualTo("example.com");
        assertThat(read.get("action").toString()).isEqualTo("BLOCKED");
    }
}
