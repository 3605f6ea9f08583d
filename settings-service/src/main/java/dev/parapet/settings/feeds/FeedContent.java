package dev.parapet.settings.feeds;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;

/** The identity of a feed's content: the SHA-256 of its normalised domains, sorted, one a line. */
public final class FeedContent {

    private FeedContent() {
    }

    public static String hash(Collection<String> domains) {
        List<String> sorted = new ArrayList<>(domains);
        sorted.sort(null);
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (String domain : sorted) {
                digest.update(domain.getBytes(StandardCharsets.UTF_8));
                digest.update((byte) '\n');
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
