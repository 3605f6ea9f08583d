package dev.parapet.schemas;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.apicurio.registry.serde.avro.AvroSerdeConfig;
import io.apicurio.registry.serde.kafka.config.KafkaSerdeConfig;

/**
 * Avro serdes in the Confluent wire format (magic byte 0, a 4-byte schema id, Avro binary),
 * through Apicurio's serde. Every setting that decides the bytes on the wire is pinned here rather
 * than left to the library's defaults, so that a library upgrade cannot change the format.
 */
public final class AvroSerdes {

    /** The registry's API path under its base URL. */
    public static final String REGISTRY_API = "/apis/registry/v3";

    private AvroSerdes() {
    }

    /** Settings shared by serializer and deserializer, for a registry at {@code registryUrl} (its base URL). */
    public static Map<String, Object> commonConfig(String registryUrl) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put(AvroSerdeConfig.REGISTRY_URL, stripSlash(registryUrl) + REGISTRY_API);
        // The 4-byte id is the registry's content id, which its Confluent-compatible API
        // (/apis/ccompat/v7/schemas/ids/{id}) resolves.
        config.put(AvroSerdeConfig.USE_ID, "contentId");
        config.put(AvroSerdeConfig.ID_HANDLER, "io.apicurio.registry.serde.Default4ByteIdHandler");
        // The id travels in the value, not in record headers.
        config.put(KafkaSerdeConfig.ENABLE_HEADERS, false);
        config.put(AvroSerdeConfig.AVRO_ENCODING, AvroSerdeConfig.AVRO_ENCODING_BINARY);
        // One self-contained schema per subject, nested records inline: what a Confluent client
        // expects, rather than Apicurio's default of registering each nested record apart.
        config.put(AvroSerdeConfig.DEREFERENCE_SCHEMA, true);
        // No Vert.x: the JDK's HTTP client talks to the registry.
        config.put(AvroSerdeConfig.HTTP_ADAPTER, "JDK");
        // Readers and writers cached by schema identity, not by a fingerprint computed per record.
        config.put(AvroSerdeConfig.AVRO_DATUM_PROVIDER, SchemaIdentityDatumProvider.class.getName());
        return config;
    }

    /** Serializer settings that register a schema the registry does not have yet (tests, the local stack). */
    public static Map<String, Object> serializerConfig(String registryUrl) {
        return serializerConfig(registryUrl, true);
    }

    /**
     * Serializer settings. Subjects: {@code <topic>-value} for the catalogue's topics, as Confluent's
     * TopicNameStrategy names them, the record's full name for any other ({@link CatalogueSubjectStrategy}).
     * Without {@code autoRegister} (production) the serializer only looks its schema up, by content, in
     * the subject: the registry must have it ({@link SchemaRegistration}, at deployment), and the
     * service needs no right to write to the registry.
     */
    public static Map<String, Object> serializerConfig(String registryUrl, boolean autoRegister) {
        Map<String, Object> config = commonConfig(registryUrl);
        config.put(AvroSerdeConfig.ARTIFACT_RESOLVER_STRATEGY, CatalogueSubjectStrategy.class.getName());
        config.put(AvroSerdeConfig.AUTO_REGISTER_ARTIFACT, autoRegister);
        config.put(AvroSerdeConfig.AUTO_REGISTER_ARTIFACT_IF_EXISTS, "FIND_OR_CREATE_VERSION");
        return config;
    }

    public static Map<String, Object> deserializerConfig(String registryUrl) {
        Map<String, Object> config = commonConfig(registryUrl);
        config.put(AvroSerdeConfig.USE_SPECIFIC_AVRO_READER, true);
        return config;
    }

    public static <T extends SpecificRecord> Serializer<T> serializer(String registryUrl, boolean isKey) {
        return serializer(registryUrl, isKey, true);
    }

    public static <T extends SpecificRecord> Serializer<T> serializer(String registryUrl, boolean isKey, boolean autoRegister) {
        AvroKafkaSerializer<T> serializer = new AvroKafkaSerializer<>();
        serializer.configure(serializerConfig(registryUrl, autoRegister), isKey);
        return serializer;
    }

    public static <T extends SpecificRecord> Deserializer<T> deserializer(String registryUrl, boolean isKey) {
        AvroKafkaDeserializer<T> deserializer = new AvroKafkaDeserializer<>();
        deserializer.configure(deserializerConfig(registryUrl), isKey);
        return deserializer;
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
