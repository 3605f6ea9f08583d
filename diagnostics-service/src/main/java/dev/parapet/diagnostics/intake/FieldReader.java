package dev.parapet.diagnostics.intake;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import dev.parapet.kit.problem.Problems.FieldError;
import tools.jackson.databind.JsonNode;

/**
 * Reads the typed fields of one JSON object of an agent's body, never stopping at the first bad one:
 * each bad field is recorded with its path ({@code reports[1].osVersion}) and the reason, so that the
 * agent learns everything wrong with a report at once. A getter returns null (or an empty list) for a
 * bad field; the caller builds nothing once {@link #errors} is not empty.
 *
 * <p>Rules every field shares: a JSON {@code null} counts as absent; strings never hold control or
 * format characters (bidirectional overrides, zero-width characters) or unpaired surrogates, because
 * they end up on administrators' screens; lengths count Unicode code points.
 */
final class FieldReader {

    /** The latest instant a timestamp field may name: the end of year 9999, far inside Avro's epoch milliseconds. */
    static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999Z");

    private final JsonNode object;
    private final String path;
    private final List<FieldError> errors;

    private FieldReader(JsonNode object, String path, List<FieldError> errors) {
        this.object = object;
        this.path = path;
        this.errors = errors;
    }

    /** A reader of {@code object}, found at {@code path}, with errors of its own. */
    static FieldReader of(JsonNode object, String path) {
        return new FieldReader(object, path, new ArrayList<>());
    }

    /** Every error recorded so far, by this reader and the readers of its nested objects. */
    List<FieldError> errors() {
        return errors;
    }

    boolean present(String name) {
        JsonNode value = object.get(name);
        return value != null && !value.isNull();
    }

    /** Whether the field was refused already (a rule across fields then says nothing more of it). */
    boolean refused(String name) {
        String refusedPath = path(name);
        return errors.stream().anyMatch(error -> error.field().equals(refusedPath));
    }

    /** Records a refusal of a field that is well-formed but wrong with the others (checked by the caller). */
    void refuse(String name, String reason) {
        errors.add(new FieldError(path(name), reason));
    }

    /** A string that must be given, not blank, at most {@code maxLength} characters. */
    String requiredString(String name, int maxLength) {
        if (!present(name)) {
            refuse(name, "required");
            return null;
        }
        String text = string(name, object.get(name), maxLength);
        if (text != null && text.isBlank()) {
            refuse(name, "must not be blank");
            return null;
        }
        return text;
    }

    /** A string that may be left out; empty or blank counts as left out (null). */
    String optionalString(String name, int maxLength) {
        if (!present(name)) {
            return null;
        }
        String text = string(name, object.get(name), maxLength);
        return text == null || text.isBlank() ? null : text;
    }

    Boolean requiredBoolean(String name) {
        if (!present(name)) {
            refuse(name, "required");
            return null;
        }
        JsonNode value = object.get(name);
        if (!value.isBoolean()) {
            refuse(name, "must be true or false");
            return null;
        }
        return value.booleanValue();
    }

    /** A whole number from 0 to 2^63-1, written as a JSON integer (not 1.0, not "1"). */
    Long requiredCount(String name) {
        if (!present(name)) {
            refuse(name, "required");
            return null;
        }
        JsonNode value = object.get(name);
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < 0) {
            refuse(name, "must be a whole number from 0 to " + Long.MAX_VALUE);
            return null;
        }
        return value.longValue();
    }

    /**
     * An instant, as an ISO-8601 string in UTC or with an offset ({@code 2026-03-01T10:15:30Z}) or as
     * epoch milliseconds (a JSON integer); from 1970 to the end of 9999.
     */
    Instant requiredInstant(String name) {
        if (!present(name)) {
            refuse(name, "required");
            return null;
        }
        Optional<Instant> instant = instant(object.get(name));
        if (instant.isEmpty()) {
            refuse(name, "must be an ISO-8601 instant such as 2026-03-01T10:15:30Z, or epoch milliseconds");
            return null;
        }
        if (instant.get().isBefore(Instant.EPOCH) || instant.get().isAfter(LATEST)) {
            refuse(name, "must be from 1970-01-01T00:00:00Z to " + LATEST);
            return null;
        }
        return instant.get();
    }

    private static Optional<Instant> instant(JsonNode value) {
        if (value.isIntegralNumber() && value.canConvertToLong()) {
            return Optional.of(Instant.ofEpochMilli(value.longValue()));
        }
        if (value.isString()) {
            try {
                return Optional.of(Instant.parse(value.stringValue()));
            } catch (DateTimeParseException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** One of {@code allowed}, by its exact name; {@code fallback} when left out. */
    @SafeVarargs
    final <E extends Enum<E>> E choice(String name, E fallback, E... allowed) {
        if (!present(name)) {
            return fallback;
        }
        JsonNode value = object.get(name);
        Optional<E> chosen = value.isString()
                ? Arrays.stream(allowed).filter(option -> option.name().equals(value.stringValue())).findFirst()
                : Optional.empty();
        if (chosen.isEmpty()) {
            refuse(name, "must be one of " + Arrays.stream(allowed).map(Enum::name).collect(Collectors.joining(", ")));
            return null;
        }
        return chosen.get();
    }

    /** The reader of a nested object, sharing this reader's errors; empty when left out or not an object. */
    Optional<FieldReader> optionalObject(String name) {
        if (!present(name)) {
            return Optional.empty();
        }
        JsonNode value = object.get(name);
        if (!value.isObject()) {
            refuse(name, "must be an object");
            return Optional.empty();
        }
        return Optional.of(new FieldReader(value, path(name), errors));
    }

    /** An array of at most {@code maxItems} non-blank strings of at most {@code maxLength} characters each; empty when left out. */
    List<String> optionalStrings(String name, int maxItems, int maxLength) {
        if (!present(name)) {
            return List.of();
        }
        JsonNode value = object.get(name);
        if (!value.isArray()) {
            refuse(name, "must be an array of strings");
            return List.of();
        }
        if (value.size() > maxItems) {
            refuse(name, "must hold at most " + maxItems + " entries, not " + value.size());
            return List.of();
        }
        List<String> items = new ArrayList<>(value.size());
        for (int i = 0; i < value.size(); i++) {
            String itemName = name + "[" + i + "]";
            String item = string(itemName, value.get(i), maxLength);
            if (item != null && item.isBlank()) {
                refuse(itemName, "must not be blank");
            } else if (item != null) {
                items.add(item);
            }
        }
        return items;
    }

    private String string(String name, JsonNode value, int maxLength) {
        if (!value.isString()) {
            refuse(name, "must be a string");
            return null;
        }
        String text = value.stringValue();
        int length = text.codePointCount(0, text.length());
        if (length > maxLength) {
            refuse(name, "must be at most " + maxLength + " characters, not " + length);
            return null;
        }
        Optional<String> unprintable = unprintable(text);
        if (unprintable.isPresent()) {
            refuse(name, "must not contain " + unprintable.get());
            return null;
        }
        return text;
    }

    /** The first character no screen should be given, described, if there is one. */
    private static Optional<String> unprintable(String text) {
        for (int i = 0; i < text.length(); ) {
            int codePoint = text.codePointAt(i);
            int type = Character.getType(codePoint);
            if (type == Character.CONTROL || type == Character.FORMAT || type == Character.SURROGATE) {
                String kind = type == Character.CONTROL ? "control" : type == Character.FORMAT ? "format" : "unpaired surrogate";
                return Optional.of(String.format("%s character U+%04X (at character %d)", kind, codePoint,
                        text.codePointCount(0, i) + 1));
            }
            i += Character.charCount(codePoint);
        }
        return Optional.empty();
    }

    private String path(String name) {
        return path + "." + name;
    }
}
