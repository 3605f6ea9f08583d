package dev.parapet.dns.policy;

import java.util.Map;

/**
 * The safe-search hosts of the major search engines, as the engines document them for network-level
 * enforcement: a query for a search host is answered with a CNAME to the engine's safe-search host.
 */
final class SafeSearch {

    private static final Map<String, String> HOSTS = Map.ofEntries(
            Map.entry("www.bing.com", "strict.bing.com"),
            Map.entry("bing.com", "strict.bing.com"),
            Map.entry("duckduckgo.com", "safe.duckduckgo.com"),
            Map.entry("www.duckduckgo.com", "safe.duckduckgo.com"),
            Map.entry("start.duckduckgo.com", "safe.duckduckgo.com"),
            Map.entry("www.youtube.com", "restrict.youtube.com"),
            Map.entry("m.youtube.com", "restrict.youtube.com"),
            Map.entry("youtubei.googleapis.com", "restrict.youtube.com"),
            Map.entry("youtube.googleapis.com", "restrict.youtube.com"),
            Map.entry("www.youtube-nocookie.com", "restrict.youtube.com"),
            Map.entry("search.brave.com", "safesearch.brave.com"));

    private static final String GOOGLE_SAFE = "forcesafesearch.google.com";

    private SafeSearch() {
    }

    /**
     * The safe-search host for a name (lower case, no trailing dot), or null. Google: {@code google.<tld>}
     * and {@code www.google.<tld>} for every country domain ({@code google.co.uk}, {@code google.de}).
     */
    static String hostFor(String name) {
        String fixed = HOSTS.get(name);
        if (fixed != null) {
            return fixed;
        }
        String rest = name.startsWith("www.google.") ? name.substring("www.google.".length())
                : name.startsWith("google.") ? name.substring("google.".length()) : null;
        if (rest == null || rest.isEmpty() || rest.chars().filter(c -> c == '.').count() > 1) {
            return null;
        }
        return GOOGLE_SAFE;
    }
}
