package dev.parapet.settings.feeds;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Where a category feed comes from: an http(s) URL, or a {@code file:} URL under one of the directories the
 * deployment allows. Nothing else: no other scheme, no credentials in the URL (the source is stored and audited in
 * the clear), no file outside the allowed directories.
 */
public sealed interface FeedSource {

    int MAX_LENGTH = 2_048;

    /** The source as stored and shown: the URL in its canonical form. */
    String text();

    /** An http or https URL. */
    record Http(URI uri) implements FeedSource {
        @Override
        public String text() {
            return uri.toString();
        }
    }

    /** A file, absolute and normalised. */
    record File(Path path) implements FeedSource {
        @Override
        public String text() {
            return path.toUri().toString();
        }
    }

    /** A source, or why the text is not one. */
    record Parsed(Optional<FeedSource> source, Optional<String> error) {
        static Parsed ok(FeedSource source) {
            return new Parsed(Optional.of(source), Optional.empty());
        }

        static Parsed refused(String why) {
            return new Parsed(Optional.empty(), Optional.of(why));
        }
    }

    static Parsed parse(String text, List<Path> allowedDirectories) {
        if (text == null || text.isBlank()) {
            return Parsed.refused("is required: an http(s) URL, or a file: URL under an allowed directory");
        }
        String trimmed = text.strip();
        if (trimmed.length() > MAX_LENGTH) {
            return Parsed.refused("at most " + MAX_LENGTH + " characters");
        }
        if (trimmed.chars().anyMatch(c -> Character.isISOControl(c) || Character.isWhitespace(c))) {
            return Parsed.refused("must not contain spaces or control characters");
        }
        URI uri;
        try {
            uri = new URI(trimmed);
        } catch (URISyntaxException e) {
            return Parsed.refused("is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        return switch (scheme) {
            case "http", "https" -> http(uri, scheme);
            case "file" -> file(uri, allowedDirectories);
            default -> Parsed.refused("must be an http, https or file URL");
        };
    }

    private static Parsed http(URI uri, String scheme) {
        if (uri.isOpaque() || uri.getHost() == null || uri.getHost().isEmpty()) {
            return Parsed.refused("must name a host (" + scheme + "://host/path)");
        }
        if (uri.getRawUserInfo() != null) {
            return Parsed.refused("must not carry credentials: the source is stored and audited as written");
        }
        if (uri.getRawFragment() != null) {
            return Parsed.refused("must not have a fragment (#…)");
        }
        try {
            URI canonical = new URI(scheme, null, uri.getHost().toLowerCase(Locale.ROOT), uri.getPort(),
                    uri.getPath() == null || uri.getPath().isEmpty() ? "/" : uri.getPath(), uri.getQuery(), null);
            return Parsed.ok(new Http(canonical));
        } catch (URISyntaxException e) {
            return Parsed.refused("is not a URL");
        }
    }

    private static Parsed file(URI uri, List<Path> allowedDirectories) {
        if (uri.isOpaque() || (uri.getAuthority() != null && !uri.getAuthority().isEmpty()) || uri.getRawQuery() != null
                || uri.getRawFragment() != null) {
            return Parsed.refused("must be a local file URL such as file:///srv/feeds/phishing.txt");
        }
        if (allowedDirectories.isEmpty()) {
            return Parsed.refused("cannot be a file here: this deployment allows no directory (parapet.settings.feeds.allowed-directories)");
        }
        Path path;
        try {
            path = Path.of(uri).normalize();
        } catch (IllegalArgumentException e) {
            return Parsed.refused("must be a local file URL such as file:///srv/feeds/phishing.txt");
        }
        if (allowedDirectories.stream().noneMatch(directory -> path.startsWith(directory) && !path.equals(directory))) {
            return Parsed.refused("must be a file under an allowed directory (" + allowedDirectories.stream().map(Path::toString)
                    .reduce((a, b) -> a + ", " + b).orElse("") + ")");
        }
        return Parsed.ok(new File(path));
    }
}
