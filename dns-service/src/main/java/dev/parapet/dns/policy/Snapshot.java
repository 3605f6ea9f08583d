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
 * configuration changes, so a query sees one consistent configuration. (Domain categories live in
 * {@link CategoryState}, swapped on their own.)
 */
public final class Snapshot {

    /**
     * Who is asking.
     *
     * @param locationId the location (port 53: the source's range), or null
     * @param agentId    the agent (DoH), or null
     * @param userEmail  the signed-in user the agent named (lower case), or null
     */
    public record Attribution(UUID accountId, UUID locationId, UUID agentId, String userEmail) {
    }

    /** One location range, for longest-prefix matching. */
    record Range(Cidr cidr, UUID accountId, UUID locationId) {
    }

    static final Snapshot EMPTY = new Snapshot(List.of(), Map.of(), null);

    private final Range[] ranges;
    private final Map<UUID, AccountPolicies> accounts;
    private final CategoryState categories;

    Snapshot(List<Range> ranges, Map<UUID, AccountPolicies> accounts, CategoryState categories) {
        this.ranges = ranges.stream().sorted(Comparator.comparingInt((Range r) -> -r.cidr().prefixLength()))
                .toArray(Range[]::new);
        this.accounts = Map.copyOf(accounts);
        this.categories = categories;
    }

    /** The location whose range holds the address, the longest prefix first; empty: nobody's (REFUSED). */
    public Optional<Attribution> locate(InetAddress source) {
        for (Range range : ranges) {
            if (range.cidr().contains(source)) {
                return Optional.of(new Attribution(range.accountId(), range.locationId(), null, null));
            }
        }
        return Optional.empty();
    }

    /** The verdict for a name (lower-case ASCII bytes, no trailing dot). */
    public Verdict decide(Attribution who, byte[] name, int length) {
        return policies(who).decide(name, length, asker(who), categories, true);
    }

    /** The verdict for a name that an answer's CNAME leads to: no rewriting, only whether it is stopped. */
    public Verdict decideTarget(Attribution who, byte[] name, int length) {
        return policies(who).decide(name, length, asker(who), categories, false);
    }

    /** The category bits of a name (its own, or its nearest categorised parent's). */
    public long categoriesOf(byte[] name, int length) {
        return categories == null ? 0 : categories.categoriesOf(name, 0, length);
    }

    /** How a verdict for a name came about (see {@link AccountPolicies#explain}). */
    public String[] explain(Attribution who, byte[] name, int length, Verdict verdict) {
        AccountPolicies.Explanation explanation = policies(who).explain(name, length, asker(who), verdict);
        return new String[] {explanation.matchedDomain(), explanation.appliedVia(), String.join(",", explanation.groups())};
    }

    /** The location of an account by id, if the account has it. */
    public boolean hasLocation(UUID accountId, UUID locationId) {
        for (Range range : ranges) {
            if (range.accountId().equals(accountId) && range.locationId().equals(locationId)) {
                return true;
            }
        }
        return false;
    }

    /** Whether an address in an answer falls in one of the account's IP exceptions. */
    public boolean ipExcepted(Attribution who, InetAddress address) {
        return policies(who).ipExcepted(address);
    }

    public boolean hasIpExceptions(Attribution who) {
        return policies(who).hasIpExceptions();
    }

    private AccountPolicies policies(Attribution who) {
        return accounts.getOrDefault(who.accountId(), AccountPolicies.NONE);
    }

    private static AccountPolicies.Asker asker(Attribution who) {
        return new AccountPolicies.Asker(who.locationId(), who.userEmail());
    }
}
