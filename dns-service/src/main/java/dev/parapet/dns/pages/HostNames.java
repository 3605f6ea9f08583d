package dev.parapet.dns.pages;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Host names as hostile clients send them, in a TLS server name indication or a Host header, made
 * into the form notices and certificates use (lower case, no trailing dot) or refused: at most 253
 * characters, labels of 1 to 63 letters, digits and inner hyphens (internationalised names arrive in
 * punycode), and not an IPv4 address. Nothing else reaches a certificate, a page or a lookup.
 */
final class HostNames {

    static final int MAX_LENGTH = 253;
    private static final Pattern LABEL = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern DIGITS = Pattern.compile("[0-9]+");

    private HostNames() {
    }

    /** The normalised host name, or empty if the text is not one. */
    static Optional<String> normalise(String text) {
        if (text == null || text.length() > MAX_LENGTH + 1) {
            return Optional.empty();
        }
        String name = text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
        name = name.toLowerCase(Locale.ROOT);
        if (name.isEmpty() || name.length() > MAX_LENGTH) {
            return Optional.empty();
        }
        String[] labels = name.split("\\.", -1);
        for (String label : labels) {
            if (!LABEL.matcher(label).matches()) {
                return Optional.empty();
            }
        }
        if (DIGITS.matcher(labels[labels.length - 1]).matches()) {
            return Optional.empty();
        }
        return Optional.of(name);
    }

    /** The host name of a Host header ({@code name} or {@code name:port}); empty for an address or garbage. */
    static Optional<String> fromHostHeader(String header) {
        if (header == null || header.length() > MAX_LENGTH + 7) {
            return Optional.empty();
        }
        String host = header.strip();
        int colon = host.lastIndexOf(':');
        if (colon >= 0) {
            String port = host.substring(colon + 1);
            if (port.isEmpty() || port.length() > 5 || !DIGITS.matcher(port).matches() || Integer.parseInt(port) > 65_535) {
                return Optional.empty();
            }
            host = host.substring(0, colon);
        }
        return normalise(host);
    }
}
