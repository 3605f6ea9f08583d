package dev.parapet.diagnostics.tunnels;

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

    /**
     * The distinct subdomains, as 64-bit hashes in an open-addressing table (0 marks a free slot): a window keeps what it
     * needs to judge, not the names. As strings in a set they took about 90 bytes each, and a busy client fills a window
     * per registered domain and quarter hour: at 56 000 verdicts/s most of the heap, and the collector's work with it.
     * Two distinct subdomains of one window share a hash with a chance of about 1 in 10^14.
     */
    private long[] subdomains = new long[16];
    private int distinct;
    /** Occurrences of each character over the distinct subdomains' labels (dots excluded), case folded; all non-ASCII as one. */
    private final int[] characters = new int[129];
    private long queries;
    private long dataTypeQueries;
    private long subdomainCharacters;

    /** One query: its subdomain under the registered domain and its type (A, TXT, NULL…). */
    public void add(String subdomain, String queryType) {
        queries++;
        if (DATA_TYPES.contains(queryType)) {
            dataTypeQueries++;
        }
        if (subdomain.isEmpty() || distinct >= MAX_REMEMBERED || !remember(hash(subdomain))) {
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

    /** Adds a subdomain's hash; false if it was there already. */
    private boolean remember(long hash) {
        int mask = subdomains.length - 1;
        for (int i = (int) (hash ^ hash >>> 32) & mask; ; i = (i + 1) & mask) {
            if (subdomains[i] == 0) {
                subdomains[i] = hash;
                if (++distinct * 2 > subdomains.length) {
                    long[] held = subdomains;
                    subdomains = new long[held.length * 2];
                    distinct = 0;
                    for (long h : held) {
                        if (h != 0) {
                            remember(h);
                        }
                    }
                }
                return true;
            }
            if (subdomains[i] == hash) {
                return false;
            }
        }
    }

    /** FNV-1a over the characters, mixed (MurmurHash3's finaliser); never 0, which marks a free slot. */
    static long hash(String subdomain) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < subdomain.length(); i++) {
            h = (h ^ subdomain.charAt(i)) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h == 0 ? 1 : h;
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
        return distinct;
    }

    /** Mean length of the distinct subdomains, dots excluded; 0 if none. */
    public double meanSubdomainLength() {
        return distinct == 0 ? 0 : (double) subdomainCharacters / distinct;
    }

    /** Shannon entropy of the distinct subdomains' characters, in bits per character. */
    public double entropyBitsPerCharacter() {
        if (subdomainCharacters == 0) {
            return 0;
        }
        double bits = 0;
        for (int count : characters) {
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
