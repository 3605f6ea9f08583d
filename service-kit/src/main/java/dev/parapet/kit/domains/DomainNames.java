package dev.parapet.kit.domains;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import com.ibm.icu.text.IDNA;

/**
 * Domain names as administrators type them and as lists carry them, made into one canonical form:
 * lower case, no trailing dot, internationalised labels in punycode, each label 1 to 63 characters
 * of letters, digits and inner hyphens (underscores allowed, as real lists have them), the name at
 * most 253 characters. A name that cannot be made so is refused with the reason.
 *
 * <p>Internationalised names are processed as browsers process them (the WHATWG URL standard: UTS #46,
 * non-transitional, with the bidi and joiner checks, without the STD3 rules, via ICU4J), so that the
 * punycode kept here is the name a browser asks the resolver for. The JDK's {@code java.net.IDN} is
 * IDNA 2003, which maps {@code faß.example} to {@code fass.example} while browsers ask for
 * {@code xn--fa-hia.example}: a block of the one would never match the other.
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
    /** Thread-safe, as ICU documents for its IDNA instances. */
    private static final IDNA UTS46 = IDNA.getUTS46Instance(IDNA.NONTRANSITIONAL_TO_ASCII
            | IDNA.NONTRANSITIONAL_TO_UNICODE | IDNA.CHECK_BIDI | IDNA.CHECK_CONTEXTJ);

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
        if (name.chars().allMatch(c -> c < 128)) {
            name = name.toLowerCase(Locale.ROOT);
        } else {
            StringBuilder mapped = new StringBuilder();
            IDNA.Info info = new IDNA.Info();
            UTS46.nameToASCII(name, mapped, info);
            if (info.hasErrors()) {
                return Result.refused(reason(info.getErrors()));
            }
            name = mapped.toString();
        }
        StringBuilder ascii = new StringBuilder();
        for (String asciiLabel : name.split("\\.", -1)) {
            if (asciiLabel.isEmpty()) {
                return Result.refused("has an empty label");
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

    private static String reason(Set<IDNA.Error> errors) {
        if (errors.contains(IDNA.Error.EMPTY_LABEL)) {
            return "has an empty label";
        }
        if (errors.contains(IDNA.Error.LABEL_TOO_LONG)) {
            return "has a label longer than 63 characters";
        }
        if (errors.contains(IDNA.Error.DOMAIN_NAME_TOO_LONG)) {
            return "longer than 253 characters";
        }
        return "is not a valid internationalised domain name (UTS #46: " + errors + ")";
    }
}
