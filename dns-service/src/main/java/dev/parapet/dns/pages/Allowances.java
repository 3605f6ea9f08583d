package dev.parapet.dns.pages;

import java.time.Duration;
import java.util.UUID;

import org.springframework.stereotype.Component;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;

/**
 * Short-lived permissions, granted when a user chooses "Continue" on a warning page, for one client
 * of one account to resolve one name (and its subdomains) that a WARN policy would otherwise stop.
 * The resolver asks only when a verdict is WARN. Bounded.
 */
@Component
public class Allowances {

    static final int MAX_ALLOWANCES = 100_000;

    private record Grant(long expiresAtNanos) {
    }

    private final Cache<String, Grant> grants = Caffeine.newBuilder()
            .maximumSize(MAX_ALLOWANCES)
            .expireAfter(new Expiry<String, Grant>() {
                @Override
                public long expireAfterCreate(String key, Grant grant, long now) {
                    return Math.max(0, grant.expiresAtNanos() - now);
                }

                @Override
                public long expireAfterUpdate(String key, Grant grant, long now, long current) {
                    return Math.max(0, grant.expiresAtNanos() - now);
                }

                @Override
                public long expireAfterRead(String key, Grant grant, long now, long current) {
                    return current;
                }
            })
            .build();

    /** Lets {@code client} of {@code account} resolve {@code name} (normalised) and its subdomains for {@code ttl}. */
    public void grant(UUID account, String client, String name, Duration ttl) {
        grants.put(key(account, client, name), new Grant(System.nanoTime() + ttl.toNanos()));
    }

    /** Whether a grant covers the name (or a parent of it) for this client of this account. */
    public boolean allows(UUID account, String client, String name) {
        if (grants.estimatedSize() == 0) {
            return false;
        }
        String candidate = name;
        while (true) {
            Grant grant = grants.getIfPresent(key(account, client, candidate));
            if (grant != null && grant.expiresAtNanos() - System.nanoTime() > 0) {
                return true;
            }
            int dot = candidate.indexOf('.');
            if (dot < 0) {
                return false;
            }
            candidate = candidate.substring(dot + 1);
        }
    }

    private static String key(UUID account, String client, String name) {
        return account + "|" + client + '|' + name;
    }
}
