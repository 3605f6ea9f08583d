package dev.parapet.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import org.apache.avro.Schema;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.Encoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;
import dev.parapet.schemas.v1.verdicts.Reason;
import dev.parapet.schemas.v1.verdicts.Transport;

class SchemaIdentityDatumProviderTest {

    static DnsVerdict verdict() {
        return DnsVerdict.newBuilder().setEventId(UUID.randomUUID()).setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setAccountId(UUID.randomUUID()).setClientAddress("192.0.2.1").setTransport(Transport.UDP).setQueryName("a.test")
                .setQueryType("A").setAction(Action.BLOCKED).setReason(Reason.BLOCK_LIST).setCategoryIds(List.of("phishing"))
                .setResponseCode("NOERROR").setLatencyMicros(10).build();
    }

    @Test
    void oneReaderAndWriterPerSchemaObjectAndTheSameBytes() throws Exception {
        SchemaIdentityDatumProvider<DnsVerdict> provider = new SchemaIdentityDatumProvider<>(true);
        DnsVerdict verdict = verdict();
        var writer = provider.createDatumWriter(verdict, DnsVerdict.getClassSchema());
        assertThat(provider.createDatumWriter(verdict(), DnsVerdict.getClassSchema())).isSameAs(writer);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Encoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
        writer.write(verdict, encoder);
        encoder.flush();

        Schema resolved = new Schema.Parser().parse(DnsVerdict.getClassSchema().toString());
        var reader = provider.createDatumReader(resolved);
        assertThat(provider.createDatumReader(resolved)).isSameAs(reader);
        assertThat(reader.read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null))).isEqualTo(verdict);
    }

    @Test
    void pastTheBoundSchemasAreServedWithoutBeingKept() {
        SchemaIdentityDatumProvider<DnsVerdict> provider = new SchemaIdentityDatumProvider<>(true);
        for (int i = 0; i < SchemaIdentityDatumProvider.MAX_SCHEMAS + 10; i++) {
            Schema copy = new Schema.Parser().parse(DnsVerdict.getClassSchema().toString());
            assertThat(provider.createDatumReader(copy)).isNotNull();
        }
        assertThat(provider.readersKept()).isEqualTo(SchemaIdentityDatumProvider.MAX_SCHEMAS);
        Schema late = new Schema.Parser().parse(DnsVerdict.getClassSchema().toString());
        assertThat(provider.createDatumReader(late)).as("past the bound: the default's, by fingerprint").isNotNull();
        assertThat(provider.readersKept()).isEqualTo(SchemaIdentityDatumProvider.MAX_SCHEMAS);
    }
}
