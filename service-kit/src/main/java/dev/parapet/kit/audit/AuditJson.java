package dev.parapet.kit.audit;

import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.Map;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code before} and {@code after} of audit events, written by the JSON library so that any
 * text an administrator or agent typed (quotes, backslashes, control characters, line separators)
 * comes back out of a JSON parser exactly as it went in. Build an {@link #object()} and
 * {@link #write} it, or {@link #describe} an Avro record.
 *
 * <p>Avro records are written field by field: strings, enums, UUIDs and timestamps as JSON strings,
 * numbers and booleans as themselves, nested records, arrays and maps as objects and arrays. Bytes are
 * never written, only their length: an audit trail must not carry a key, a hash or ciphertext.
 */
public final class AuditJson {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final JsonNodeFactory NODES = JSON.getNodeFactory();

    private AuditJson() {
    }

    public static ObjectNode object() {
        return NODES.objectNode();
    }

    public static String write(JsonNode node) {
        return node == null ? null : JSON.writeValueAsString(node);
    }

    /** The record as JSON text, null for null. */
    public static String describe(IndexedRecord record) {
        return record == null ? null : write(tree(record));
    }

    /** An Avro value (record, array, map, string, enum, UUID, timestamp, number, boolean, null) as a JSON tree. */
    public static JsonNode tree(Object value) {
        if (value == null) {
            return NODES.nullNode();
        }
        if (value instanceof IndexedRecord record) {
            ObjectNode object = NODES.objectNode();
            for (Schema.Field field : record.getSchema().getFields()) {
                object.set(field.name(), tree(record.get(field.pos())));
            }
            return object;
        }
        if (value instanceof Map<?, ?> map) {
            ObjectNode object = NODES.objectNode();
            map.forEach((key, entry) -> object.set(String.valueOf(key), tree(entry)));
            return object;
        }
        if (value instanceof Collection<?> values) {
            ArrayNode array = NODES.arrayNode();
            values.forEach(entry -> array.add(tree(entry)));
            return array;
        }
        if (value instanceof Boolean bool) {
            return NODES.booleanNode(bool);
        }
        if (value instanceof Integer || value instanceof Long || value instanceof Short) {
            return NODES.numberNode(((Number) value).longValue());
        }
        if (value instanceof Float || value instanceof Double) {
            double number = ((Number) value).doubleValue();
            return Double.isFinite(number) ? NODES.numberNode(number) : NODES.stringNode(Double.toString(number));
        }
        if (value instanceof ByteBuffer bytes) {
            return redacted(bytes.remaining());
        }
        if (value instanceof byte[] bytes) {
            return redacted(bytes.length);
        }
        if (value instanceof GenericFixed fixed) {
            return redacted(fixed.bytes().length);
        }
        // Strings, enum symbols, UUIDs, timestamps and any other logical type: their canonical text.
        return NODES.stringNode(value.toString());
    }

    private static JsonNode redacted(int length) {
        return NODES.stringNode("(" + length + " bytes)");
    }
}
