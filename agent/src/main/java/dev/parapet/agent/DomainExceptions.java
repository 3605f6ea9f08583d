package dev.parapet.agent;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The account's domain exceptions as the stub checks them on every query: a name that is an
 * excepted domain or below one never leaves the device for Parapet (PRODUCT.md: resolved locally,
 * no policy, not logged). Lookup walks the name's parents, so it costs a few hash probes whatever
 * the list's length.
 */
public final class DomainExceptions {

    private final Set<String> domains;

    public DomainExceptions(List<String> domains) {
        Set<String> normalised = new HashSet<>();
        for (String domain : domains) {
            normalised.add(normalise(domain));
        }
        this.domains = Set.copyOf(normalised);
    }

    /** @param name a query name, with or without the trailing dot, any case */
    public boolean covers(String name) {
        String candidate = normalise(name);
        while (!candidate.isEmpty()) {
            if (domains.contains(candidate)) {
                return true;
            }
            int dot = candidate.indexOf('.');
            if (dot < 0) {
                return false;
            }
            candidate = candidate.substring(dot + 1);
        }
        return false;
    }

    private static String normalise(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }
}
