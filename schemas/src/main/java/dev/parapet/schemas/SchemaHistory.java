package dev.parapet.schemas;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

/**
 * The released versions of every topic's value schema, kept under {@code schemas/history/<release>/}
 * as {@code <topic>.avsc}, and the BACKWARD check of the current schemas against each of them:
 * a consumer built with the current schema must read every record written with an earlier one.
 *
 * <p>Run {@code main} with the history directory and a release name to snapshot the current
 * schemas when a release ships.
 */
public final class SchemaHistory {

    /** One schema that cannot read data written with an earlier release. */
    public record Violation(String topic, String release, String reason) {
    }

    private SchemaHistory() {
    }

    /** Empty when the current schema can read data written with the previous one (BACKWARD). */
    public static List<String> backwardIncompatibilities(Schema current, Schema previous) {
        SchemaCompatibility.SchemaPairCompatibility result =
                SchemaCompatibility.checkReaderWriterCompatibility(current, previous);
        if (result.getType() == SchemaCompatibilityType.COMPATIBLE) {
            return List.of();
        }
        List<String> reasons = new ArrayList<>();
        for (Incompatibility incompatibility : result.getResult().getIncompatibilities()) {
            reasons.add(incompatibility.getType() + " at " + incompatibility.getLocation() + ": "
                    + incompatibility.getMessage());
        }
        return reasons;
    }

    /** Checks every topic's current value schema against every release kept in the history directory. */
    public static List<Violation> check(Path historyDirectory, Map<String, Schema> currentByTopic) {
        List<Violation> violations = new ArrayList<>();
        for (Map.Entry<String, Map<String, Schema>> release : releases(historyDirectory).entrySet()) {
            release.getValue().forEach((topic, previous) -> {
                Schema current = currentByTopic.get(topic);
                if (current == null) {
                    violations.add(new Violation(topic, release.getKey(),
                            "the topic was released but is gone from the catalogue"));
                    return;
                }
                backwardIncompatibilities(current, previous).forEach(reason ->
                        violations.add(new Violation(topic, release.getKey(), reason)));
            });
        }
        return violations;
    }

    /** Release name to (topic to schema), in release order. */
    public static Map<String, Map<String, Schema>> releases(Path historyDirectory) {
        Map<String, Map<String, Schema>> releases = new TreeMap<>();
        if (!Files.isDirectory(historyDirectory)) {
            return releases;
        }
        try (Stream<Path> releaseDirectories = Files.list(historyDirectory)) {
            for (Path release : releaseDirectories.filter(Files::isDirectory).toList()) {
                Map<String, Schema> schemas = new TreeMap<>();
                try (Stream<Path> files = Files.list(release)) {
                    for (Path file : files.filter(f -> f.toString().endsWith(".avsc")).toList()) {
                        String topic = file.getFileName().toString().replaceFirst("\\.avsc$", "");
                        schemas.put(topic, new Schema.Parser().parse(Files.readString(file, StandardCharsets.UTF_8)));
                    }
                }
                releases.put(release.getFileName().toString(), schemas);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return releases;
    }

    public static Map<String, Schema> currentSchemas() {
        Map<String, Schema> current = new TreeMap<>();
        Topics.all().forEach(topic -> current.put(topic.name(), topic.valueSchema()));
        return current;
    }

    /** Snapshots the current schemas: {@code SchemaHistory <history directory> <release>}. */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: SchemaHistory <history directory> <release name, e.g. 2026.12>");
            System.exit(2);
        }
        Path release = Path.of(args[0]).resolve(args[1]);
        if (Files.exists(release)) {
            System.err.println(release + " exists already: a release is never rewritten");
            System.exit(1);
        }
        Files.createDirectories(release);
        for (Map.Entry<String, Schema> entry : currentSchemas().entrySet()) {
            Files.writeString(release.resolve(entry.getKey() + ".avsc"), entry.getValue().toString(true),
                    StandardCharsets.UTF_8);
        }
        System.out.println("Wrote " + currentSchemas().size() + " schemas to " + release);
    }
}
