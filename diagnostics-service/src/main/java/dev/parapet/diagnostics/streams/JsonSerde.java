package dev.parapet.diagnostics.streams;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON for the values of diagnostics-service's own state stores (device rows, account settings).
 * They live only in the service's internal changelog topics, are read only by this service and are
 * rebuilt from the Avro topics whenever their shape changes, so they are not schema-registered
 * contracts (docs/decisions.md).
 */
public final class JsonSerde<T> implements Serde<T> {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Class<T> type;

    public JsonSerde(Class<T> type) {
        this.type = type;
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> value == null ? null : JSON.writeValueAsBytes(value);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return JSON.readValue(bytes, type);
            } catch (JacksonException e) {
                throw new SerializationException("Unreadable " + type.getSimpleName() + " in " + topic, e);
            }
        };
    }
}
