package dev.parapet.dns.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.springframework.boot.kafka.autoconfigure.KafkaProperties;

import dev.parapet.dns.Standalone;
import dev.parapet.dns.index.DomainMap;
import dev.parapet.dns.index.DomainSet;
import dev.parapet.kit.kafka.RegistryProperties;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.exceptions.AccountExceptions;
import dev.parapet.schemas.v1.groups.ProfileGroup;
import dev.parapet.schemas.v1.verdicts.Reason;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * One account's configuration as dns-service receives it (policies, profile groups, exceptions, the
 * category catalogue and categorised domains), compiled the way {@link ResolverState} compiles it, with
 * no Kafka: {@code new TestAccount().with(policies…).decide("news.example.test", ann)}.
 */
final class TestAccount {

    static final UUID ID = UUID.fromString("00000000-0000-0000-0000-00000000a001");

    private final List<TestPolicy> policies = new ArrayList<>();
    private final List<ProfileGroup> groups = new ArrayList<>();
    private final List<String> exceptionDomains = new ArrayList<>();
    private final List<String> exceptionRanges = new ArrayList<>();
    private final Map<String, List<String>> catalogueGroups = new HashMap<>();
    private final CategoryBits bits;
    private final DomainMap categorised = new DomainMap();
    private final TunnelBlocks tunnels = new TunnelBlocks();

    TestAccount() {
        this(new CategoryBits());
    }

    /** With the category bits of a resolver that has already seen other categories. */
    TestAccount(CategoryBits bits) {
        this.bits = bits;
    }

    TestAccount with(TestPolicy... more) {
        policies.addAll(List.of(more));
        return this;
    }

    /** A profile group listing these users by address. */
    TestAccount group(UUID groupId, String... memberEmails) {
        groups.add(ProfileGroup.newBuilder().setAccountId(ID).setGroupId(groupId).setName("Group " + groupId).setVersion(1)
                .setMemberEmails(List.of(memberEmails)).setUpdatedBy("test").setUpdatedAt(Instant.EPOCH).build());
        return this;
    }

    /** Trusted domains: never filtered, never logged. */
    TestAccount exceptDomains(String... domains) {
        exceptionDomains.addAll(List.of(domains));
        return this;
    }

    /** IP exception ranges, as text (hostile: may not parse). */
    TestAccount exceptRanges(String... ranges) {
        exceptionRanges.addAll(List.of(ranges));
        return this;
    }

    /** A category group of the catalogue, for ALL selections. */
    TestAccount catalogueGroup(String groupId, String... categoryIds) {
        catalogueGroups.put(groupId, List.of(categoryIds));
        for (String categoryId : categoryIds) {
            bits.bitOf(categoryId);
        }
        return this;
    }

    /** A domain's categories, as `parapet.domain-categories.v1` assigns them (covering its subdomains). */
    TestAccount categorise(String domain, String... categoryIds) {
        categorised.put(domain, bits.maskOf(List.of(categoryIds)));
        return this;
    }

    /** A registered domain detected as a tunnel, as {@code parapet.tunnel-detections.v1} says, active until then. */
    TestAccount tunnelDetected(String registeredDomain, Instant lastSeen, java.time.Duration active) {
        tunnels.apply(ID + "/" + registeredDomain, dev.parapet.schemas.v1.tunnels.TunnelDetection.newBuilder().setAccountId(ID)
                .setRegisteredDomain(registeredDomain).setFirstSeen(lastSeen).setLastSeen(lastSeen).setActiveMillis(active.toMillis())
                .setReasons(List.of("test")).setLastClient("test").build());
        tunnels.publish();
        return this;
    }

    /** The detection of a registered domain ended (a tombstone). */
    TestAccount tunnelCleared(String registeredDomain) {
        tunnels.apply(ID + "/" + registeredDomain, null);
        tunnels.publish();
        return this;
    }

    /** The bit mask of these categories. */
    long maskOf(String... categoryIds) {
        return bits.maskOf(List.of(categoryIds));
    }

    AccountPolicies compile() {
        AccountExceptions exceptions = exceptionDomains.isEmpty() && exceptionRanges.isEmpty() ? null
                : AccountExceptions.newBuilder().setAccountId(ID).setVersion(1).setDomains(List.copyOf(exceptionDomains))
                .setIpRanges(List.copyOf(exceptionRanges)).setUpdatedBy("test").setUpdatedAt(Instant.EPOCH).build();
        return AccountPolicies.compile(exceptions, policies.stream().map(TestPolicy::build).toList(), List.copyOf(groups), bits,
                new CategoryState.Catalogue(Map.of(), Map.copyOf(catalogueGroups), List.of()));
    }

    /** The categorised domains as the resolver reads them: an immutable snapshot of the map. */
    CategoryState categories() {
        return new KnownCategories(bits, categorised.snapshot());
    }

    /** The verdict for a query of this name. */
    Verdict decide(String name, AccountPolicies.Asker asker) {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        return compile().decide(bytes, bytes.length, asker, categories(), tunnels, ID, true);
    }

    /** The verdict for a name an answer's CNAME leads to. */
    Verdict decideTarget(String name, AccountPolicies.Asker asker) {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        return compile().decide(bytes, bytes.length, asker, categories(), tunnels, ID, false);
    }

    /** Why the verdict for a query of this name was reached. */
    Snapshot.Explanation explain(String name, AccountPolicies.Asker asker) {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        AccountPolicies compiled = compile();
        return compiled.explain(bytes, bytes.length, asker, compiled.decide(bytes, bytes.length, asker, categories(), tunnels, ID, true));
    }

    /** A snapshot holding this account with these location ranges. */
    Snapshot snapshot(Snapshot.Range... ranges) {
        return new Snapshot(List.of(ranges), LocationEndpointIndex.EMPTY, Map.of(ID, compile()), categories(), tunnels);
    }

    /** What decided: the action, the reason and the policy (null: none). */
    static void assertVerdict(Verdict verdict, Action action, Reason reason, TestPolicy by) {
        assertThat(verdict).as("verdict %s", verdict).extracting(Verdict::action, Verdict::reason, Verdict::policyId)
                .containsExactly(action, reason, by == null ? null : by.id());
    }

    /**
     * The resolver's category state without the topic it follows: the follower is made but never started,
     * and lookups go to a fixed snapshot of a {@link DomainMap}, as {@link CategoryState} publishes one.
     */
    private static final class KnownCategories extends CategoryState {

        private final DomainSet index;

        KnownCategories(CategoryBits bits, DomainSet index) {
            super(new KafkaProperties(), new RegistryProperties("http://127.0.0.1:1"), new SimpleMeterRegistry(), bits,
                    new Standalone("", List.of()));
            this.index = index;
        }

        @Override
        public long categoriesOf(byte[] name, int offset, int length) {
            return index.valueOf(name, offset, length);
        }
    }
}
