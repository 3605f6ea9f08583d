package dev.parapet.diagnostics.tunnels;

import java.util.HashSet;
import java.util.Set;

/**
 * What one client asked under one registered domain in one window (a minute): how many queries, how many
 * distinct subdomains and what they look like (length, the characters' entropy and digits), and how many asked for
 * record types that carry data rather than addresses. The distinct subdomains
 * are remembered up to {@link #MAX_REMEMBERED}, enough to judge; past that they are still counted as queries, and a
 * window that full is itself a sign. Not thread-safe: one stream task fills it.
 */
public final class TunnelWindow {

    /** Distinct subdomains kept per window; a client asking more than this under one domain in a minute is judged on these. */
    public static final int MAX_REMEMBERED = 512;

    private final Set<String> subdomains = new HashSet<>();
    /** Occurrences of each character over the distinct subdomains' labels (dots excluded), case folded; all non-ASCII as one. */
    private final long[] characters = new long[129];
    private long queries;
    private long dataTypeQueries;
    private long subdomainCharacters;

    /** One query: its subdomain under the registered domain and its type (A, TXT, NULL…). */
    public void add(String subdomain, String queryType) {
        queries++;
        if (DATA_TYPES.contains(queryType)) {
            dataTypeQueries++;
        }
        if (subdomain.isEmpty() || subdomains.size() >= MAX_REMEMBERED || !subdomains.add(subdomain)) {
            return;
        }
        for (int i = 0; i < subdomain.length(); i++) {
            char c = subdomain.charAt(i);
            if (c == '.') {
                continue;
            }
            subdomainCharacters++;
            characters[classOf(c)]++;
        }
    }

    /** Record types that carry arbitrary data, which tunnels prefer (iodine's default is NULL). */
    static final Set<String> DATA_TYPES = Set.of("NULL", "TXT", "PRIVATE", "ANY", "MX", "SRV", "CNAME", "KEY");

    private static int classOf(char c) {
        if (c >= 'A' && c <= 'Z') {
            return c + ('a' - 'A');
        }
        return Math.min(c, 128);
    }

    public long queries() {
        return queries;
    }

    /** Distinct subdomains seen (at most {@link #MAX_REMEMBERED}). */
    public int distinctSubdomains() {
        return subdomains.size();
    }

    /** Mean length of the distinct subdomains, dots excluded; 0 if none. */
    public double meanSubdomainLength() {
        return subdomains.isEmpty() ? 0 : (double) subdomainCharacters / subdomains.size();
    }

    /** Shannon entropy of the distinct subdomains' characters, in bits per character. */
    public double entropyBitsPerCharacter() {
        if (subdomainCharacters == 0) {
            return 0;
        }
        double bits = 0;
        for (long count : characters) {
            if (count > 0) {
                double p = (double) count / subdomainCharacters;
                bits -= p * Math.log(p) / Math.log(2);
            }
        }
        return bits;
    }

    /** The share of digits among the distinct subdomains' characters. */
    public double digitShare() {
        if (subdomainCharacters == 0) {
            return 0;
        }
        long digits = 0;
        for (char c = '0'; c <= '9'; c++) {
            digits += characters[c];
        }
        return (double) digits / subdomainCharacters;
    }

    /** The share of queries for data-carrying types (TXT, NULL, …). */
    public double dataTypeShare() {
        return queries == 0 ? 0 : (double) dataTypeQueries / queries;
    }

}
