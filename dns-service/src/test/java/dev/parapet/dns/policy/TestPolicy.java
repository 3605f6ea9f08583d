package dev.parapet.dns.policy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import dev.parapet.schemas.v1.common.Scope;
import dev.parapet.schemas.v1.policies.AdvancedSecurity;
import dev.parapet.schemas.v1.policies.BlockAllowList;
import dev.parapet.schemas.v1.policies.CategoryFiltering;
import dev.parapet.schemas.v1.policies.CategoryGroupSelection;
import dev.parapet.schemas.v1.policies.FilterAction;
import dev.parapet.schemas.v1.policies.LogMode;
import dev.parapet.schemas.v1.policies.LogSettings;
import dev.parapet.schemas.v1.policies.Policy;
import dev.parapet.schemas.v1.policies.PolicyType;
import dev.parapet.schemas.v1.policies.SelectionMode;

/**
 * One policy as settings-service publishes it, written in a few words so that a test reads like the
 * rule it checks: {@code TestPolicy.list("Ann's").forUser(ANN).allowing("news.example.test")}. Every
 * policy has its id from the start ({@link #id()}), so tests can assert which one decided. Scope and
 * payload start empty: a policy applies to nobody until a {@code for…} names someone.
 */
final class TestPolicy {

    /** The category group that {@link #categories} selections are made in. */
    static final String CATEGORY_GROUP = "test-group";

    private final PolicyType type;
    private final String name;
    private UUID id = UUID.randomUUID();
    private int priority = 100;
    private boolean enabled = true;
    private boolean everyone;
    private final List<String> users = new ArrayList<>();
    private final List<UUID> groups = new ArrayList<>();
    private final List<UUID> locations = new ArrayList<>();
    private final List<String> blocked = new ArrayList<>();
    private final List<String> allowed = new ArrayList<>();
    private final List<CategoryGroupSelection> selections = new ArrayList<>();
    private FilterAction action = FilterAction.BLOCK;
    private boolean safeSearch;
    private boolean blockAnonymizers;
    private boolean blockTunnels;
    private LogMode logMode;
    private boolean payload = true;

    private TestPolicy(PolicyType type, String name) {
        this.type = type;
        this.name = name;
    }

    /** A Block or Allow List, listing nothing yet. */
    static TestPolicy list(String name) {
        return new TestPolicy(PolicyType.BLOCK_ALLOW_LIST, name);
    }

    /** Category Filtering that selects these categories (CUSTOM), blocking. */
    static TestPolicy categories(String name, String... categoryIds) {
        TestPolicy policy = new TestPolicy(PolicyType.CATEGORY_FILTERING, name);
        if (categoryIds.length > 0) {
            policy.selections.add(new CategoryGroupSelection(CATEGORY_GROUP, SelectionMode.CUSTOM, List.of(categoryIds)));
        }
        return policy;
    }

    /** Category Filtering that selects whole category groups of the catalogue (ALL), blocking. */
    static TestPolicy categoryGroups(String name, String... groupIds) {
        TestPolicy policy = new TestPolicy(PolicyType.CATEGORY_FILTERING, name);
        for (String groupId : groupIds) {
            policy.selections.add(new CategoryGroupSelection(groupId, SelectionMode.ALL, List.of()));
        }
        return policy;
    }

    /** Advanced Security with neither option on. */
    static TestPolicy advanced(String name) {
        return new TestPolicy(PolicyType.ADVANCED_SECURITY, name);
    }

    /** Log Settings with this mode. */
    static TestPolicy logSettings(String name, LogMode mode) {
        TestPolicy policy = new TestPolicy(PolicyType.LOG_SETTINGS, name);
        policy.logMode = mode;
        return policy;
    }

    TestPolicy forEveryone() {
        everyone = true;
        return this;
    }

    TestPolicy forUser(String email) {
        users.add(email);
        return this;
    }

    TestPolicy forGroup(UUID groupId) {
        groups.add(groupId);
        return this;
    }

    TestPolicy forLocation(UUID locationId) {
        locations.add(locationId);
        return this;
    }

    TestPolicy blocking(String... domains) {
        blocked.addAll(List.of(domains));
        return this;
    }

    TestPolicy allowing(String... domains) {
        allowed.addAll(List.of(domains));
        return this;
    }

    /** Category Filtering: warn instead of block. */
    TestPolicy warning() {
        action = FilterAction.WARN;
        return this;
    }

    TestPolicy enforcingSafeSearch() {
        safeSearch = true;
        return this;
    }

    TestPolicy blockingAnonymizers() {
        blockAnonymizers = true;
        return this;
    }

    TestPolicy blockingDetectedTunnels() {
        blockTunnels = true;
        return this;
    }

    TestPolicy priority(int value) {
        priority = value;
        return this;
    }

    TestPolicy id(String uuid) {
        id = UUID.fromString(uuid);
        return this;
    }

    TestPolicy disabled() {
        enabled = false;
        return this;
    }

    /** As a reader meets a policy of a type it does not know: the type's payload is null. */
    TestPolicy withoutPayload() {
        payload = false;
        return this;
    }

    UUID id() {
        return id;
    }

    Policy build() {
        Policy.Builder policy = Policy.newBuilder().setAccountId(TestAccount.ID).setPolicyId(id).setName(name).setVersion(1)
                .setEnabled(enabled).setPriority(priority).setType(type)
                .setScope(new Scope(everyone, List.copyOf(users), List.copyOf(groups), List.copyOf(locations)))
                .setUpdatedBy("test").setUpdatedAt(Instant.EPOCH);
        if (payload) {
            switch (type) {
                case BLOCK_ALLOW_LIST -> policy.setBlockAllowList(new BlockAllowList(List.copyOf(blocked), List.copyOf(allowed)));
                case CATEGORY_FILTERING -> policy.setCategoryFiltering(new CategoryFiltering(List.copyOf(selections), action));
                case ADVANCED_SECURITY -> policy.setAdvancedSecurity(new AdvancedSecurity(safeSearch, blockAnonymizers, blockTunnels));
                case LOG_SETTINGS -> policy.setLogSettings(new LogSettings(logMode));
            }
        }
        return policy.build();
    }
}
