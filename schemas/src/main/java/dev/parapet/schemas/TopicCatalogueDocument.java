package dev.parapet.schemas;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Renders the topic catalogue as the Markdown page {@code docs/topics.md}, so that the page operators
 * read cannot drift from the code ({@code TopicCatalogueDocumentTest} fails when it does).
 */
public final class TopicCatalogueDocument {

    private TopicCatalogueDocument() {
    }

    public static String render() {
        StringBuilder page = new StringBuilder();
        page.append("# Topics\n\n")
                .append("Generated from `schemas/src/main/java/dev/parapet/schemas/Topics.java` by\n")
                .append("`TopicCatalogueDocument`; regenerate with `mvn -pl schemas -am test -Dparapet.regenerate-docs=true`.\n")
                .append("Do not edit by hand: a test fails when this page and the catalogue disagree.\n\n")
                .append("Every key is a UTF-8 string; every value is Avro in the Confluent wire format (byte 0, a\n")
                .append("4-byte registry content id, Avro binary), its subject `<topic>-value`, compatibility BACKWARD.\n")
                .append("Each topic has a dead-letter topic `<topic>.dlt` for records its consumers could not read or\n")
                .append("process; the reason is in the record's headers (`parapet-dlt-reason`, `kafka_dlt-exception-*`).\n\n")
                .append("| topic | key | value | cleanup | partitions | retention | producers | consumers |\n")
                .append("|---|---|---|---|---|---|---|---|\n");
        for (Topic<?> topic : Topics.all()) {
            page.append("| `").append(topic.name()).append("` | ").append(topic.key())
                    .append(" | `").append(topic.valueType().getName()).append("` | ")
                    .append(topic.cleanup().kafkaValue()).append(" | ").append(topic.partitions()).append(" | ")
                    .append(topic.retention().map(d -> d.toDays() + " days").orElse("latest per key"))
                    .append(overrides(topic)).append(" | ")
                    .append(topic.producers()).append(" | ").append(topic.consumers()).append(" |\n");
        }
        page.append("\n## Value schemas\n");
        for (Topic<?> topic : Topics.all()) {
            page.append("\n### `").append(topic.name()).append("`\n\n")
                    .append(topic.valueSchema().getDoc() == null ? "" : topic.valueSchema().getDoc()).append("\n\n")
                    .append("| field | type | meaning |\n|---|---|---|\n");
            topic.valueSchema().getFields().forEach(field -> page.append("| `").append(field.name()).append("` | `")
                    .append(typeName(field.schema())).append("` | ")
                    .append(field.doc() == null ? "" : field.doc().replace("\n", " ").replace("|", "\\|"))
                    .append(" |\n"));
        }
        return page.toString();
    }

    /** A topic's own settings, e.g. " (segment.ms 600000)"; empty when it has none. */
    private static String overrides(Topic<?> topic) {
        if (topic.overrides().isEmpty()) {
            return "";
        }
        return new TreeMap<>(topic.overrides()).entrySet().stream()
                .map(setting -> "`" + setting.getKey() + "` " + setting.getValue())
                .collect(Collectors.joining(", ", " (", ")"));
    }

    private static String typeName(org.apache.avro.Schema schema) {
        return switch (schema.getType()) {
            case UNION -> schema.getTypes().stream().map(TopicCatalogueDocument::typeName)
                    .reduce((a, b) -> a + " \\| " + b).orElse("");
            case ARRAY -> "array<" + typeName(schema.getElementType()) + ">";
            case MAP -> "map<" + typeName(schema.getValueType()) + ">";
            case RECORD, ENUM, FIXED -> schema.getName();
            default -> schema.getLogicalType() != null ? schema.getLogicalType().getName() : schema.getType().getName();
        };
    }

    public static void write(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, render(), StandardCharsets.UTF_8);
    }
}
