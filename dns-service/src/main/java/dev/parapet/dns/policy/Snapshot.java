package dev.parapet.dns.policy;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import dev.parapet.kit.net.Cidr;
import dev.parapet.schemas.v1.exceptions.AccountExceptions;
import dev.parapet.schemas.v1.groups.ProfileGroup;
import dev.parapet.schemas.v1.locations.Location;
import dev.parapet.schemas.v1.policies.Policy;

/**
 * Everything the resolver needs to decide, at one moment: which location (and so which account) a
 * source address, or a location's own DoH secret or DoT host name, belongs to, and each account's compiled policies. Immutable; swapped whole when
 * configuration changes, so a query sees one consistent configuration. (Domain categories live in
 * {@link CategoryState}, swapped on their own.)
 */
public final class Snapshot {

    /**
     * Who is asking.
     *
     * @param locationId the location (port 53: the source's range), or null
     * @param agentId    the agent (DoH), or null
     * @param userEmail  the signed-in user whose token dns-service verified (lower case), or null
     * @param directoryGroups the directory groups that user's verified token names (empty for none)
     */
    public record Attribution(UUID accountId, UUID locationId, UUID agentId, String userEmail, Set<String> directoryGroups) {

        public Attribution(UUID accountId, UUID locationId, UUID agentId, String userEmail) {
            this(accountId, locationId, agentId, userEmail, Set.of());
        }
    }

    /** One location range, for longest-prefix matching. */
    record Range(Cidr cidr, UUID accountId, UUID locationId) {
    }

    static final Snapshot EMPTY = new Snapshot(List.of(), Map.of(), null);

    private final LocationEndpointIndex endpoints;
    private final Range[] ranges;
    /** IPv4 ranges by prefix length, longest first: a hash lookup per length instead of a scan of every range. */
    private final int[] ipv4Lengths;
    private final List<Map<Integer, Attribution>> ipv4ByLength;
    private final Map<UUID, AccountPolicies> accounts;
    private final CategoryState categories;
    private final TunnelBlocks tunnels;

    Snapshot(List<Range> ranges, Map<UUID, AccountPolicies> accounts, CategoryState categories) {
        this(ranges, LocationEndpointIndex.EMPTY, accounts, categories, null);
    }

    Snapshot(List<Range> ranges, LocationEndpointIndex endpoints, Map<UUID, AccountPolicies> accounts, CategoryState categories) {
        this(ranges, endpoints, accounts, categories, null);
    }

    Snapshot(List<Range> ranges, LocationEndpointIndex endpoints, Map<UUID, AccountPolicies> accounts, CategoryState categories,
             TunnelBlocks tunnels) {
        this.endpoints = endpoints;
        this.ranges = ranges.stream().sorted(Comparator.comparingInt((Range r) -> -r.cidr().prefixLength()))
                .toArray(Range[]::new);
        java.util.TreeMap<Integer, Map<Integer, Attribution>> byLength = new java.util.TreeMap<>(Comparator.reverseOrder());
        for (Range range : this.ranges) {
            if (range.cidr().network() instanceof Inet4Address network) {
                byLength.computeIfAbsent(range.cidr().prefixLength(), length -> new java.util.HashMap<>())
                        .putIfAbsent(ipv4(network) & mask(range.cidr().prefixLength()),
                                new Attribution(range.accountId(), range.locationId(), null, null));
            }
        }
        this.ipv4Lengths = byLength.keySet().stream().mapToInt(Integer::intValue).toArray();
        this.ipv4ByLength = List.copyOf(byLength.values());
        this.accounts = Map.copyOf(accounts);
        this.categories = categories;
        this.tunnels = tunnels;
    }

    /**
     * A snapshot of these records alone, without categories: for tests and tools that decide without
     * Kafka. Policies, groups and exceptions are grouped by their account as ResolverState does.
     */
    public static Snapshot of(Collection<Location> locations, Collection<AccountExceptions> exceptions,
                              Collection<Policy> policies, Collection<ProfileGroup> groups) {
        Map<UUID, AccountExceptions> exceptionsByAccount = new java.util.HashMap<>();
        exceptions.forEach(each -> exceptionsByAccount.put(each.getAccountId(), each));
        java.util.Set<UUID> accountIds = new java.util.HashSet<>(exceptionsByAccount.keySet());
        policies.forEach(policy -> accountIds.add(policy.getAccountId()));
        groups.forEach(group -> accountIds.add(group.getAccountId()));
        CategoryBits bits = new CategoryBits();
        Map<UUID, AccountPolicies> accounts = new java.util.HashMap<>();
        for (UUID account : accountIds) {
            accounts.put(account, AccountPolicies.compile(exceptionsByAccount.get(account),
                    policies.stream().filter(policy -> policy.getAccountId().equals(account)).toList(),
                    groups.stream().filter(group -> group.getAccountId().equals(account)).toList(),
                    bits, CategoryState.Catalogue.EMPTY));
        }
        return new Snapshot(ResolverState.attributing(locations), accounts, null);
    }

    /** This snapshot with one account's policies replaced (a policy preview's proposed configuration). */
    Snapshot withAccount(UUID accountId, AccountPolicies policies) {
        Map<UUID, AccountPolicies> next = new java.util.HashMap<>(accounts);
        next.put(accountId, policies);
        return new Snapshot(List.of(ranges), endpoints, next, categories, tunnels);
    }

    private static int ipv4(InetAddress address) {
        byte[] bytes = address.getAddress();
        return (bytes[0] & 0xff) << 24 | (bytes[1] & 0xff) << 16 | (bytes[2] & 0xff) << 8 | (bytes[3] & 0xff);
    }

    private static int mask(int prefixLength) {
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    /** The location whose range holds the address, the longest prefix first; empty: nobody's (REFUSED). */
    public Optional<Attribution> locate(InetAddress source) {
        if (source instanceof Inet4Address) {
            int address = ipv4(source);
            for (int i = 0; i < ipv4Lengths.length; i++) {
                Attribution found = ipv4ByLength.get(i).get(address & mask(ipv4Lengths[i]));
                if (found != null) {
                    return Optional.of(found);
                }
            }
            return Optional.empty();
        }
        for (Range range : ranges) {
            if (range.cidr().contains(source)) {
                return Optional.of(new Attribution(range.accountId(), range.locationId(), null, null));
            }
        }
        return Optional.empty();
    }

    /**
     * The location whose own DoH path this secret is ({@code /dns-query/l/<secret>}), whatever the source address;
     * empty for anything else. Only a string of the issued shape (32 base64url characters) is hashed and
     * looked up; a hash-map lookup of its SHA-256 tells a caller nothing by its timing.
     */
    public Optional<Attribution> locateByDohSecret(String secret) {
        return endpoints.byDohSecret(secret);
    }

    /**
     * The location whose own DoT host name a client asked for (the TLS SNI): {@code <label>.<location DoT domain>},
     * any case, one label before the domain; empty for any other name.
     */
    public Optional<Attribution> locateByDotHost(String sniHostName) {
        return endpoints.byDotHost(sniHostName);
    }

    /** The verdict for a name (lower-case ASCII bytes, no trailing dot). */
    public Verdict decide(Attribution who, byte[] name, int length) {
        return policies(who).decide(name, length, asker(who), categories, tunnels, who.accountId(), true);
    }

    /** The verdict for a name that an answer's CNAME leads to: no rewriting, only whether it is stopped. */
    public Verdict decideTarget(Attribution who, byte[] name, int length) {
        return policies(who).decide(name, length, asker(who), categories, tunnels, who.accountId(), false);
    }

    /** The category bits of a name (its own, or its nearest categorised parent's). */
    public long categoriesOf(byte[] name, int length) {
        return categories == null ? 0 : categories.categoriesOf(name, 0, length);
    }

    /**
     * Why a verdict was reached, for administrators: the listed domain that matched (a domain exception
     * or a Block or Allow List entry), how the deciding policy applied (user, profile group, location,
     * everyone), and the user's profile groups.
     */
    public record Explanation(String matchedDomain, String appliedVia, List<String> groups) {
    }

    /** How a verdict for a name came about. */
    public Explanation explain(Attribution who, byte[] name, int length, Verdict verdict) {
        return policies(who).explain(name, length, asker(who), verdict);
    }

    /** The location of an account by id, if the account has it (by a range or by its encrypted-DNS endpoints). */
    public boolean hasLocation(UUID accountId, UUID locationId) {
        if (endpoints.has(accountId, locationId)) {
            return true;
        }
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
        return new AccountPolicies.Asker(who.locationId(), who.userEmail(), who.directoryGroups());
    }
}
