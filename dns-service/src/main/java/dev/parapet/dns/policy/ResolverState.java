package dev.parapet.dns.policy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.specific.SpecificRecord;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.stereotype.Component;

import dev.parapet.dns.Standalone;
import dev.parapet.dns.index.DomainSet;
import dev.parapet.kit.kafka.RegistryProperties;
import dev.parapet.kit.net.Cidr;
import dev.parapet.kit.state.FollowedState;
import dev.parapet.kit.state.TopicFollower;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.exceptions.AccountExceptions;
import dev.parapet.schemas.v1.groups.ProfileGroup;
import dev.parapet.schemas.v1.locations.Location;
import dev.parapet.schemas.v1.policies.Policy;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The configuration the resolver decides with, followed from Kafka (locations, with their ranges and
 * their own encrypted-DNS endpoints, policies, exceptions)
 * and compiled into an immutable {@link Snapshot}: after each batch of changes only the accounts that
 * changed are compiled again, and the new snapshot replaces the old one in one volatile write.
 */
@Component
public class ResolverState extends FollowedState {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ResolverState.class);

    private final Map<String, Location> locations = new ConcurrentHashMap<>();
    private final Map<UUID, Map<UUID, Policy>> policies = new ConcurrentHashMap<>();
    private final Map<UUID, AccountExceptions> exceptions = new ConcurrentHashMap<>();
    private final Map<UUID, Map<UUID, ProfileGroup>> groups = new ConcurrentHashMap<>();
    private final Map<UUID, AccountPolicies> compiled = new ConcurrentHashMap<>();
    private final Set<UUID> dirtyAccounts = ConcurrentHashMap.newKeySet();
    private volatile boolean locationsDirty = true;
    private volatile List<Snapshot.Range> ranges = List.of();
    private volatile LocationEndpointIndex endpoints = LocationEndpointIndex.EMPTY;
    private final String dotDomain;
    private volatile Snapshot snapshot = Snapshot.EMPTY;
    private final TopicFollower follower;
    /** Approved access requests: a stopped name allowed for one requester until a time. */
    private final AccessGrants grants = new AccessGrants();
    /** The registered domains found tunnelled through, for the accounts whose Advanced Security blocks them. */
    private final TunnelBlocks tunnels = new TunnelBlocks();
    private final CategoryState categories;
    private final CategoryBits bits;

    private final boolean standalone;

    public ResolverState(KafkaProperties kafka, RegistryProperties registry, MeterRegistry meters, CategoryState categories,
                         CategoryBits bits, Standalone standalone) throws IOException {
        this(kafka, registry, meters, categories, bits, standalone,
                new LocationEndpointProperties(LocationEndpointProperties.DEFAULT_DOT_DOMAIN));
    }

    @org.springframework.beans.factory.annotation.Autowired
    public ResolverState(KafkaProperties kafka, RegistryProperties registry, MeterRegistry meters, CategoryState categories,
                         CategoryBits bits, Standalone standalone, LocationEndpointProperties locationEndpoints) throws IOException {
        this.dotDomain = locationEndpoints.dotDomain();
        this.standalone = standalone.enabled();
        if (this.standalone) {
            long started = System.nanoTime();
            DomainSet blocked = standalone.load();
            UUID account = new UUID(0, 0);
            UUID location = new UUID(0, 1);
            snapshot = new Snapshot(standalone.clients().stream().flatMap(text -> Cidr.parse(text).cidr().stream())
                    .map(cidr -> new Snapshot.Range(cidr, account, location)).toList(),
                    Map.of(account, AccountPolicies.blockingForEveryone("Standalone block list", blocked)), null);
            LOG.info("standalone: {} domains from {} loaded in {} ms ({} bytes/domain in the index)", blocked.size(),
                    standalone.blocklist(), (System.nanoTime() - started) / 1_000_000,
                    blocked.size() == 0 ? 0 : blocked.footprintBytes() / blocked.size());
        }
        this.categories = categories;
        this.bits = bits;
        categories.onCatalogueChange(() -> dirtyAccounts.addAll(compiled.keySet()));
        this.follower = new TopicFollower("resolver-state", kafka.buildConsumerProperties(), registry.url(), meters, List.of(
                new TopicFollower.Subscription(Topics.LOCATIONS.name(), true, this::onLocation),
                new TopicFollower.Subscription(Topics.POLICIES.name(), true, this::onPolicy),
                new TopicFollower.Subscription(Topics.EXCEPTIONS.name(), true, this::onExceptions),
                new TopicFollower.Subscription(Topics.PROFILE_GROUPS.name(), true, this::onGroup),
                new TopicFollower.Subscription(Topics.ACCESS_REQUESTS.name(), true, grants::apply),
                new TopicFollower.Subscription(Topics.TUNNEL_DETECTIONS.name(), true, tunnels::apply)),
                this::publish);
    }

    public Snapshot snapshot() {
        return snapshot;
    }

    /**
     * The snapshot as it would be with one policy of an account changed: {@code proposed} added or replacing the
     * policy of its id, and {@code removed} (if not null) gone; compiled exactly as a change read from Kafka is,
     * with the account's exceptions, groups and the categories now held. Nothing is kept: the resolver goes on
     * deciding with {@link #snapshot()}.
     */
    public Snapshot proposing(UUID accountId, Policy proposed, UUID removed) {
        Map<UUID, Policy> next = new java.util.HashMap<>(policies.getOrDefault(accountId, Map.of()));
        if (removed != null) {
            next.remove(removed);
        }
        if (proposed != null) {
            next.put(proposed.getPolicyId(), proposed);
        }
        AccountPolicies changed = AccountPolicies.compile(exceptions.get(accountId), next.values(),
                groups.getOrDefault(accountId, Map.of()).values(), bits, categories.catalogue());
        return snapshot.withAccount(accountId, changed);
    }

    /** Whether the account holds a policy of this id. */
    public boolean hasPolicy(UUID accountId, UUID policyId) {
        return policies.getOrDefault(accountId, Map.of()).containsKey(policyId);
    }

    public AccessGrants grants() {
        return grants;
    }

    private void onLocation(String key, SpecificRecord value) {
        if (value instanceof Location location) {
            locations.put(key, location);
        } else if (value == null && key != null) {
            locations.remove(key);
        }
        locationsDirty = true;
    }

    private void onPolicy(String key, SpecificRecord value) {
        if (value instanceof Policy policy) {
            policies.computeIfAbsent(policy.getAccountId(), a -> new ConcurrentHashMap<>()).put(policy.getPolicyId(), policy);
            dirtyAccounts.add(policy.getAccountId());
        } else if (value == null && key != null && key.contains("/")) {
            try {
                UUID account = UUID.fromString(key.substring(0, key.indexOf('/')));
                Map<UUID, Policy> ofAccount = policies.get(account);
                if (ofAccount != null) {
                    ofAccount.remove(UUID.fromString(key.substring(key.indexOf('/') + 1)));
                }
                dirtyAccounts.add(account);
            } catch (IllegalArgumentException notOurs) {
                // a key that is not accountId/policyId names nothing we hold
            }
        }
    }

    private void onGroup(String key, SpecificRecord value) {
        if (value instanceof ProfileGroup group) {
            groups.computeIfAbsent(group.getAccountId(), a -> new ConcurrentHashMap<>()).put(group.getGroupId(), group);
            dirtyAccounts.add(group.getAccountId());
        } else if (value == null && key != null && key.contains("/")) {
            try {
                UUID account = UUID.fromString(key.substring(0, key.indexOf('/')));
                Map<UUID, ProfileGroup> ofAccount = groups.get(account);
                if (ofAccount != null) {
                    ofAccount.remove(UUID.fromString(key.substring(key.indexOf('/') + 1)));
                }
                dirtyAccounts.add(account);
            } catch (IllegalArgumentException notOurs) {
                // a key that is not accountId/groupId names nothing we hold
            }
        }
    }

    private void onExceptions(String key, SpecificRecord value) {
        if (value instanceof AccountExceptions update) {
            exceptions.put(update.getAccountId(), update);
            dirtyAccounts.add(update.getAccountId());
        }
    }

    /** After each batch read: compile what changed and swap the snapshot. */
    private void publish() {
        if (standalone) {
            return;
        }
        tunnels.publish();
        if (!locationsDirty && dirtyAccounts.isEmpty()) {
            return;
        }
        if (locationsDirty) {
            locationsDirty = false;
            ranges = attributing(locations.values());
            endpoints = LocationEndpointIndex.of(locations.values(), dotDomain);
        }
        for (UUID account : new HashSet<>(dirtyAccounts)) {
            dirtyAccounts.remove(account);
            compiled.put(account, AccountPolicies.compile(exceptions.get(account),
                    policies.getOrDefault(account, Map.of()).values(), groups.getOrDefault(account, Map.of()).values(),
                    bits, categories.catalogue()));
        }
        snapshot = new Snapshot(ranges, endpoints, compiled, categories, tunnels);
    }

    /**
     * The ranges that attribute queries to an account: every range of every location except those
     * still pending the platform operator's approval. Claiming a range proves nothing, so a pending
     * range must not let an account see, or set policy for, another organisation's queries.
     */
    static List<Snapshot.Range> attributing(Collection<Location> locations) {
        List<Snapshot.Range> next = new ArrayList<>();
        for (Location location : locations) {
            Set<String> pending = Set.copyOf(location.getPendingCidrs());
            for (String text : location.getCidrs()) {
                if (!pending.contains(text)) {
                    Cidr.parse(text).cidr().ifPresent(cidr -> next.add(new Snapshot.Range(cidr, location.getAccountId(),
                            location.getLocationId())));
                }
            }
        }
        return List.copyOf(next);
    }

    @Override
    protected boolean follows() {
        return !standalone;
    }

    @Override
    public TopicFollower follower() {
        return follower;
    }

    @Override
    protected void describe(Health.Builder builder) {
        builder.withDetail("locations", locations.size()).withDetail("locationEndpoints", endpoints.size()).withDetail("accounts", compiled.size())
                .withDetail("accountsWithDetectedTunnels", tunnels.accounts());
    }
}
