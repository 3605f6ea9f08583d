package dev.parapet.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class TopicsTest {

    private static final Path TOPICS_PAGE = Path.of(System.getProperty("parapet.root", ".."), "docs", "topics.md");

    @Test
    void everyTopicIsNamedParapetWhatVersion() {
        assertThat(Topics.all()).allSatisfy(topic ->
                assertThat(topic.name()).matches("parapet\\.[a-z][a-z-]*\\.v[0-9]+"));
        assertThat(Topics.all().stream().map(Topic::name).distinct()).hasSameSizeAs(Topics.all());
    }

    @Test
    void configurationTopicsAreCompactedAndEventStreamsAreTimeRetained() {
        assertThat(Topics.all()).allSatisfy(topic -> {
            assertThat(topic.retention().isPresent()).isEqualTo(topic.cleanup() == Topic.Cleanup.DELETE);
            assertThat(topic.configs()).containsEntry("cleanup.policy", topic.cleanup().kafkaValue());
        });
        assertThat(Topics.VERDICTS.cleanup()).isEqualTo(Topic.Cleanup.DELETE);
        assertThat(Topics.POLICIES.cleanup()).isEqualTo(Topic.Cleanup.COMPACT);
    }

    @Test
    void aTopicsOwnSettingsAreAddedToThoseOfItsCleanup() {
        assertThat(Topics.RESOLVER_APPLIED.configs())
                .containsEntry("cleanup.policy", "compact")
                .containsEntry("min.compaction.lag.ms", "0")
                .containsEntry("segment.ms", "600000");
        assertThat(Topics.POLICIES.configs()).doesNotContainKey("segment.ms");
    }

    @Test
    void everyRecordAndEveryFieldOfEveryValueSchemaIsDocumented() {
        List<String> undocumented = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Topics.all().forEach(topic -> collectUndocumented(topic.valueSchema(), seen, undocumented));
        assertThat(undocumented).isEmpty();
    }

    @Test
    void theTopicsPageInDocsMatchesTheCatalogue() throws Exception {
        if (Boolean.getBoolean("parapet.regenerate-docs")) {
            TopicCatalogueDocument.write(TOPICS_PAGE);
        }
        assertThat(Files.readString(TOPICS_PAGE, StandardCharsets.UTF_8))
                .as("docs/topics.md is out of date: run mvn -pl schemas -am test -Dparapet.regenerate-docs=true")
                .isEqualTo(TopicCatalogueDocument.render());
    }

    private static void collectUndocumented(Schema schema, Set<String> seen, List<String> undocumented) {
        switch (schema.getType()) {
            case RECORD -> {
                if (!seen.add(schema.getFullName())) {
                    return;
                }
                if (schema.getDoc() == null || schema.getDoc().isBlank()) {
                    undocumented.add(schema.getFullName());
                }
                schema.getFields().forEach(field -> {
                    if (field.doc() == null || field.doc().isBlank()) {
                        undocumented.add(schema.getFullName() + "." + field.name());
                    }
                    collectUndocumented(field.schema(), seen, undocumented);
                });
            }
            case UNION -> schema.getTypes().forEach(type -> collectUndocumented(type, seen, undocumented));
            case ARRAY -> collectUndocumented(schema.getElementType(), seen, undocumented);
            case MAP -> collectUndocumented(schema.getValueType(), seen, undocumented);
            default -> {
            }
        }
    }
}
