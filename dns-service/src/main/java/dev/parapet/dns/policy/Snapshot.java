package dev.parapet.dns.policy;

import java.net.InetAddress;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import dev.parapet.kit.net.Cidr;

/**
 * Everything the resolver needs to decide, at one moment: which location (and so which account) a
 * source address belongs to, and each account's compiled policies. Immutable; swapped whole when
 * configuration changes, so a query sees one consistent configuration.
 */
public final class Snapshot {

    /** Who is asking: the account, and the location on port 53. */
    public record Attribution(UUID accountId, UUID locationId) {
    }

    /** One location range, for longest-prefix matching. */
    record Range(Cidr cidr, UUID accountId, UUID locationId) {
    }

    static final Snapshot EMPTY = new Snapshot(List.of(), Map.of());

    private final List<Range> ranges;
    private final Map<UUID, AccountPolicies> accounts;

    Snapshot(List<Range> ranges, Map<UUID, AccountPolicies> accounts) {
        this.ranges = ranges.stream().sorted(Comparator.comparingInt((Range r) -> -r.cidr().prefixLength())).toList();
        this.accounts = Map.copyOf(accounts);
    }

    /** The location whose range holds the address, the longest prefix first; empty: nobody's (REFUSED). */
    public Optional<Attribution> locate(InetAddress source) {
        for (Range range : ranges) {
            if (range.cidr().contains(source)) {
                return Optional.of(new Attribution(range.accountId(), range.locationId()));
            }
        }
        return Optional.empty();
    }

    public Verdict decide(Attribution who, byte[] name, int length) {
        return accounts.getOrDefault(who.accountId(), AccountPolicies.NONE).decide(name, length, who.locationId());
    }
}
