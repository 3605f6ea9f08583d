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

/**
 * Locations gained their own encrypted-DNS endpoints (Location.encryptedDns, the SetLocationEncryptedDns
 * command); the changed schemas still read what the previous ones wrote, kept in
 * {@code released-before-encrypted-dns/} as they were before the change.
 */
class LocationEncryptedDnsSchemaTest {

    private static Schema previous(String name) throws IOException {
        return ReleasedSchemas.read("released-before-encrypted-dns", name);
    }

    @Test
    void theChangedSchemasReadDataWrittenWithThePreviousOnes() throws IOException {
        assertThat(SchemaHistory.backwardIncompatibilities(Location.getClassSchema(), previous("Location"))).isEmpty();
        assertThat(SchemaHistory.backwardIncompatibilities(SettingsCommand.getClassSchema(), previous("SettingsCommand"))).isEmpty();
    }

    @Test
    void aLocationWrittenBeforeTheChangeHasNoEncryptedDns() throws IOException {
        GenericRecord written = new GenericData.Record(previous("Location"));
        written.put("accountId", UUID.randomUUID().toString());
        written.put("locationId", UUID.randomUUID().toString());
        written.put("name", "Office");
        written.put("version", 3L);
        written.put("cidrs", List.of("198.51.100.0/24"));
        written.put("pendingCidrs", List.of());
        written.put("updatedBy", "admin");
        written.put("updatedAt", 0L);
        Location read = ReleasedSchemas.readAsCurrent(written, Location.getClassSchema());
        assertThat(read.getCidrs()).containsExactly("198.51.100.0/24");
        assertThat(read.getEncryptedDns()).isNull();
    }
}
