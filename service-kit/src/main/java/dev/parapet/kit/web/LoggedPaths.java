package dev.parapet.kit.web;

import java.util.regex.Pattern;

/**
 * Request paths (or URIs) made fit for a log: an agent credential may travel in the path
 * ({@code /dns-query/<credential>}, for stock DoH clients that cannot send headers), and a log line is
 * read by more people and kept longer than the credential may be known. The secret part of anything
 * shaped like a credential ({@code pac1.<agentId>.<secret>}) and whatever follows {@code /dns-query/}
 * (a malformed credential may still be most of a real one) or {@code /dns-query/l/} (a location's DoH
 * secret) are replaced by {@value #MASK}.
 */
public final class LoggedPaths {

    public static final String MASK = "****";

    private static final Pattern CREDENTIAL = Pattern.compile("(pac1\\.[0-9A-Fa-f-]{0,36}\\.?)[^/?#&;\\s]+");
    private static final Pattern DOH_PATH_CREDENTIAL = Pattern.compile("(/dns-query/(?:l/)?)[^/?#\\s]+");

    private LoggedPaths() {
    }

    /** The path or URI with every credential in it masked; null stays null. */
    public static String mask(String pathOrUri) {
        if (pathOrUri == null) {
            return null;
        }
        String masked = CREDENTIAL.matcher(pathOrUri).replaceAll("$1" + MASK);
        return DOH_PATH_CREDENTIAL.matcher(masked).replaceAll("$1" + MASK);
    }
}
