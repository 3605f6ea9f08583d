package dev.parapet.kit.domains;

import java.net.IDN;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Domain names as administrators type them and as lists carry them, made into one canonical form:
 * lower case, no trailing dot, internationalised labels in punycode (IDNA 2003 via the JDK), each
 * label 1 to 63 characters of letters, digits and inner hyphens (underscores allowed, as real
 * lists have them), the name at most 253 characters. A name that cannot be made so is refused with
 * the reason.
 */
public final class DomainNames {

    /** A normalised name, or why the input is not a domain name. */
    public record Result(Optional<String> domain, Optional<String> error) {
        static Result ok(String domain) {
            return new Result(Optional.of(domain), Optional.empty());
        }

        static Result refused(String why) {
            return new Result(Optional.empty(), Optional.of(why));
        }
    }

    private static final Pattern LABEL = Pattern.compile("[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?");

    private DomainNames() {
    }

    public static Result normalise(String input) {
        if (input == null) {
            return Result.refused("empty");
        }
        String name = input.strip();
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        if (name.isEmpty()) {
            return Result.refused("empty");
        }
        if (name.length() > 1000) {
            return Result.refused("longer than 253 characters");
        }
        StringBuilder ascii = new StringBuilder();
        for (String label : name.split("[.\u3002\uff0e\uff61]", -1)) {
            if (label.isEmpty()) {
                return Result.refused("has an empty label");
            }
            String asciiLabel;
            if (label.chars().allMatch(c -> c < 128)) {
                asciiLabel = label.toLowerCase(Locale.ROOT);
            } else {
                try {
                    asciiLabel = IDN.toASCII(label, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
                } catch (IllegalArgumentException e) {
                    return Result.refused("label '" + label + "' is not a valid internationalised label");
                }
            }
            if (asciiLabel.length() > 63) {
                return Result.refused("has a label longer than 63 characters");
            }
            if (!LABEL.matcher(asciiLabel).matches()) {
                return Result.refused("label '" + asciiLabel + "' may hold only letters, digits, '_' and inner '-'");
            }
            if (ascii.length() > 0) {
                ascii.append('.');
            }
            ascii.append(asciiLabel);
        }
        if (ascii.length() > 253) {
            return Result.refused("longer than 253 characters");
        }
        return Result.ok(ascii.toString());
    }
}
