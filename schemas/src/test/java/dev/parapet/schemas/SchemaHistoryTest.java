package dev.parapet.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemaHistoryTest {

    private static final Path HISTORY = Path.of(System.getProperty("parapet.root", ".."), "schemas", "history");

    private static final String RELEASED = """
            {"type":"record","name":"Sample","namespace":"dev.parapet.test","fields":[
              {"name":"accountId","type":{"type":"string","logicalType":"uuid"}},
              {"name":"name","type":"string"}]}""";

    @Test
    void everyCurrentSchemaReadsDataWrittenWithEveryKeptRelease() {
        assertThat(SchemaHistory.check(HISTORY, SchemaHistory.currentSchemas())).isEmpty();
    }

    @Test
    void aFieldAddedWithoutADefaultIsRejectedAsIncompatible(@TempDir Path history) throws IOException {
        release(history, "r1", "sample", RELEASED);
        Schema changed = new Schema.Parser().parse("""
                {"type":"record","name":"Sample","namespace":"dev.parapet.test","fields":[
                  {"name":"accountId","type":{"type":"string","logicalType":"uuid"}},
                  {"name":"name","type":"string"},
                  {"name":"region","type":"string"}]}""");

        var violations = SchemaHistory.check(history, Map.of("sample", changed));

        assertThat(violations).singleElement().satisfies(violation -> {
            assertThat(violation.topic()).isEqualTo("sample");
            assertThat(violation.release()).isEqualTo("r1");
            assertThat(violation.reason()).contains("READER_FIELD_MISSING_DEFAULT").contains("region");
        });
    }

    @Test
    void aChangedFieldTypeIsRejectedAsIncompatible(@TempDir Path history) throws IOException {
        release(history, "r1", "sample", RELEASED);
        Schema changed = new Schema.Parser().parse("""
                {"type":"record","name":"Sample","namespace":"dev.parapet.test","fields":[
                  {"name":"accountId","type":{"type":"string","logicalType":"uuid"}},
                  {"name":"name","type":"int"}]}""");

        assertThat(SchemaHistory.check(history, Map.of("sample", changed))).isNotEmpty();
    }

    @Test
    void aFieldAddedWithADefaultAndAFieldRemovedAreBackwardCompatible(@TempDir Path history) throws IOException {
        release(history, "r1", "sample", RELEASED);
        Schema evolved = new Schema.Parser().parse("""
                {"type":"record","name":"Sample","namespace":"dev.parapet.test","fields":[
                  {"name":"accountId","type":{"type":"string","logicalType":"uuid"}},
                  {"name":"region","type":["null","string"],"default":null}]}""");

        assertThat(SchemaHistory.check(history, Map.of("sample", evolved))).isEmpty();
    }

    @Test
    void aReleasedTopicMissingFromTheCatalogueIsReported(@TempDir Path history) throws IOException {
        release(history, "r1", "sample", RELEASED);

        assertThat(SchemaHistory.check(history, Map.of())).singleElement()
                .satisfies(violation -> assertThat(violation.reason()).contains("gone from the catalogue"));
    }

    private static void release(Path history, String release, String topic, String schema) throws IOException {
        Files.createDirectories(history.resolve(release));
        Files.writeString(history.resolve(release).resolve(topic + ".avsc"), schema);
    }
}
