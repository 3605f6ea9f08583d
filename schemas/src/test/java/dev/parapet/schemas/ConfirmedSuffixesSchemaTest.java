package dev.parapet.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

import dev.parapet.schemas.v1.settings.ImportCategoryFeed;
import dev.parapet.schemas.v1.settings.SettingsCommand;

/**
 * The commands that carry domains gained confirmedSuffixes (the public suffixes an administrator
 * confirmed, for the audit trail); the command schema still reads what the previous one wrote, kept
 * in {@code released-before-confirmed-suffixes/} as it was before the change.
 */
class ConfirmedSuffixesSchemaTest {

    private static Schema previous() throws IOException {
        return ReleasedSchemas.read("released-before-confirmed-suffixes", "SettingsCommand");
    }

    @Test
    void theCommandSchemaReadsCommandsWrittenBeforeTheChange() throws IOException {
        assertThat(SchemaHistory.backwardIncompatibilities(SettingsCommand.getClassSchema(), previous())).isEmpty();
    }

    @Test
    void aFeedWrittenBeforeTheChangeConfirmedNoSuffix() throws IOException {
        Schema old = previous().getField("action").schema().getTypes().stream()
                .filter(type -> type.getName().equals("ImportCategoryFeed")).findFirst().orElseThrow();
        GenericRecord written = new GenericData.Record(old);
        written.put("categoryId", "scam");
        written.put("domains", List.of("casino.example"));
        ImportCategoryFeed read = ReleasedSchemas.readAsCurrent(written, ImportCategoryFeed.getClassSchema());
        assertThat(read.getDomains()).containsExactly("casino.example");
        assertThat(read.getConfirmedSuffixes()).isEmpty();
    }
}
