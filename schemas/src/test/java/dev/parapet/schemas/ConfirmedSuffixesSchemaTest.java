package dev.parapet.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
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
        try (InputStream in = ConfirmedSuffixesSchemaTest.class.getResourceAsStream(
                "/released-before-confirmed-suffixes/SettingsCommand.avsc")) {
            return new Schema.Parser().parse(in);
        }
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
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
        new GenericDatumWriter<GenericRecord>(old).write(written, encoder);
        encoder.flush();
        ImportCategoryFeed read = new SpecificDatumReader<ImportCategoryFeed>(old, ImportCategoryFeed.getClassSchema())
                .read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
        assertThat(read.getDomains()).containsExactly("casino.example");
        assertThat(read.getConfirmedSuffixes()).isEmpty();
    }
}
