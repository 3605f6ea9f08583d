package dev.parapet.diagnostics.devices;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The supported agent platforms (PRODUCT.md): Windows 10 and 11 (Pro, Enterprise, Azure multi-session),
 * 7 and 8.1, Windows Server 2012 R2 to 2022; macOS 10.13 to 14; iOS 12 and later. Not supported:
 * Windows Home editions, Android, ChromeOS, Linux, and anything else.
 */
public final class Platforms {

    private static final Pattern LEADING_VERSION = Pattern.compile("^(\\d+)(?:\\.(\\d+))?");
    private static final Pattern SERVER_YEAR = Pattern.compile("(20\\d\\d)(\\s*R2)?");

    private Platforms() {
    }

    /** Why the platform is not supported, or empty when it is. */
    public static Optional<String> unsupported(String osName, String osEdition, String osVersion) {
        if (osName == null || osVersion == null) {
            return Optional.empty();
        }
        String name = osName.strip().toLowerCase(Locale.ROOT);
        String edition = osEdition == null ? "" : osEdition.strip().toLowerCase(Locale.ROOT);
        String version = osVersion.strip();
        if (name.startsWith("windows server") || (name.equals("windows") && edition.contains("server"))) {
            return windowsServer(name + " " + edition + " " + version);
        }
        if (name.equals("windows")) {
            if (edition.contains("home")) {
                return Optional.of("Windows Home editions are not supported (Pro or Enterprise needed)");
            }
            return windows(version);
        }
        if (name.equals("macos") || name.equals("mac os x") || name.equals("os x")) {
            return between(version, 10, 13, 14, "macOS 10.13 to 14");
        }
        if (name.equals("ios") || name.equals("ipados")) {
            int[] v = parse(version);
            return v != null && v[0] >= 12 ? Optional.empty() : Optional.of("iOS 12 or later is supported");
        }
        return Optional.of(osName.strip() + " is not a supported platform (Windows, macOS, iOS)");
    }

    private static Optional<String> windows(String version) {
        String v = version.toLowerCase(Locale.ROOT);
        if (v.startsWith("8.1") || v.equals("7") || v.startsWith("7 ") || v.startsWith("6.1") || v.startsWith("6.3")) {
            return Optional.empty();
        }
        int[] parsed = parse(v);
        if (parsed != null && (parsed[0] == 10 || parsed[0] == 11)) {
            return Optional.empty();
        }
        return Optional.of("Windows " + version + " is not supported (10, 11, 8.1 or 7)");
    }

    private static Optional<String> windowsServer(String text) {
        Matcher year = SERVER_YEAR.matcher(text);
        if (year.find()) {
            int y = Integer.parseInt(year.group(1));
            boolean r2 = year.group(2) != null;
            if ((y == 2012 && r2) || (y > 2012 && y <= 2022)) {
                return Optional.empty();
            }
        }
        return Optional.of("Windows Server 2012 R2 to 2022 is supported");
    }

    private static Optional<String> between(String version, int major, int minMinor, int maxMajor, String range) {
        int[] v = parse(version);
        if (v == null) {
            return Optional.of("version " + version + " is not understood; " + range + " is supported");
        }
        boolean tooOld = v[0] < major || (v[0] == major && v[1] < minMinor);
        boolean tooNew = v[0] > maxMajor;
        return tooOld || tooNew ? Optional.of(range + " is supported, not " + version) : Optional.empty();
    }

    private static int[] parse(String version) {
        Matcher m = LEADING_VERSION.matcher(version);
        if (!m.find()) {
            return null;
        }
        return new int[] {Integer.parseInt(m.group(1)), m.group(2) == null ? 0 : Integer.parseInt(m.group(2))};
    }
}
