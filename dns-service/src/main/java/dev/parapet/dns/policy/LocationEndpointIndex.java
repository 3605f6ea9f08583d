package dev.parapet.dns.policy;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.parapet.kit.net.LocationEndpoints;
import dev.parapet.kit.secrets.Secrets;
import dev.parapet.schemas.v1.locations.EncryptedDns;
import dev.parapet.schemas.v1.locations.Location;

/**
 * Locations by their own encrypted-DNS endpoints: by the SHA-256 of their DoH path secret (all dns-service
 * ever holds of it) and by their DoT label. Immutable, part of a {@link Snapshot}. A label or hash that two
 * locations claim (the global writer refuses that, so only a corrupt topic could) attributes to neither:
 * a query must never be attributed to the wrong account.
 */
final class LocationEndpointIndex {

    static final LocationEndpointIndex EMPTY = new LocationEndpointIndex(Map.of(), Map.of(),
            LocationEndpointProperties.DEFAULT_DOT_DOMAIN);

    private final Map<String, Snapshot.Attribution> byDohFingerprint;
    private final Map<String, Snapshot.Attribution> byDotLabel;
    private final String dotDomain;

    private LocationEndpointIndex(Map<String, Snapshot.Attribution> byDohFingerprint, Map<String, Snapshot.Attribution> byDotLabel,
                                  String dotDomain) {
        this.byDohFingerprint = Map.copyOf(byDohFingerprint);
        this.byDotLabel = Map.copyOf(byDotLabel);
        this.dotDomain = dotDomain;
    }

    /** The endpoints of these locations; {@code dotDomain} normalised ({@link LocationEndpoints#domain}). */
    static LocationEndpointIndex of(Collection<Location> locations, String dotDomain) {
        Map<String, Snapshot.Attribution> doh = new HashMap<>();
        Map<String, Snapshot.Attribution> dot = new HashMap<>();
        Set<String> ambiguousDoh = new HashSet<>();
        Set<String> ambiguousDot = new HashSet<>();
        for (Location location : locations) {
            EncryptedDns endpoints = location.getEncryptedDns();
            if (endpoints == null || !Secrets.VERIFIER_ALGORITHM.equals(endpoints.getDohVerifier().getAlgorithm())) {
                continue;
            }
            Snapshot.Attribution where = new Snapshot.Attribution(location.getAccountId(), location.getLocationId(), null, null);
            if (doh.putIfAbsent(Secrets.fingerprint(endpoints.getDohVerifier()), where) != null) {
                ambiguousDoh.add(Secrets.fingerprint(endpoints.getDohVerifier()));
            }
            if (dot.putIfAbsent(endpoints.getDotLabel(), where) != null) {
                ambiguousDot.add(endpoints.getDotLabel());
            }
        }
        doh.keySet().removeAll(ambiguousDoh);
        dot.keySet().removeAll(ambiguousDot);
        return new LocationEndpointIndex(doh, dot, dotDomain);
    }

    /** The location whose DoH secret this is; empty for anything else, malformed or not. */
    Optional<Snapshot.Attribution> byDohSecret(String secret) {
        if (!LocationEndpoints.isSecret(secret)) {
            return Optional.empty();
        }
        return Optional.ofNullable(byDohFingerprint.get(LocationEndpoints.fingerprint(secret)));
    }

    /** The location whose DoT host name this is (the TLS SNI); empty for any other name. */
    Optional<Snapshot.Attribution> byDotHost(String hostName) {
        return LocationEndpoints.labelOf(hostName, dotDomain).map(byDotLabel::get);
    }

    boolean has(java.util.UUID accountId, java.util.UUID locationId) {
        return byDotLabel.values().stream().anyMatch(where -> where.accountId().equals(accountId)
                && where.locationId().equals(locationId));
    }

    int size() {
        return byDotLabel.size();
    }
}
