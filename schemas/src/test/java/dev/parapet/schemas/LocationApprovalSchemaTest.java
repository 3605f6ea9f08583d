package dev.parapet.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.UUID;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.junit.jupiter.api.Test;

import dev.parapet.schemas.v1.locations.Location;
import dev.parapet.schemas.v1.settings.SettingsCommand;
import dev.parapet.schemas.v1.settings.SettingsCommandResult;

/**
 * The schemas changed for location approval and quotas (pendingCidrs, ReviewLocationRanges,
 * QUOTA_EXCEEDED and its details) still read what the previous schemas wrote (BACKWARD): kept in
 * {@code released-before-quotas/} as they were before the change.
 */
class LocationApprovalSchemaTest {

    private static Schema previous(String name) throws IOException {
        try (InputStream in = LocationApprovalSchemaTest.class.getResourceAsStream("/released-before-quotas/" + name + ".avsc")) {
            return new Schema.Parser().parse(in);
        }
    }

    @Test
    void theChangedSchemasReadDataWrittenWithThePreviousOnes() throws IOException {
        assertThat(SchemaHistory.backwardIncompatibilities(Location.getClassSchema(), previous("Location"))).isEmpty();
        assertThat(SchemaHistory.backwardIncompatibilities(SettingsCommand.getClassSchema(), previous("SettingsCommand"))).isEmpty();
        assertThat(SchemaHistory.backwardIncompatibilities(SettingsCommandResult.getClassSchema(), previous("SettingsCommandResult")))
                .isEmpty();
    }

    @Test
    void aLocationWrittenBeforeApprovalExistedHasNoPendingRange() throws IOException {
        Schema old = previous("Location");
        GenericRecord written = new GenericData.Record(old);
        written.put("accountId", UUID.randomUUID().toString());
        written.put("locationId", UUID.randomUUID().toString());
        written.put("name", "Office");
        written.put("version", 1L);
        written.put("cidrs", List.of("198.51.100.0/24"));
        written.put("updatedBy", "admin");
        written.put("updatedAt", 0L);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
        new GenericDatumWriter<GenericRecord>(old).write(written, encoder);
        encoder.flush();
        Location read = new SpecificDatumReader<Location>(old, Location.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
        assertThat(read.getCidrs()).containsExactly("198.51.100.0/24");
        assertThat(read.getPendingCidrs()).as("grandfathered: its ranges stay approved").isEmpty();
    }
}
