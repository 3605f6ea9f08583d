package dev.parapet.diagnostics.tunnels;

import java.util.ArrayList;
import java.util.List;

/**
 * Whether one client's minute of queries under one registered domain looks like a DNS tunnel: data sent out in the
 * names themselves, so many distinct, long, random-looking subdomains. Ordinary traffic asks a few names per domain
 * again and again; CDNs, trackers and mail checks ask many distinct names, but short, word-like or plain numbers;
 * a tunnel (iodine, dnscat2, DNSExfiltrator) asks tens to thousands a minute, each used once, 30 to 250 characters
 * of base32, base64 or hex. "Random-looking" is the characters' entropy: base32 and base64 text is about 4.9-5.2
 * bits a character, hex 4.0 with digits in most places; words are about 3.9-4.2 bits and without digits, and
 * reversed addresses (reputation lookups) are all digits at 3.3 bits. The record types asked (TXT, NULL, …) are
 * reported but decide nothing: mail servers ask TXT records of many names. A pure function of the window.
 *
 * @param minDistinct     distinct subdomains in the window below which nothing is judged
 * @param minMeanLength   mean subdomain length (characters, dots excluded) of a tunnel
 * @param minEntropy      bits per character, with at least {@code minDigitShare} digits, of a tunnel's subdomains
 * @param minDigitShare   the share of digits that, with {@code minEntropy}, marks encoded data
 * @param lettersEntropy  bits per character that alone mark encoded data (above any words')
 */
public record TunnelRules(int minDistinct, double minMeanLength, double minEntropy, double minDigitShare,
                          double lettersEntropy) {

    /** The defaults: 30 distinct subdomains a minute, 24 characters long on average, random-looking. */
    public static final TunnelRules DEFAULT = new TunnelRules(30, 24, 3.6, 0.08, 4.4);

    /** What was found, and the figures that made it so (for the finding's text). */
    public record Judgement(boolean tunnel, List<String> reasons) {
        static final Judgement NONE = new Judgement(false, List.of());
    }

    public Judgement judge(TunnelWindow window) {
        int distinct = window.distinctSubdomains();
        if (distinct < minDistinct) {
            return Judgement.NONE;
        }
        double length = window.meanSubdomainLength();
        double entropy = window.entropyBitsPerCharacter();
        boolean encoded = entropy >= lettersEntropy || entropy >= minEntropy && window.digitShare() >= minDigitShare;
        if (length < minMeanLength || !encoded) {
            return Judgement.NONE;
        }
        List<String> reasons = new ArrayList<>();
        reasons.add(distinct + (distinct >= TunnelWindow.MAX_REMEMBERED ? " or more" : "") + " distinct subdomains in "
                + window.queries() + " queries");
        reasons.add(String.format(java.util.Locale.ROOT, "%.1f characters long on average, %.2f bits per character, %.0f%% digits",
                length, entropy, 100 * window.digitShare()));
        if (window.dataTypeShare() > 0) {
            reasons.add(String.format(java.util.Locale.ROOT, "%.0f%% asked for data-carrying types (TXT, NULL, …)",
                    100 * window.dataTypeShare()));
        }
        return new Judgement(true, List.copyOf(reasons));
    }
}
