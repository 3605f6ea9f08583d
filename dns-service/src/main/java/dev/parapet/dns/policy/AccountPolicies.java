package dev.parapet.dns.policy;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import dev.parapet.dns.index.DomainSet;
import dev.parapet.kit.net.Cidr;
import dev.parapet.schemas.v1.common.Scope;
import dev.parapet.schemas.v1.exceptions.AccountExceptions;
import dev.parapet.schemas.v1.groups.ProfileGroup;
import dev.parapet.schemas.v1.policies.CategoryGroupSelection;
import dev.parapet.schemas.v1.policies.FilterAction;
import dev.parapet.schemas.v1.policies.LogMode;
import dev.parapet.schemas.v1.policies.Policy;
import dev.parapet.schemas.v1.policies.PolicyType;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.Reason;

/**
 * One account's filtering, compiled: domain and IP exceptions, and its enabled policies of each type,
 * ordered as docs/policies.md fixes (specificity user 4 > group 3 > location 2 > everyone 1, then
 * priority, then policy id). Immutable; a change compiles a new one. Deciding allocates nothing but
 * the verdict of a stopped or rewritten query.
 */
final class AccountPolicies {

    static final AccountPolicies NONE = new AccountPolicies(DomainSet.of(), List.of(), Map.of(), Map.of(), new Compiled[0],
            new Compiled[0], new Compiled[0], new Compiled[0]);

    /**
     * Who is asking, as far as policies care: the location, and the verified user with the directory groups
     * their token names.
     */
    record Asker(UUID locationId, String userEmail, Set<String> directoryGroups) {

        Asker(UUID locationId, String userEmail) {
            this(locationId, userEmail, Set.of());
        }
    }

    /** A compiled policy: its scope and the payload of its type. */
    record Compiled(UUID policyId, String name, boolean everyone, Set<String> users, Set<UUID> groups,
                    Set<UUID> locations, DomainSet blocked, DomainSet allowed, long categoryMask, boolean warn,
                    boolean safeSearch, boolean blockAnonymizers, boolean blockTunnels, LogMode logMode, Verdict[] listVerdicts) {

        Compiled(UUID policyId, String name, boolean everyone, Set<String> users, Set<UUID> groups, Set<UUID> locations,
                 DomainSet blocked, DomainSet allowed, long categoryMask, boolean warn, boolean safeSearch,
                 boolean blockAnonymizers, boolean blockTunnels, LogMode logMode) {
            this(policyId, name, everyone, users, groups, locations, blocked, allowed, categoryMask, warn, safeSearch,
                    blockAnonymizers, blockTunnels, logMode, listVerdictsOf(policyId, name));
        }

        /** A list policy's verdicts, made once: block and allow, for each log mode. */
        private static Verdict[] listVerdictsOf(UUID policyId, String name) {
            Verdict[] verdicts = new Verdict[LogMode.values().length * 2];
            for (LogMode mode : LogMode.values()) {
                verdicts[mode.ordinal() * 2] = new Verdict(Action.BLOCKED, Reason.BLOCK_LIST, policyId, name, 0, mode, null);
                verdicts[mode.ordinal() * 2 + 1] = new Verdict(Action.ALLOWED, Reason.ALLOW_LIST, policyId, name, 0, mode, null);
            }
            return verdicts;
        }

        Verdict listVerdict(boolean block, LogMode mode) {
            return listVerdicts[mode.ordinal() * 2 + (block ? 0 : 1)];
        }

        int specificity(Asker asker, Set<UUID> askerGroups) {
            if (asker.userEmail() != null && users.contains(asker.userEmail())) {
                return 4;
            }
            if (!groups.isEmpty()) {
                for (UUID group : askerGroups) {
                    if (groups.contains(group)) {
                        return 3;
                    }
                }
            }
            if (asker.locationId() != null && locations.contains(asker.locationId())) {
                return 2;
            }
            return everyone ? 1 : 0;
        }
    }

    private final DomainSet exceptions;
    private final List<Cidr> ipExceptions;
    private final Map<String, Set<UUID>> groupsOfUser;
    /** The profile groups each directory group belongs to, by the directory group's name. */
    private final Map<String, Set<UUID>> groupsOfDirectoryGroup;
    private final Compiled[] lists;
    private final Compiled[] categoryFilters;
    private final Compiled[] advanced;
    private final Compiled[] logSettings;

    private AccountPolicies(DomainSet exceptions, List<Cidr> ipExceptions, Map<String, Set<UUID>> groupsOfUser,
                            Map<String, Set<UUID>> groupsOfDirectoryGroup,
                            Compiled[] lists, Compiled[] categoryFilters, Compiled[] advanced, Compiled[] logSettings) {
        this.exceptions = exceptions;
        this.ipExceptions = ipExceptions;
        this.groupsOfUser = groupsOfUser;
        this.groupsOfDirectoryGroup = groupsOfDirectoryGroup;
        this.lists = lists;
        this.categoryFilters = categoryFilters;
        this.advanced = advanced;
        this.logSettings = logSettings;
    }

    static AccountPolicies compile(AccountExceptions exceptions, Collection<Policy> policies, Collection<ProfileGroup> groups,
                                   CategoryBits bits, CategoryState.Catalogue catalogue) {
        DomainSet exempt = exceptions == null ? DomainSet.of() : DomainSet.of(exceptions.getDomains().toArray(String[]::new));
        List<Cidr> exemptRanges = exceptions == null ? List.of() : exceptions.getIpRanges().stream()
                .flatMap(text -> Cidr.parse(text).cidr().stream()).toList();
        Map<String, Set<UUID>> groupsOfUser = new HashMap<>();
        for (ProfileGroup group : groups) {
            for (String email : group.getMemberEmails()) {
                groupsOfUser.computeIfAbsent(email.toLowerCase(java.util.Locale.ROOT), e -> new HashSet<>()).add(group.getGroupId());
            }
        }
        groupsOfUser.replaceAll((email, ids) -> Set.copyOf(ids));
        Map<String, Set<UUID>> groupsOfDirectoryGroup = new HashMap<>();
        for (ProfileGroup group : groups) {
            for (String directoryGroup : group.getDirectoryGroups()) {
                groupsOfDirectoryGroup.computeIfAbsent(directoryGroup, g -> new HashSet<>()).add(group.getGroupId());
            }
        }
        groupsOfDirectoryGroup.replaceAll((name, ids) -> Set.copyOf(ids));
        // No bit left for it (64 categories seen): no domain can be in it, and no other category is blocked instead.
        int anonymizersBit = bits.bitOf("anonymizers");
        long anonymizers = anonymizersBit < 0 ? 0 : 1L << anonymizersBit;
        Map<PolicyType, List<Compiled>> byType = new HashMap<>();
        List<Policy> ordered = policies.stream().filter(Policy::getEnabled)
                .sorted(Comparator.comparingInt(Policy::getPriority).thenComparing(p -> p.getPolicyId().toString()))
                .toList();
        for (Policy policy : ordered) {
            Compiled compiled = compileOne(policy, bits, catalogue, anonymizers);
            if (compiled != null) {
                byType.computeIfAbsent(policy.getType(), t -> new ArrayList<>()).add(compiled);
            }
        }
        return new AccountPolicies(exempt, exemptRanges, Map.copyOf(groupsOfUser), Map.copyOf(groupsOfDirectoryGroup),
                array(byType, PolicyType.BLOCK_ALLOW_LIST), array(byType, PolicyType.CATEGORY_FILTERING),
                array(byType, PolicyType.ADVANCED_SECURITY), array(byType, PolicyType.LOG_SETTINGS));
    }

    private static Compiled[] array(Map<PolicyType, List<Compiled>> byType, PolicyType type) {
        return byType.getOrDefault(type, List.of()).toArray(Compiled[]::new);
    }

    /** A policy whose payload is missing for its type (written by a newer schema) is ignored. */
    private static Compiled compileOne(Policy policy, CategoryBits bits, CategoryState.Catalogue catalogue, long anonymizers) {
        Scope scope = policy.getScope();
        DomainSet blocked = DomainSet.of();
        DomainSet allowed = DomainSet.of();
        long mask = 0;
        boolean warn = false;
        boolean safeSearch = false;
        boolean blockAnonymizers = false;
        boolean blockTunnels = false;
        LogMode logMode = LogMode.EVERYTHING;
        switch (policy.getType()) {
            case BLOCK_ALLOW_LIST -> {
                if (policy.getBlockAllowList() == null) {
                    return null;
                }
                blocked = DomainSet.of(policy.getBlockAllowList().getBlocked().toArray(String[]::new));
                allowed = DomainSet.of(policy.getBlockAllowList().getAllowed().toArray(String[]::new));
            }
            case CATEGORY_FILTERING -> {
                if (policy.getCategoryFiltering() == null) {
                    return null;
                }
                for (CategoryGroupSelection selection : policy.getCategoryFiltering().getGroups()) {
                    switch (selection.getMode()) {
                        case ALL -> mask |= bits.maskOf(catalogue.groupMembers().getOrDefault(selection.getGroupId(), List.of()));
                        case CUSTOM -> mask |= bits.maskOf(selection.getCategoryIds());
                        case NONE -> { }
                    }
                }
                warn = policy.getCategoryFiltering().getAction() == FilterAction.WARN;
            }
            case ADVANCED_SECURITY -> {
                if (policy.getAdvancedSecurity() == null) {
                    return null;
                }
                safeSearch = policy.getAdvancedSecurity().getEnforceSafeSearch();
                blockAnonymizers = policy.getAdvancedSecurity().getBlockAnonymizers();
                blockTunnels = policy.getAdvancedSecurity().getBlockDetectedTunnels();
                mask = blockAnonymizers ? anonymizers : 0;
            }
            case LOG_SETTINGS -> {
                if (policy.getLogSettings() == null) {
                    return null;
                }
                logMode = policy.getLogSettings().getMode();
            }
        }
        return new Compiled(policy.getPolicyId(), policy.getName(), scope.getEveryone(),
                Set.copyOf(scope.getUserEmails()), Set.copyOf(scope.getProfileGroupIds()), Set.copyOf(scope.getLocationIds()),
                blocked, allowed, mask, warn, safeSearch, blockAnonymizers, blockTunnels, logMode);
    }

    /** One Block List for everyone, nothing else: standalone mode. */
    static AccountPolicies blockingForEveryone(String name, DomainSet blocked) {
        Compiled list = new Compiled(new UUID(0, 1), name, true, Set.of(), Set.of(), Set.of(), blocked, DomainSet.of(), 0,
                false, false, false, false, LogMode.NOTHING);
        return new AccountPolicies(DomainSet.of(), List.of(), Map.of(), Map.of(), new Compiled[] {list}, new Compiled[0],
                new Compiled[0], new Compiled[0]);
    }

    boolean ipExcepted(InetAddress address) {
        for (Cidr range : ipExceptions) {
            if (range.contains(address)) {
                return true;
            }
        }
        return false;
    }

    boolean hasIpExceptions() {
        return !ipExceptions.isEmpty();
    }

    /** The verdict for a name, for an account with no detected tunnels held (tests, tools). */
    Verdict decide(byte[] name, int length, Asker asker, CategoryState categories, boolean rewrite) {
        return decide(name, length, asker, categories, null, null, rewrite);
    }

    /**
     * The verdict for a name (lower-case ASCII, no trailing dot) asked by someone.
     *
     * @param name       the name's bytes
     * @param categories the category state, consulted only when a category or anonymiser policy applies
     * @param tunnels    the detected tunnels, consulted only when an Advanced Security policy blocking them applies
     * @param accountId  the account these policies are (to look its detected tunnels up)
     * @param rewrite    whether SafeSearch may rewrite (false when checking a CNAME target)
     */
    Verdict decide(byte[] name, int length, Asker asker, CategoryState categories, TunnelBlocks tunnels, UUID accountId,
                   boolean rewrite) {
        if (exceptions.match(name, 0, length) >= 0) {
            return Verdict.EXCEPTION;
        }
        Set<UUID> askerGroups = groupsOf(asker);
        LogMode logMode = logMode(asker, askerGroups);
        for (int level = 4; level >= 1; level--) {
            for (Compiled policy : lists) {
                if (policy.specificity(asker, askerGroups) != level) {
                    continue;
                }
                int blocked = policy.blocked().match(name, 0, length);
                int allowed = policy.allowed().match(name, 0, length);
                if (blocked < 0 && allowed < 0) {
                    continue;
                }
                // The more specific listed domain (starting further left, i.e. the longer) wins.
                boolean block = allowed < 0 || (blocked >= 0 && blocked < allowed);
                return policy.listVerdict(block, logMode);
            }
        }
        Compiled filter = first(categoryFilters, asker, askerGroups);
        Compiled security = first(advanced, asker, askerGroups);
        // A detected tunnel is blocked before categories: a block beats a category's warning, and the reason says why.
        if (security != null && security.blockTunnels() && tunnels != null
                && tunnels.covering(accountId, name, length, System.currentTimeMillis()) != null) {
            return new Verdict(Action.BLOCKED, Reason.TUNNEL, security.policyId(), security.name(), 0, logMode, null);
        }
        long mask = (filter == null ? 0 : filter.categoryMask()) | (security == null ? 0 : security.categoryMask());
        if (mask != 0) {
            long of = categories == null ? 0 : categories.categoriesOf(name, 0, length);
            if (filter != null && (of & filter.categoryMask()) != 0) {
                return new Verdict(filter.warn() ? Action.WARNED : Action.BLOCKED, Reason.CATEGORY,
                        filter.policyId(), filter.name(), of & filter.categoryMask(), logMode, null);
            }
            if (security != null && (of & security.categoryMask()) != 0) {
                return new Verdict(Action.BLOCKED, Reason.ANONYMIZER, security.policyId(), security.name(),
                        of & security.categoryMask(), logMode, null);
            }
        }
        if (rewrite && security != null && security.safeSearch()) {
            String safeHost = SafeSearch.hostFor(new String(name, 0, length, StandardCharsets.US_ASCII));
            if (safeHost != null) {
                return new Verdict(Action.SAFESEARCH_REWRITTEN, Reason.SAFESEARCH, security.policyId(), security.name(), 0,
                        logMode, safeHost);
            }
        }
        return Verdict.defaultAllow(logMode);
    }

    /** Why this verdict was reached (see {@link Snapshot.Explanation}). */
    Snapshot.Explanation explain(byte[] name, int length, Asker asker, Verdict verdict) {
        Set<UUID> askerGroups = groupsOf(asker);
        List<String> groupIds = askerGroups.stream().map(UUID::toString).sorted().toList();
        String text = new String(name, 0, length, StandardCharsets.US_ASCII);
        if (verdict.bypasses()) {
            return new Snapshot.Explanation(text.substring(exceptions.match(name, 0, length)), "domain exception", groupIds);
        }
        for (Compiled[] policies : List.of(lists, categoryFilters, advanced)) {
            for (Compiled policy : policies) {
                if (!policy.policyId().equals(verdict.policyId())) {
                    continue;
                }
                String matched = null;
                if (verdict.reason() == Reason.BLOCK_LIST) {
                    matched = text.substring(policy.blocked().match(name, 0, length));
                } else if (verdict.reason() == Reason.ALLOW_LIST) {
                    matched = text.substring(policy.allowed().match(name, 0, length));
                }
                String via = switch (policy.specificity(asker, askerGroups)) {
                    case 4 -> "user";
                    case 3 -> "profile group";
                    case 2 -> "location";
                    default -> "everyone";
                };
                return new Snapshot.Explanation(matched, via, groupIds);
            }
        }
        return new Snapshot.Explanation(null, null, groupIds);
    }

    /**
     * The profile groups of a verified user: those that list their address, and those that name a directory
     * group of theirs. Nothing is allocated for a user without directory groups.
     */
    private Set<UUID> groupsOf(Asker asker) {
        if (asker.userEmail() == null) {
            return Set.of();
        }
        Set<UUID> byAddress = groupsOfUser.getOrDefault(asker.userEmail(), Set.of());
        if (asker.directoryGroups().isEmpty() || groupsOfDirectoryGroup.isEmpty()) {
            return byAddress;
        }
        Set<UUID> all = null;
        for (String directoryGroup : asker.directoryGroups()) {
            Set<UUID> ids = groupsOfDirectoryGroup.get(directoryGroup);
            if (ids != null) {
                if (all == null) {
                    all = new HashSet<>(byAddress);
                }
                all.addAll(ids);
            }
        }
        return all == null ? byAddress : all;
    }

    private LogMode logMode(Asker asker, Set<UUID> askerGroups) {
        Compiled settings = first(logSettings, asker, askerGroups);
        return settings == null ? LogMode.EVERYTHING : settings.logMode();
    }

    /** The applying policy of highest specificity, the earliest (priority, id) among equals. */
    private static Compiled first(Compiled[] policies, Asker asker, Set<UUID> askerGroups) {
        Compiled best = null;
        int bestLevel = 0;
        for (Compiled policy : policies) {
            int level = policy.specificity(asker, askerGroups);
            if (level > bestLevel) {
                best = policy;
                bestLevel = level;
            }
        }
        return best;
    }
}
