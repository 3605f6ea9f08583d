package dev.parapet.kit.web;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code for} parameter of each element of RFC 7239 {@code Forwarded} header lines, in order:
 * {@code for=192.0.2.60;proto=http, for="[2001:db8:cafe::17]:4711"} is {@code 192.0.2.60} and
 * {@code [2001:db8:cafe::17]:4711}. Spring's own parser reads the first element only, and a chain
 * must be read from the other end, so this one reads them all.
 *
 * <p>Commas and semicolons inside quoted strings do not split. An element without a {@code for}
 * parameter, or with it twice, is an empty string; so is the rest of a line from an unterminated
 * quoted string on: the caller treats an empty string as a hop it cannot identify.
 */
final class ForwardedHeader {

    private ForwardedHeader() {
    }

    static List<String> forValues(List<String> lines) {
        List<String> values = new ArrayList<>();
        for (String line : lines) {
            for (String element : split(line, ',')) {
                values.add(forOf(element));
            }
        }
        return values;
    }

    private static String forOf(String element) {
        if (element == null) {
            return "";
        }
        String found = null;
        for (String pair : split(element, ';')) {
            if (pair == null) {
                return "";
            }
            int equals = pair.indexOf('=');
            if (equals < 0) {
                continue;
            }
            if (pair.substring(0, equals).strip().toLowerCase(Locale.ROOT).equals("for")) {
                if (found != null) {
                    return "";
                }
                found = unquote(pair.substring(equals + 1).strip());
            }
        }
        return found == null ? "" : found;
    }

    /**
     * The parts of the text between separators outside quoted strings; a part that starts an
     * unterminated quoted string is null and ends the list.
     */
    private static List<String> split(String text, char separator) {
        List<String> parts = new ArrayList<>();
        StringBuilder part = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted && c == '\\' && i + 1 < text.length()) {
                part.append(c).append(text.charAt(++i));
                continue;
            }
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == separator && !quoted) {
                parts.add(part.toString());
                part.setLength(0);
            } else {
                part.append(c);
            }
        }
        parts.add(quoted ? null : part.toString());
        return parts;
    }

    /** A token as it is, a quoted string without its quotes and escapes; malformed quoting is empty. */
    private static String unquote(String value) {
        if (!value.startsWith("\"")) {
            return value.contains("\"") ? "" : value;
        }
        if (value.length() < 2 || !value.endsWith("\"")) {
            return "";
        }
        StringBuilder text = new StringBuilder();
        for (int i = 1; i < value.length() - 1; i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 1 < value.length() - 1) {
                c = value.charAt(++i);
            } else if (c == '"' || c == '\\') {
                return "";
            }
            text.append(c);
        }
        return text.toString();
    }
}
