package dev.parapet.agent;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code CustomerKey} file an administrator downloads ({@code ParapetKey=…}, {@code ApiBaseUrl=…},
 * {@code Region=…}). It is handed around by people and install scripts, so it is read strictly: a
 * missing or doubled line, or a base URL that is not http(s), is refused with the line named, before
 * anything is sent. The key itself is checked by key-service (its checksum gives KEY_MALFORMED).
 */
public record CustomerKeyFile(String parapetKey, URI apiBaseUrl, String region) {

    /** The file is three short lines; anything much bigger is not a CustomerKey. */
    static final int MAX_BYTES = 16 * 1024;
    private static final Set<String> REGIONS = Set.of("eu", "de", "us", "usb", "ca", "za", "au", "jer");
    private static final Pattern KEY_CHARACTERS = Pattern.compile("[A-Za-z0-9 -]{10,200}");

    public static CustomerKeyFile read(Path file) throws IOException {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        }
        if (bytes.length > MAX_BYTES) {
            throw new IllegalArgumentException(file + " is over " + MAX_BYTES + " bytes: not a CustomerKey file");
        }
        return parse(new String(bytes, StandardCharsets.UTF_8));
    }

    public static CustomerKeyFile parse(String text) {
        Map<String, String> values = new HashMap<>();
        String[] lines = text.split("\r\n|\r|\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (i == 0 && line.startsWith("\uFEFF")) {
                line = line.substring(1).strip();
            }
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int equals = line.indexOf('=');
            if (equals <= 0) {
                throw new IllegalArgumentException("CustomerKey line " + (i + 1) + " is not Name=Value");
            }
            String name = line.substring(0, equals).strip();
            String value = line.substring(equals + 1).strip();
            if (values.putIfAbsent(name, value) != null) {
                throw new IllegalArgumentException("CustomerKey line " + (i + 1) + ": " + name + " is given twice");
            }
        }
        String key = required(values, "ParapetKey");
        if (!KEY_CHARACTERS.matcher(key).matches()) {
            throw new IllegalArgumentException("CustomerKey: ParapetKey is not of the form PK1-<REGION>-…");
        }
        String region = required(values, "Region").toLowerCase(Locale.ROOT);
        if (!REGIONS.contains(region)) {
            throw new IllegalArgumentException("CustomerKey: Region '" + printable(region) + "' is none of " + REGIONS);
        }
        return new CustomerKeyFile(key, baseUrl(required(values, "ApiBaseUrl")), region);
    }

    private static String required(Map<String, String> values, String name) {
        String value = values.get(name);
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("CustomerKey: the line " + name + "=… is missing");
        }
        return value;
    }

    private static URI baseUrl(String text) {
        try {
            URI uri = new URI(text);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null
                    || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
                throw new IllegalArgumentException("CustomerKey: ApiBaseUrl must be an http(s) URL with a host and no query");
            }
            if (!Endpoints.isAllowed(uri)) {
                throw new IllegalArgumentException("CustomerKey: ApiBaseUrl must be https:// (plain http only to this machine)");
            }
            String path = uri.getRawPath() == null ? "" : uri.getRawPath();
            return new URI(scheme + "://" + uri.getRawAuthority() + path.replaceAll("/+$", ""));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("CustomerKey: ApiBaseUrl is not a URL (" + e.getReason() + ")");
        }
    }

    /** A value from the file, safe to print (it may hold anything). */
    static String printable(String value) {
        String cut = value.length() > 40 ? value.substring(0, 40) + "…" : value;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }

    /** Never print the key itself: it enrols devices for the whole account. */
    @Override
    public String toString() {
        return "CustomerKeyFile[region=" + region + ", apiBaseUrl=" + apiBaseUrl + "]";
    }
}
