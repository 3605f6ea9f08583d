package dev.parapet.dns.policy;

import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.specific.SpecificRecord;

import dev.parapet.schemas.v1.access.AccessRequest;
import dev.parapet.schemas.v1.access.AccessRequestStatus;
import dev.parapet.schemas.v1.access.AccessRequester;

/**
 * Approved access requests, followed from {@code parapet.access-requests.v1}: a name (and its subdomains) allowed for
 * one requester only (the signed-in user, else the device, else the client address) until a time, after which it
 * simply stops applying. Consulted only for a query a policy stops, so the resolver's allowed path never pays for it.
 */
public final class AccessGrants {

    /** One approved request. */
    public record Grant(UUID requestId, UUID accountId, String name, String userEmail, UUID agentId, String clientAddress,
                        Instant until, String decidedBy) {

        /** Whether the allow covers this (normalised) name: the name itself or a subdomain of it. */
        public boolean covers(String queried) {
            return queried.equals(name) || queried.length() > name.length() && queried.endsWith(name)
                    && queried.charAt(queried.length() - name.length() - 1) == '.';
        }

        /** Whether the allow is this client's: the user it was asked for, else the device, else the address. */
        public boolean isFor(String user, UUID agent, String address) {
            if (userEmail != null) {
                return userEmail.equals(user);
            }
            if (agentId != null) {
                return agentId.equals(agent);
            }
            return clientAddress != null && clientAddress.equals(address);
        }
    }

    private final Map<UUID, Map<UUID, Grant>> byAccount = new ConcurrentHashMap<>();

    /** One record of the topic: an approved request is held until it is declined, removed or replaced. */
    public void apply(String key, SpecificRecord value) {
        if (value instanceof AccessRequest request) {
            Map<UUID, Grant> ofAccount = byAccount.computeIfAbsent(request.getAccountId(), a -> new ConcurrentHashMap<>());
            if (request.getStatus() == AccessRequestStatus.APPROVED && request.getAllowUntil() != null && request.getRequester() != null) {
                AccessRequester requester = request.getRequester();
                ofAccount.put(request.getRequestId(), new Grant(request.getRequestId(), request.getAccountId(), request.getName(),
                        requester.getUserEmail(), requester.getAgentId(), requester.getClientAddress(), request.getAllowUntil(),
                        request.getDecidedBy()));
            } else {
                ofAccount.remove(request.getRequestId());
            }
        } else if (value == null && key != null && key.indexOf('/') > 0) {
            try {
                Map<UUID, Grant> ofAccount = byAccount.get(UUID.fromString(key.substring(0, key.indexOf('/'))));
                if (ofAccount != null) {
                    ofAccount.remove(UUID.fromString(key.substring(key.indexOf('/') + 1)));
                }
            } catch (IllegalArgumentException notOurs) {
                // a key that is not accountId/requestId names nothing held here
            }
        }
    }

    /**
     * The grant that allows {@code name} to this client of the account now, if any. An ended grant met on the way is
     * dropped, so what is held (and scanned for each stopped query) stays the approvals still running.
     */
    public Optional<Grant> find(UUID accountId, String userEmail, UUID agentId, String clientAddress, String name, Instant now) {
        Map<UUID, Grant> ofAccount = byAccount.get(accountId);
        if (ofAccount == null || ofAccount.isEmpty()) {
            return Optional.empty();
        }
        for (Iterator<Grant> grants = ofAccount.values().iterator(); grants.hasNext(); ) {
            Grant grant = grants.next();
            if (!grant.until().isAfter(now)) {
                grants.remove();
            } else if (grant.covers(name) && grant.isFor(userEmail, agentId, clientAddress)) {
                return Optional.of(grant);
            }
        }
        return Optional.empty();
    }

    /** Approved requests held (an ended one until a stopped query of its account meets it). */
    public int size() {
        return byAccount.values().stream().mapToInt(Map::size).sum();
    }
}
