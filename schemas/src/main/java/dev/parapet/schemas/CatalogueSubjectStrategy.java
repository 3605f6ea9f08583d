package dev.parapet.schemas;

import java.util.Map;
import java.util.stream.Collectors;

import org.apache.avro.generic.GenericContainer;

import io.apicurio.registry.resolver.ParsedSchema;
import io.apicurio.registry.resolver.data.Record;
import io.apicurio.registry.resolver.strategy.ArtifactReference;
import io.apicurio.registry.resolver.strategy.ArtifactReferenceResolverStrategy;
import io.apicurio.registry.serde.data.SerdeRecord;

/**
 * The registry subject a serializer writes under. A topic of the catalogue ({@link Topics}) has
 * {@code <topic>-value}, as Confluent's TopicNameStrategy names it, so that any Confluent-compatible
 * reader finds its schema. Every other topic (Kafka Streams' changelog and repartition topics, dead
 * letters) has the subject of its record's full name, so that the schemas a deployment may ever write
 * are a fixed list known before any service runs: {@link SchemaRegistration} registers them, and
 * production services run without registering anything themselves.
 */
public final class CatalogueSubjectStrategy implements ArtifactReferenceResolverStrategy<Object, Object> {

    /** The catalogue's value subjects by topic, made once: the serializer asks for every record it writes. */
    private static final Map<String, String> VALUE_SUBJECTS = Topics.all().stream()
            .collect(Collectors.toUnmodifiableMap(Topic::name, topic -> topic.name() + "-value"));

    @Override
    public ArtifactReference artifactReference(Record<Object> data, ParsedSchema<Object> parsedSchema) {
        var metadata = ((SerdeRecord<Object>) data).metadata();
        return ArtifactReference.builder().groupId(null)
                .artifactId(subject(metadata.getTopic(), metadata.isKey(), data.payload())).build();
    }

    /** The subject of a record written to this topic. */
    public static String subject(String topic, boolean isKey, Object payload) {
        String value = VALUE_SUBJECTS.get(topic);
        if (value != null) {
            return isKey ? topic + "-key" : value;
        }
        if (payload instanceof GenericContainer record) {
            return record.getSchema().getFullName();
        }
        throw new IllegalArgumentException("Not an Avro record: " + (payload == null ? "null" : payload.getClass().getName()));
    }

    @Override
    public boolean loadSchema() {
        return false;
    }
}
