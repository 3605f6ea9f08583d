package dev.parapet.dns.pages;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.springframework.stereotype.Component;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * What the resolver last did to a name for a client, so that the block-page server, reached at the
 * block-page address the resolver answered with, can tell the user which name was blocked (or warned
 * about), why, by which policy and in which category, and which account's certificate to present.
 * Bounded: at most {@value #MAX_NOTICES} notices, each kept {@link #KEPT}.
 */
@Component
public class BlockNotices {

    static final int MAX_NOTICES = 200_000;
    static final Duration KEPT = Duration.ofMinutes(30);

    public enum Kind {
        BLOCKED, WARNED
    }

    /**
     * @param client     the client's address as text (the DNS source address, or the DoH client's)
     * @param name       the queried name, normalised (lower case, no trailing dot)
     * @param categories the names of the categories that decided (empty for a list)
     * @param userEmail  the signed-in user the query named, if any (whom an access request asks for)
     * @param agentId    the agent (device) the query came from, if any
     * @param locationId the location the client's address belongs to, if any
     */
    public record Notice(Kind kind, UUID accountId, String client, String name, String reason, String policyName,
                         List<String> categories, Instant at, String userEmail, UUID agentId, UUID locationId) {

        /** A notice for a client known only by its address. */
        public Notice(Kind kind, UUID accountId, String client, String name, String reason, String policyName,
                      List<String> categories, Instant at) {
            this(kind, accountId, client, name, reason, policyName, categories, at, null, null, null);
        }

        /** The same notice for another name (a subdomain the notice of its parent covers). */
        public Notice withName(String other) {
            return other.equals(name) ? this
                    : new Notice(kind, accountId, client, other, reason, policyName, categories, at, userEmail, agentId, locationId);
        }
    }

    private final Cache<String, Notice> notices = Caffeine.newBuilder()
            .maximumSize(MAX_NOTICES).expireAfterWrite(KEPT).build();

    /**
     * A client address as notices key it: the plain address text, without an IPv6 scope, so that the
     * resolver and the block-page server, which see the same client through different sockets, agree.
     */
    public static String client(InetAddress address) {
        if (!(address instanceof java.net.Inet6Address v6) || v6.getScopeId() == 0 && v6.getScopedInterface() == null) {
            return address.getHostAddress();
        }
        try {
            return InetAddress.getByAddress(address.getAddress()).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("Not an IP address", e);
        }
    }

    /**
     * Where notices come from when none was recorded: the resolver decides again for the client and
     * name (port 53 clients are known by their address, so nothing needs recording on their fast path).
     */
    private volatile java.util.function.BiFunction<String, String, Optional<Notice>> fallback = (client, name) -> Optional.empty();

    public void fallback(java.util.function.BiFunction<String, String, Optional<Notice>> decider) {
        this.fallback = decider;
    }

    public void record(Notice notice) {
        notices.put(key(notice.client(), notice.name()), notice);
    }

    /**
     * Records a notice unless one from the same policy, for the same client and name, is less than a
     * minute old: the resolver calls this for every stopped A or AAAA query over DoH, and a busy client
     * asks again and again.
     */
    public void recordIfNew(String client, String name, String policyName, java.util.function.Supplier<Notice> notice) {
        String key = key(client, name);
        Notice known = notices.getIfPresent(key);
        if (known != null && java.util.Objects.equals(known.policyName(), policyName)
                && known.at().isAfter(Instant.now().minusSeconds(60))) {
            return;
        }
        notices.put(key, notice.get());
    }

    /** The notice for this client and name, or else for the nearest parent domain of the name. */
    public Optional<Notice> find(String client, String name) {
        String candidate = name;
        while (true) {
            Notice notice = notices.getIfPresent(key(client, candidate));
            if (notice != null) {
                return Optional.of(notice);
            }
            int dot = candidate.indexOf('.');
            if (dot < 0) {
                return fallback.apply(client, name);
            }
            candidate = candidate.substring(dot + 1);
        }
    }

    private static String key(String client, String name) {
        return client + '|' + name;
    }
}
