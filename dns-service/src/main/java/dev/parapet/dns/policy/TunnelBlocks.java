package dev.parapet.dns.policy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import org.apache.avro.specific.SpecificRecord;

import dev.parapet.dns.index.DomainMap;
import dev.parapet.dns.index.DomainSet;
import dev.parapet.schemas.v1.tunnels.TunnelDetection;

/**
 * The registered domains diagnostics-service has found an account's clients tunnelling through, followed from
 * {@code parapet.tunnel-detections.v1}, for the accounts whose Advanced Security policy blocks detected tunnels. A
 * detection applies while it is held (a tombstone removes it) and until its last suspicious minute is
 * {@code activeMillis} old, so that a tombstone that never comes (diagnostics-service gone) cannot block for ever.
 *
 * <p>Records are checked before they are held: the key must be {@code accountId/registeredDomain} and agree with the
 * value, and the domain must be a DNS name of at least two labels, so that no record, however made, blocks a
 * top-level domain. Consulted only when the applying Advanced Security policy blocks detected tunnels.
 *
 * <p>Each account's detections are a {@link DomainMap} from domain to the end of its detection (epoch millis), as the
 * categories are; the query path reads its immutable {@link DomainSet} snapshot, which gives the value of the name's
 * nearest detected parent without allocating.
 */
public final class TunnelBlocks {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TunnelBlocks.class);

    /** Longest a single record keeps a domain blocked without another one. */
    static final Duration MAX_ACTIVE = Duration.ofDays(1);
    private static final Pattern DOMAIN = Pattern.compile("(?=.{3,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\\.)+"
            + "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?");

    /** What the follower holds (its thread only): by account, each domain until when it applies. */
    private final Map<UUID, DomainMap> held = new HashMap<>();
    /** The accounts changed since the last {@link #publish} (the follower's thread only). */
    private final Set<UUID> changed = new HashSet<>();
    /** For the query path: each account's detections, the end of each as its value. */
    private volatile Map<UUID, DomainSet> byAccount = Map.of();

    /** One record of the topic (the follower's thread). */
    public void apply(String key, SpecificRecord value) {
        int slash = key == null ? -1 : key.indexOf('/');
        if (slash < 0) {
            return;
        }
        UUID account;
        try {
            account = UUID.fromString(key.substring(0, slash));
        } catch (IllegalArgumentException notOurs) {
            return;
        }
        String domain = normalised(key.substring(slash + 1));
        if (domain == null) {
            LOG.warn("tunnel detection with a key that names no registered domain ignored: {}", key);
            return;
        }
        if (value == null) {
            DomainMap ofAccount = held.get(account);
            if (ofAccount != null) {
                ofAccount.put(domain, 0);   // 0 removes
                changed.add(account);
            }
            return;
        }
        if (!(value instanceof TunnelDetection detection) || !account.equals(detection.getAccountId())
                || !domain.equals(normalised(detection.getRegisteredDomain()))) {
            LOG.warn("tunnel detection whose value does not match its key {} ignored", key);
            return;
        }
        long active = Math.max(0, Math.min(detection.getActiveMillis(), MAX_ACTIVE.toMillis()));
        long until = Math.max(0, detection.getLastSeen().toEpochMilli() + active);   // 0 (over long ago) removes
        held.computeIfAbsent(account, a -> new DomainMap()).put(domain, until);
        changed.add(account);
    }

    /** After a batch (the follower's thread): the accounts that changed are made again for the query path. */
    public void publish() {
        if (changed.isEmpty()) {
            return;
        }
        Map<UUID, DomainSet> next = new HashMap<>(byAccount);
        for (UUID account : changed) {
            DomainMap ofAccount = held.get(account);
            if (ofAccount == null || ofAccount.size() == 0) {
                held.remove(account);
                next.remove(account);
            } else {
                next.put(account, ofAccount.snapshot());
            }
        }
        changed.clear();
        byAccount = Map.copyOf(next);
    }

    /**
     * The detected registered domain that covers the name (lower-case ASCII bytes), if its detection applies at
     * {@code nowMillis}; null otherwise. Allocates only when a detected domain covers the name.
     */
    public String covering(UUID accountId, byte[] name, int length, long nowMillis) {
        DomainSet detected = byAccount.get(accountId);
        if (detected == null || detected.valueOf(name, 0, length) <= nowMillis) {
            return null;
        }
        int at = detected.match(name, 0, length);
        return new String(name, at, length - at, StandardCharsets.US_ASCII);
    }

    /** How many domains are held for the account (active or not), for tests. */
    int heldFor(UUID accountId) {
        DomainSet detected = byAccount.get(accountId);
        return detected == null ? 0 : detected.size();
    }

    /** How many accounts have a detection held. */
    public int accounts() {
        return byAccount.size();
    }

    /** Lower case without a trailing dot, if it is a name of at least two labels; null otherwise. */
    static String normalised(String domain) {
        if (domain == null) {
            return null;
        }
        String lower = domain.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".")) {
            lower = lower.substring(0, lower.length() - 1);
        }
        return DOMAIN.matcher(lower).matches() ? lower : null;
    }
}
