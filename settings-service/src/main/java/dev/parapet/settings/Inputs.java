package dev.parapet.settings;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

import dev.parapet.kit.domains.DomainNames;
import dev.parapet.kit.net.Cidr;
import dev.parapet.kit.problem.Problems;

/** Validation and normalisation of what administrators send, collecting every error with its field. */
public final class Inputs {

    /** A normalised value, or why the input is not one. */
    public record Normalised(Optional<String> value, Optional<String> error) {
        static Normalised ok(String value) {
            return new Normalised(Optional.of(value), Optional.empty());
        }

        static Normalised refused(String why) {
            return new Normalised(Optional.empty(), Optional.of(why));
        }
    }

    private static final Pattern EMAIL = Pattern.compile("[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+");

    private Inputs() {
    }

    public static Normalised domain(String text) {
        DomainNames.Result result = DomainNames.normalise(text);
        return new Normalised(result.domain(), result.error());
    }

    public static Normalised cidr(String text) {
        Cidr.Result result = Cidr.parse(text);
        return new Normalised(result.cidr().map(Cidr::toString), result.error());
    }

    public static Normalised email(String text) {
        if (text == null || text.isBlank()) {
            return Normalised.refused("is empty");
        }
        String email = text.strip().toLowerCase(Locale.ROOT);
        if (email.length() > 254 || !EMAIL.matcher(email).matches()) {
            return Normalised.refused("is not an email address");
        }
        return Normalised.ok(email);
    }

    /**
     * A directory group's name as the identity provider puts it in tokens ({@code groups} claim): kept as
     * written (directories compare names exactly), trimmed, 1 to 255 characters, no control characters.
     */
    public static Normalised directoryGroup(String text) {
        if (text == null || text.isBlank()) {
            return Normalised.refused("is empty");
        }
        String name = text.strip();
        if (name.length() > 255) {
            return Normalised.refused("is longer than 255 characters");
        }
        if (name.chars().anyMatch(Character::isISOControl)) {
            return Normalised.refused("contains control characters");
        }
        return Normalised.ok(name);
    }

    /** A display name: present, trimmed, at most 100 characters, no control characters. */
    public static String name(String text, String field, List<Problems.FieldError> errors) {
        if (text == null || text.isBlank()) {
            errors.add(new Problems.FieldError(field, "is required"));
            return "";
        }
        String name = text.strip();
        if (name.length() > 100) {
            errors.add(new Problems.FieldError(field, "at most 100 characters"));
        } else if (name.chars().anyMatch(Character::isISOControl)) {
            errors.add(new Problems.FieldError(field, "must not contain control characters"));
        }
        return name;
    }

    /**
     * Normalises every entry of a list, dropping duplicates after normalisation; each bad entry is an
     * error naming its position. A null list is an error unless {@code required} is false.
     */
    public static List<String> all(List<String> entries, String field, int max, boolean required,
                                   List<Problems.FieldError> errors, Function<String, Normalised> normaliser) {
        if (entries == null) {
            if (required) {
                errors.add(new Problems.FieldError(field, "is required (an empty list clears it)"));
            }
            return List.of();
        }
        if (entries.size() > max) {
            errors.add(new Problems.FieldError(field, "at most " + max + " entries"));
            return List.of();
        }
        Set<String> normalised = new LinkedHashSet<>();
        for (int i = 0; i < entries.size(); i++) {
            Normalised result = normaliser.apply(entries.get(i));
            result.value().ifPresent(normalised::add);
            int index = i;
            result.error().ifPresent(why -> errors.add(new Problems.FieldError(field + "[" + index + "]",
                    "'" + entries.get(index) + "' " + why)));
        }
        return List.copyOf(normalised);
    }
}
