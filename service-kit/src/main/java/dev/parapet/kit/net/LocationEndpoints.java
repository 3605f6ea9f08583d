package dev.parapet.kit.net;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.parapet.kit.secrets.Secrets;

/**
 * A location's own encrypted-DNS endpoints, as settings-service makes them and dns-service reads them:
 * the DoH path secret ({@code /dns-query/l/<secret>}) and the DoT host name's label
 * ({@code <label>.<location DoT domain>}). One place for their shapes, so that what one service issues
 * the other accepts, and nothing else.
 *
 * <p>The secret is a credential: {@value #SECRET_BYTES} random bytes (192 bits) from {@link SecureRandom},
 * base64url without padding ({@value #SECRET_LENGTH} characters), kept only as its SHA-256
 * ({@link Secrets#verifier}); with that much entropy a slow hash adds nothing. The label is an identifier,
 * not a secret (a DoT client sends it in clear in the TLS SNI): {@value #LABEL_LENGTH} base32 characters,
 * lower case, 80 random bits, so that two locations drawing the same one is out of reach (about one chance
 * in 10<sup>12</sup> after a million labels); the global writer refuses a duplicate all the same.
 */
public final class LocationEndpoints {

    /** The DoH path of a location, before its secret. */
    public static final String DOH_PATH_PREFIX = "/dns-query/l/";
    public static final int SECRET_BYTES = 24;
    public static final int SECRET_LENGTH = 32;
    public static final int LABEL_LENGTH = 16;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern SECRET = Pattern.compile("[A-Za-z0-9_-]{" + SECRET_LENGTH + "}");
    private static final Pattern LABEL = Pattern.compile("[a-z2-7]{" + LABEL_LENGTH + "}");
    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
    /** A DNS name as a DoT domain is configured: LDH labels, no trailing dot, at most 253 characters. */
    private static final Pattern DOMAIN = Pattern.compile(
            "(?=.{1,200}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

    private LocationEndpoints() {
    }

    /** A new DoH path secret. */
    public static String newSecret() {
        byte[] random = new byte[SECRET_BYTES];
        RANDOM.nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    /** A new DoT label: {@value #LABEL_LENGTH} base32 characters, lower case (80 bits). */
    public static String newLabel() {
        byte[] random = new byte[LABEL_LENGTH];
        RANDOM.nextBytes(random);
        char[] label = new char[LABEL_LENGTH];
        for (int i = 0; i < LABEL_LENGTH; i++) {
            label[i] = BASE32[random[i] & 31];
        }
        return new String(label);
    }

    /** Whether the text has the shape of a secret this class issues (length and alphabet); says nothing of whose. */
    public static boolean isSecret(String text) {
        return text != null && SECRET.matcher(text).matches();
    }

    /** Whether the text has the shape of a label this class issues. */
    public static boolean isLabel(String text) {
        return text != null && LABEL.matcher(text).matches();
    }

    /** The SHA-256 (hex) of a secret: how both services name it without holding it. */
    public static String fingerprint(String secret) {
        return Secrets.fingerprintOf(secret);
    }

    /**
     * A configured DoT domain in the form host names are compared in: lower case, without a trailing dot;
     * refused (an {@link IllegalArgumentException} naming the property) when it is no DNS name.
     */
    public static String domain(String configured, String property) {
        String domain = configured == null ? "" : configured.strip().toLowerCase(Locale.ROOT);
        if (domain.endsWith(".")) {
            domain = domain.substring(0, domain.length() - 1);
        }
        if (!DOMAIN.matcher(domain).matches() || !domain.contains(".")) {
            throw new IllegalArgumentException(property + " must be a DNS name of at least two labels (e.g. dot.example.com), is '"
                    + configured + "'");
        }
        return domain;
    }

    /**
     * The label of a location's DoT host name, from a host name a client asked for (the TLS SNI): any case,
     * a trailing dot allowed, exactly one label before the domain ({@link #domain normalised}), and that label
     * of the issued shape; empty otherwise.
     */
    public static Optional<String> labelOf(String hostName, String domain) {
        if (hostName == null || hostName.length() > 254 || !hostName.chars().allMatch(c -> c < 128)) {
            return Optional.empty(); // non-ASCII first: some lower-case to ASCII (K, the Kelvin sign, to k)
        }
        String host = hostName.toLowerCase(Locale.ROOT);
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        int dot = host.indexOf('.');
        if (dot < 0 || !host.substring(dot + 1).equals(domain)) {
            return Optional.empty();
        }
        String label = host.substring(0, dot);
        return isLabel(label) ? Optional.of(label) : Optional.empty();
    }
}
