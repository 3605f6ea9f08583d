package dev.parapet.dns.preview;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.parapet.dns.policy.Snapshot;
import dev.parapet.schemas.v1.common.Scope;
import dev.parapet.schemas.v1.groups.ProfileGroup;
import dev.parapet.schemas.v1.locations.Location;
import dev.parapet.schemas.v1.policies.BlockAllowList;
import dev.parapet.schemas.v1.policies.LogMode;
import dev.parapet.schemas.v1.policies.LogSettings;
import dev.parapet.schemas.v1.policies.Policy;
import dev.parapet.schemas.v1.policies.PolicyType;

/**
 * A policy change replayed over tuples of recorded traffic, decided by the resolver's own snapshot both ways: what
 * would be blocked, warned or allowed that is not now, by whom and where; what is decided the same is not counted;
 * pseudonymous users and names the resolver never writes are said apart.
 */
class PolicyPreviewTest {

    static final UUID ACCOUNT = UUID.fromString("00000000-0000-0000-0000-0000000000a1");
    static final UUID LEEDS = UUID.fromString("00000000-0000-0000-0000-0000000000b1");
    static final UUID YORK = UUID.fromString("00000000-0000-0000-0000-0000000000b2");
    static final UUID FINANCE = UUID.fromString("00000000-0000-0000-0000-0000000000c1");
    static final UUID LAPTOP = UUID.fromString("00000000-0000-0000-0000-0000000000d1");
    static final String ANN = "ann@corp.test";

    static Location location(UUID id, String range) {
        return Location.newBuilder().setAccountId(ACCOUNT).setLocationId(id).setName(id.toString()).setVersion(1)
                .setCidrs(List.of(range)).setUpdatedBy("test").setUpdatedAt(Instant.EPOCH).build();
    }

    static Policy.Builder policy(String name, Scope scope) {
        return Policy.newBuilder().setAccountId(ACCOUNT).setPolicyId(UUID.randomUUID()).setName(name).setPriority(100)
                .setEnabled(true).setScope(scope).setVersion(1).setUpdatedBy("test").setUpdatedAt(Instant.EPOCH);
    }

    static Policy blocking(String name, Scope scope, String... domains) {
        return policy(name, scope).setType(PolicyType.BLOCK_ALLOW_LIST)
                .setBlockAllowList(new BlockAllowList(List.of(domains), List.of())).build();
    }

    static Scope everyone() {
        return new Scope(true, List.of(), List.of(), List.of());
    }

    static Snapshot snapshot(Policy... policies) {
        ProfileGroup finance = ProfileGroup.newBuilder().setAccountId(ACCOUNT).setGroupId(FINANCE).setName("Finance")
                .setMemberEmails(List.of(ANN)).setVersion(1).setUpdatedBy("test").setUpdatedAt(Instant.EPOCH).build();
        return Snapshot.of(List.of(location(LEEDS, "192.0.2.0/24"), location(YORK, "198.51.100.0/24")), List.of(),
                List.of(policies), List.of(finance));
    }

    final Policy phishing = blocking("Phishing", everyone(), "phish.example");

    List<PolicyPreview.Tuple> lastWeek() {
        return List.of(
                new PolicyPreview.Tuple("www.social.example", null, null, LEEDS, 40),
                new PolicyPreview.Tuple("social.example", null, null, YORK, 7),
                new PolicyPreview.Tuple("social.example", ANN, LAPTOP, null, 5),
                new PolicyPreview.Tuple("social.example", "anon-0123456789abcdef0123", null, null, 2),
                new PolicyPreview.Tuple("login.phish.example", null, null, LEEDS, 3),
                new PolicyPreview.Tuple("news.example", null, null, LEEDS, 100),
                new PolicyPreview.Tuple("NOT A NAME.", null, null, LEEDS, 1));
    }

    PolicyPreview.Result replay(Snapshot current, Snapshot proposed) {
        PolicyPreview preview = new PolicyPreview(ACCOUNT, current, proposed, 10);
        lastWeek().forEach(preview::replay);
        return preview.result();
    }

    @Test
    void aNewBlockForTwoScopesCountsTheQueriesUsersDevicesAndLocationsItWouldHaveBlocked() {
        Policy social = blocking("Social", new Scope(false, List.of(), List.of(FINANCE), List.of(LEEDS)), "social.example");
        PolicyPreview.Result result = replay(snapshot(phishing), snapshot(phishing, social));

        assertThat(result.tuples()).isEqualTo(7);
        assertThat(result.queries()).isEqualTo(158);
        PolicyPreview.Change blocked = result.wouldBlock();
        assertThat(blocked.queries()).as("Leeds' 40 and Ann's 5 (Finance); York and the pseudonym are in neither scope").isEqualTo(45);
        assertThat(blocked.names()).isEqualTo(2);
        assertThat(blocked.users()).isEqualTo(1);
        assertThat(blocked.devices()).isEqualTo(1);
        assertThat(blocked.locations()).isEqualTo(1);
        assertThat(blocked.topNames()).containsExactly(new PolicyPreview.Counted("www.social.example", 40),
                new PolicyPreview.Counted("social.example", 5));
        assertThat(blocked.topUsers()).containsExactly(new PolicyPreview.Counted(ANN, 5));
        assertThat(blocked.topDevices()).containsExactly(new PolicyPreview.Counted(LAPTOP.toString(), 5));
        assertThat(blocked.topLocations()).containsExactly(new PolicyPreview.Counted(LEEDS.toString(), 40));
        assertThat(result.changedQueries()).isEqualTo(45);
        assertThat(result.transitions()).containsExactly(new PolicyPreview.Transition("ALLOWED", "BLOCKED", 45, 2));
        assertThat(result.wouldAllow().queries()).isZero();
        assertThat(result.wouldWarn().queries()).isZero();
        assertThat(result.pseudonymousTuples()).isEqualTo(1);
        assertThat(result.skippedTuples()).as("a name the resolver never writes").isEqualTo(1);
    }

    @Test
    void removingABlockCountsWhatItWouldHaveAllowedAndAnUnchangedConfigurationChangesNothing() {
        PolicyPreview.Result removed = replay(snapshot(phishing), snapshot());
        assertThat(removed.wouldAllow().queries()).isEqualTo(3);
        assertThat(removed.wouldAllow().topNames()).containsExactly(new PolicyPreview.Counted("login.phish.example", 3));
        assertThat(removed.wouldBlock().queries()).isZero();
        assertThat(removed.transitions()).containsExactly(new PolicyPreview.Transition("BLOCKED", "ALLOWED", 3, 1));

        PolicyPreview.Result same = replay(snapshot(phishing), snapshot(phishing));
        assertThat(same.changedQueries()).isZero();
        assertThat(same.transitions()).isEmpty();
        assertThat(same.loggingChanges()).isEmpty();
    }

    @Test
    void aLogSettingsChangeIsCountedAsQueriesThatWouldStopBeingLogged() {
        Policy blockedOnly = policy("Blocked only", everyone()).setType(PolicyType.LOG_SETTINGS)
                .setLogSettings(new LogSettings(LogMode.BLOCKED_ONLY)).build();
        PolicyPreview.Result result = replay(snapshot(phishing), snapshot(phishing, blockedOnly));
        assertThat(result.changedQueries()).as("no action changes").isZero();
        assertThat(result.loggingChanges()).containsExactly(new PolicyPreview.Transition("logged", "not logged", 154, 5));
    }

    @Test
    void onlyNamesAsTheResolverWritesThemAreReplayed() {
        assertThat(PolicyPreview.decidable("www.example.com")).isNotNull();
        assertThat(PolicyPreview.decidable("xn--bcher-kva.example")).isNotNull();
        for (String bad : new String[] {null, "", "Upper.example", "trailing.example.", "sp ace.example", "é.example", "a".repeat(254)}) {
            assertThat(PolicyPreview.decidable(bad)).as(String.valueOf(bad)).isNull();
        }
    }
}
