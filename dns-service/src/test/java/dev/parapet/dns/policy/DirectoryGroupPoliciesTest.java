package dev.parapet.dns.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.parapet.schemas.v1.common.Scope;
import dev.parapet.schemas.v1.groups.ProfileGroup;
import dev.parapet.schemas.v1.policies.BlockAllowList;
import dev.parapet.schemas.v1.policies.Policy;
import dev.parapet.schemas.v1.policies.PolicyType;
import dev.parapet.schemas.v1.verdicts.Reason;

/**
 * Profile groups that name directory groups: a verified user belongs to every group that lists their
 * address or one of their token's directory groups; a group policy is as specific for either (below the
 * user's own, above a location's); names are compared exactly.
 */
class DirectoryGroupPoliciesTest {

    private static final UUID ACCOUNT = UUID.randomUUID();
    private static final UUID ENGINEERS = UUID.randomUUID();
    private static final UUID FINANCE = UUID.randomUUID();

    private final AccountPolicies policies = AccountPolicies.compile(null, List.of(
                    list("Engineers block", new Scope(false, List.of(), List.of(ENGINEERS), List.of()), List.of("news.test"), List.of()),
                    list("Finance block", new Scope(false, List.of(), List.of(FINANCE), List.of()), List.of("games.test"), List.of()),
                    list("Ann allows", new Scope(false, List.of("ann@corp.test"), List.of(), List.of()), List.of(), List.of("news.test"))),
            List.of(group(ENGINEERS, "Engineers", List.of(), List.of("engineering")),
                    group(FINANCE, "Finance", List.of("bob@corp.test"), List.of("finance"))),
            new CategoryBits(), CategoryState.Catalogue.EMPTY);

    @Test
    void aMemberOfTheDirectoryGroupGetsTheGroupsPolicy() {
        assertThat(decide("news.test", new AccountPolicies.Asker(null, "carol@corp.test", Set.of("engineering"))).reason())
                .isEqualTo(Reason.BLOCK_LIST);
        assertThat(decide("news.test", new AccountPolicies.Asker(null, "carol@corp.test", Set.of("sales"))).stops()).isFalse();
        assertThat(decide("news.test", new AccountPolicies.Asker(null, "carol@corp.test", Set.of("Engineering"))).stops())
                .as("directory names are compared exactly").isFalse();
    }

    @Test
    void membershipByAddressAndByDirectoryGroupAddUp() {
        AccountPolicies.Asker bob = new AccountPolicies.Asker(null, "bob@corp.test", Set.of("engineering"));
        assertThat(decide("games.test", bob).policyName()).isEqualTo("Finance block");
        assertThat(decide("news.test", bob).policyName()).isEqualTo("Engineers block");
    }

    @Test
    void theUsersOwnPolicyStillOutranksTheirGroups() {
        assertThat(decide("news.test", new AccountPolicies.Asker(null, "ann@corp.test", Set.of("engineering"))).reason())
                .isEqualTo(Reason.ALLOW_LIST);
    }

    @Test
    void withoutAVerifiedUserDirectoryGroupsCountForNothing() {
        assertThat(decide("news.test", new AccountPolicies.Asker(null, null, Set.of("engineering"))).stops()).isFalse();
    }

    private Verdict decide(String name, AccountPolicies.Asker asker) {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        return policies.decide(bytes, bytes.length, asker, null, true);
    }

    private static Policy list(String name, Scope scope, List<String> blocked, List<String> allowed) {
        return Policy.newBuilder().setAccountId(ACCOUNT).setPolicyId(UUID.randomUUID()).setName(name).setType(PolicyType.BLOCK_ALLOW_LIST)
                .setPriority(100).setEnabled(true).setScope(scope).setVersion(1).setBlockAllowList(new BlockAllowList(blocked, allowed))
                .setUpdatedBy("test").setUpdatedAt(Instant.now()).build();
    }

    private static ProfileGroup group(UUID id, String name, List<String> members, List<String> directoryGroups) {
        return ProfileGroup.newBuilder().setAccountId(ACCOUNT).setGroupId(id).setName(name).setVersion(1).setMemberEmails(members)
                .setDirectoryGroups(directoryGroups).setUpdatedBy("test").setUpdatedAt(Instant.now()).build();
    }
}
