package dev.parapet.diagnostics.tunnels;

import java.util.Locale;

import com.google.common.net.InternetDomainName;

/**
 * A name split at its registered domain (the public suffix and one label more, by the Public Suffix List Guava
 * carries): {@code a1b2.t.example.co.uk} is {@code a1b2.t} under {@code example.co.uk}. Only the last few labels are
 * given to the list, so a tunnel's long or odd leftmost labels (which the list's parser would refuse) do not matter;
 * a name under no known suffix (a private or test TLD) is split before its last two labels.
 *
 * @param registered the registered domain
 * @param subdomain  what is left of it, without the dot ("" for the registered domain itself)
 */
public record RegisteredDomain(String registered, String subdomain) {

    /** Labels looked at for the suffix: enough for the deepest public suffixes in use (e.g. {@code *.compute.amazonaws.com}). */
    static final int TAIL_LABELS = 5;

    public static RegisteredDomain of(String name) {
        String normal = name.toLowerCase(Locale.ROOT);
        if (normal.endsWith(".")) {
            normal = normal.substring(0, normal.length() - 1);
        }
        int tailStart = normal.length();
        for (int labels = 0; labels < TAIL_LABELS && tailStart > 0; labels++) {
            tailStart = normal.lastIndexOf('.', tailStart - 1);
            if (tailStart < 0) {
                tailStart = 0;
                break;
            }
        }
        String tail = tailStart == 0 ? normal : normal.substring(tailStart + 1);
        String registered = null;
        try {
            InternetDomainName domain = InternetDomainName.from(tail);
            if (domain.isUnderPublicSuffix()) {
                registered = domain.topPrivateDomain().toString();
            } else if (domain.isPublicSuffix()) {
                registered = tail; // a public suffix asked for itself
            }
        } catch (IllegalArgumentException | IllegalStateException notADomain) {
            // fall through to the last two labels
        }
        if (registered == null) {
            int last = normal.lastIndexOf('.');
            int secondLast = last <= 0 ? -1 : normal.lastIndexOf('.', last - 1);
            registered = secondLast < 0 ? normal : normal.substring(secondLast + 1);
        }
        String subdomain = normal.length() > registered.length()
                ? normal.substring(0, normal.length() - registered.length() - 1) : "";
        return new RegisteredDomain(registered, subdomain);
    }
}
