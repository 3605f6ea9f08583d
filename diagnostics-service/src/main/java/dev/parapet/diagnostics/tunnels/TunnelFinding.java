package dev.parapet.diagnostics.tunnels;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A client suspected of tunnelling through a registered domain: when it was first and last seen doing so, in how many
 * minutes, the figures of the last of them and a few of its names. Active while the last suspicious minute is less
 * than {@link #ACTIVE} old; {@code cleared} once that has been announced.
 */
public record TunnelFinding(UUID accountId, UUID agentId, String userEmail, String clientAddress, String registeredDomain,
                            Instant firstSeen, Instant lastSeen, int minutes, long queries, int distinctSubdomains,
                            List<String> reasons, List<String> examples, boolean cleared) {

    /** How long a finding stays active after its last suspicious minute. */
    public static final Duration ACTIVE = Duration.ofMinutes(15);

    /** Its key in the store: the account first, so an account's findings are one prefix. */
    public static String key(UUID account, TunnelDetector.Client client, String registeredDomain) {
        return account + "/" + client.key() + "/" + registeredDomain;
    }

    static TunnelFinding of(TunnelDetector.Suspicion suspicion) {
        TunnelDetector.Client client = suspicion.client();
        return new TunnelFinding(suspicion.accountId(), client.agentId(), client.userEmail(), client.address(),
                suspicion.registeredDomain(), suspicion.at(), suspicion.at(), 1, suspicion.queries(), suspicion.distinctSubdomains(),
                suspicion.reasons(), suspicion.examples(), false);
    }

    /** This finding with one more suspicious minute. */
    TunnelFinding and(TunnelDetector.Suspicion suspicion) {
        TunnelDetector.Client client = suspicion.client();
        return new TunnelFinding(accountId, agentId, client.userEmail() != null ? client.userEmail() : userEmail,
                client.address(), registeredDomain, firstSeen, suspicion.at().isAfter(lastSeen) ? suspicion.at() : lastSeen,
                minutes + 1, queries + suspicion.queries(), suspicion.distinctSubdomains(), suspicion.reasons(), suspicion.examples(), false);
    }

    TunnelFinding clearedNow() {
        return new TunnelFinding(accountId, agentId, userEmail, clientAddress, registeredDomain, firstSeen, lastSeen, minutes, queries,
                distinctSubdomains, reasons, examples, true);
    }

    public boolean activeAt(Instant now) {
        return lastSeen.plus(ACTIVE).isAfter(now);
    }

    /** Who, as an administrator reads it: the user, else the device, else the address. */
    public String who() {
        if (userEmail != null) {
            return userEmail;
        }
        return agentId != null ? "device " + agentId : "address " + clientAddress;
    }
}
