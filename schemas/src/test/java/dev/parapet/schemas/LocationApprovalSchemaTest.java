package dev.parapet.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import java.util.UUID;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
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
        return ReleasedSchemas.read("released-before-quotas", name);
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
        Location read = ReleasedSchemas.readAsCurrent(written, Location.getClassSchema());
        assertThat(read.getCidrs()).containsExactly("198.51.100.0/24");
        assertThat(read.getPendingCidrs()).as("grandfathered: its ranges stay approved").isEmpty();
    }
}
