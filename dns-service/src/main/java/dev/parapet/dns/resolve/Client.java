package dev.parapet.dns.resolve;

import java.net.InetAddress;
import java.util.Set;

import dev.parapet.dns.policy.Snapshot;
import dev.parapet.kit.agents.AgentCredentialVerifier.AgentIdentity;
import dev.parapet.kit.users.UserNames;
import dev.parapet.schemas.v1.verdicts.Transport;

/**
 * Who sent a query, as the listener knows it.
 *
 * @param address   the source address (port 53) or the HTTP client's address (DoH)
 * @param transport UDP, TCP or DoH
 * @param agent     the agent whose credential authenticated a DoH query, else null
 * @param userEmail the signed-in user whose token was verified (lower case), else null
 * @param directoryGroups the directory groups that verified token names, else empty
 * @param location  the location the listener already attributed the query to, whatever its source address (it came
 *                  on the location's own DoH path or DoT host name), else null; the resolver decides for this
 *                  location and its account, as for a query from one of its ranges
 */
public record Client(InetAddress address, Transport transport, AgentIdentity agent, String userEmail, Set<String> directoryGroups,
                     Snapshot.Attribution location) {

    public Client(InetAddress address, Transport transport, AgentIdentity agent, String userEmail, Set<String> directoryGroups) {
        this(address, transport, agent, userEmail, directoryGroups, null);
    }

    public Client(InetAddress address, Transport transport, AgentIdentity agent, String userEmail) {
        this(address, transport, agent, userEmail, Set.of());
    }

    /** A query on a location's own encrypted-DNS endpoint: attributed to it, no agent, no user. */
    public static Client atLocation(InetAddress address, Transport transport, Snapshot.Attribution location) {
        return new Client(address, transport, null, null, Set.of(), java.util.Objects.requireNonNull(location));
    }

    public static Client of(InetAddress address, Transport transport) {
        return new Client(address, transport, null, null);
    }

    /**
     * A signed-in user's name as policies key it (lower case), null for none given; refused (an
     * {@link IllegalArgumentException}) when it is not an email address.
     */
    public static String userEmail(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        return UserNames.normalise(text).orElseThrow(() -> new IllegalArgumentException("not an email address"));
    }

    /** The client's address as text: the key of block notices and warning allowances (as the page server writes it). */
    public String addressText() {
        return dev.parapet.dns.pages.BlockNotices.client(address);
    }
}
