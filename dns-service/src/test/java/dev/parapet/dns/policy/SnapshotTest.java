package dev.parapet.dns.policy;

import static dev.parapet.dns.policy.TestAccount.assertVerdict;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.parapet.kit.net.Cidr;
import dev.parapet.schemas.v1.policies.LogMode;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.Reason;

/**
 * The resolver's view of every account at one moment: a source address names its location (the
 * longest prefix), the location names the account, and the account's policies decide, for a query and
 * for the name a CNAME leads to.
 */
class SnapshotTest {

    private static final UUID HQ = UUID.fromString("00000000-0000-0000-0000-00000000b001");
    private static final UUID LAB = UUID.fromString("00000000-0000-0000-0000-00000000b002");
    private static final UUID OTHER_ACCOUNT = UUID.fromString("00000000-0000-0000-0000-00000000a002");
    private static final UUID OTHER_LOCATION = UUID.fromString("00000000-0000-0000-0000-00000000b003");

    private static Snapshot.Range range(String cidr, UUID account, UUID location) {
        return new Snapshot.Range(Cidr.parse(cidr).cidr().orElseThrow(), account, location);
    }

    private static Snapshot.Attribution located(Snapshot snapshot, String address) throws Exception {
        return snapshot.locate(InetAddress.getByName(address)).orElseThrow();
    }

    private static Verdict decide(Snapshot snapshot, Snapshot.Attribution who, String name) {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        return snapshot.decide(who, bytes, bytes.length);
    }

    private static Verdict decideTarget(Snapshot snapshot, Snapshot.Attribution who, String name) {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        return snapshot.decideTarget(who, bytes, bytes.length);
    }

    // Location attribution

    @Test
    void aSourceAddressIsAttributedToTheLocationWhoseRangeHoldsIt() throws Exception {
        Snapshot snapshot = new TestAccount().snapshot(range("192.0.2.0/24", TestAccount.ID, HQ),
                range("2001:db8:a::/48", TestAccount.ID, HQ), range("198.51.100.7/32", OTHER_ACCOUNT, OTHER_LOCATION));

        for (String inside : new String[] {"192.0.2.0", "192.0.2.255", "2001:db8:a::1", "2001:db8:a:ffff::1"}) {
            Snapshot.Attribution who = located(snapshot, inside);
            assertThat(who).as(inside).isEqualTo(new Snapshot.Attribution(TestAccount.ID, HQ, null, null));
        }
        assertThat(located(snapshot, "198.51.100.7").accountId()).isEqualTo(OTHER_ACCOUNT);
        for (String outside : new String[] {"192.0.1.255", "192.0.3.0", "198.51.100.6", "198.51.100.8", "2001:db8:b::1", "::1"}) {
            assertThat(snapshot.locate(InetAddress.getByName(outside))).as(outside).isEmpty();
        }
    }

    @Test
    void theLongestPrefixAttributes() throws Exception {
        Snapshot snapshot = new TestAccount().snapshot(range("10.0.0.0/8", TestAccount.ID, HQ),
                range("10.1.0.0/16", TestAccount.ID, LAB),
                range("2001:db8::/32", TestAccount.ID, HQ), range("2001:db8:1::/48", TestAccount.ID, LAB));

        assertThat(located(snapshot, "10.1.2.3").locationId()).isEqualTo(LAB);
        assertThat(located(snapshot, "10.2.0.1").locationId()).isEqualTo(HQ);
        assertThat(located(snapshot, "2001:db8:1::5").locationId()).isEqualTo(LAB);
        assertThat(located(snapshot, "2001:db8:2::5").locationId()).isEqualTo(HQ);
    }

    @Test
    void anEmptySnapshotAttributesNobody() throws Exception {
        assertThat(Snapshot.EMPTY.locate(InetAddress.getByName("127.0.0.1"))).isEmpty();
        assertThat(Snapshot.EMPTY.locate(InetAddress.getByName("::1"))).isEmpty();
    }

    @Test
    void hasLocationOnlyForTheAccountThatOwnsIt() {
        Snapshot snapshot = new TestAccount().snapshot(range("192.0.2.0/24", TestAccount.ID, HQ),
                range("198.51.100.0/24", OTHER_ACCOUNT, OTHER_LOCATION));

        assertThat(snapshot.hasLocation(TestAccount.ID, HQ)).isTrue();
        assertThat(snapshot.hasLocation(TestAccount.ID, OTHER_LOCATION)).isFalse();
        assertThat(snapshot.hasLocation(OTHER_ACCOUNT, HQ)).isFalse();
    }

    // Deciding for an attributed query

    @Test
    void aLocationsPoliciesApplyToQueriesFromItsRange() throws Exception {
        TestPolicy hq = TestPolicy.list("HQ").forLocation(HQ).blocking("example.test");
        TestPolicy everyone = TestPolicy.list("Everyone").forEveryone().allowing("example.test");
        Snapshot snapshot = new TestAccount().with(hq, everyone).snapshot(range("192.0.2.0/24", TestAccount.ID, HQ),
                range("203.0.113.0/24", TestAccount.ID, LAB));

        assertVerdict(decide(snapshot, located(snapshot, "192.0.2.9"), "example.test"), Action.BLOCKED, Reason.BLOCK_LIST,
                hq);
        assertVerdict(decide(snapshot, located(snapshot, "203.0.113.9"), "example.test"), Action.ALLOWED, Reason.ALLOW_LIST,
                everyone);
    }

    @Test
    void aSignedInUsersOwnPolicyBeatsTheirLocations() {
        TestPolicy hq = TestPolicy.list("HQ").forLocation(HQ).blocking("example.test");
        TestPolicy ann = TestPolicy.list("Ann").forUser("ann@corp.test").allowing("example.test");
        Snapshot snapshot = new TestAccount().with(hq, ann).snapshot(range("192.0.2.0/24", TestAccount.ID, HQ));

        Snapshot.Attribution annAtHq = new Snapshot.Attribution(TestAccount.ID, HQ, UUID.randomUUID(), "ann@corp.test");
        assertVerdict(decide(snapshot, annAtHq, "example.test"), Action.ALLOWED, Reason.ALLOW_LIST, ann);
        Snapshot.Attribution bobAtHq = new Snapshot.Attribution(TestAccount.ID, HQ, UUID.randomUUID(), "bob@corp.test");
        assertVerdict(decide(snapshot, bobAtHq, "example.test"), Action.BLOCKED, Reason.BLOCK_LIST, hq);
    }

    @Test
    void anAccountsPoliciesNeverApplyToAnotherAccount() throws Exception {
        TestPolicy everyone = TestPolicy.list("Everyone").forEveryone().blocking("example.test");
        TestPolicy logs = TestPolicy.logSettings("Quiet", LogMode.NOTHING).forEveryone();
        Snapshot snapshot = new TestAccount().with(everyone, logs).exceptRanges("10.0.0.0/8")
                .snapshot(range("192.0.2.0/24", TestAccount.ID, HQ), range("198.51.100.0/24", OTHER_ACCOUNT, OTHER_LOCATION));

        Snapshot.Attribution other = located(snapshot, "198.51.100.1");
        Verdict verdict = decide(snapshot, other, "example.test");
        assertVerdict(verdict, Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
        assertThat(verdict.logMode()).as("no Log Settings policy: EVERYTHING").isEqualTo(LogMode.EVERYTHING);
        assertThat(snapshot.ipExcepted(other, InetAddress.getByName("10.0.0.1"))).isFalse();
        assertThat(snapshot.hasIpExceptions(other)).isFalse();

        Snapshot.Attribution ours = located(snapshot, "192.0.2.1");
        assertVerdict(decide(snapshot, ours, "example.test"), Action.BLOCKED, Reason.BLOCK_LIST, everyone);
        assertThat(snapshot.ipExcepted(ours, InetAddress.getByName("10.0.0.1"))).isTrue();
        assertThat(snapshot.ipExcepted(ours, InetAddress.getByName("11.0.0.1"))).isFalse();
        assertThat(snapshot.hasIpExceptions(ours)).isTrue();
    }

    @Test
    void anEmptySnapshotAllowsAndLogsEverything() {
        Verdict verdict = decide(Snapshot.EMPTY, new Snapshot.Attribution(TestAccount.ID, null, null, null), "example.test");

        assertVerdict(verdict, Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
        assertThat(verdict.logMode()).isEqualTo(LogMode.EVERYTHING);
    }

    // CNAME targets

    @Test
    void aCnameTargetIsStoppedAsAQueryWouldBeButNeverRewritten() throws Exception {
        TestPolicy list = TestPolicy.list("Everyone").forEveryone().blocking("tracker.test");
        TestPolicy filter = TestPolicy.categories("No gambling", "gambling").forEveryone();
        TestPolicy safe = TestPolicy.advanced("Safe").forEveryone().enforcingSafeSearch();
        Snapshot snapshot = new TestAccount().with(list, filter, safe).categorise("casino.test", "gambling")
                .snapshot(range("192.0.2.0/24", TestAccount.ID, HQ));
        Snapshot.Attribution who = located(snapshot, "192.0.2.1");

        assertVerdict(decideTarget(snapshot, who, "cdn.tracker.test"), Action.BLOCKED, Reason.BLOCK_LIST, list);
        assertVerdict(decideTarget(snapshot, who, "casino.test"), Action.BLOCKED, Reason.CATEGORY, filter);
        assertVerdict(decideTarget(snapshot, who, "www.google.com"), Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
        assertVerdict(decide(snapshot, who, "www.google.com"), Action.SAFESEARCH_REWRITTEN, Reason.SAFESEARCH, safe);
    }

    @Test
    void aCnameTargetUnderADomainExceptionBypasses() {
        TestPolicy list = TestPolicy.list("Everyone").forEveryone().blocking("corp.test");
        Snapshot snapshot = new TestAccount().with(list).exceptDomains("corp.test")
                .snapshot(range("192.0.2.0/24", TestAccount.ID, HQ));

        assertVerdict(decideTarget(snapshot, new Snapshot.Attribution(TestAccount.ID, HQ, null, null), "cdn.corp.test"),
                Action.ALLOWED, Reason.DOMAIN_EXCEPTION, null);
    }

    // Categories and explanations through the snapshot

    @Test
    void categoriesOfANameAreItsNearestCategorisedParents() {
        TestAccount account = new TestAccount().categorise("casino.test", "gambling");
        Snapshot snapshot = account.snapshot();

        byte[] name = "www.casino.test".getBytes(StandardCharsets.US_ASCII);
        assertThat(snapshot.categoriesOf(name, name.length)).isEqualTo(account.maskOf("gambling"));
        byte[] other = "example.test".getBytes(StandardCharsets.US_ASCII);
        assertThat(snapshot.categoriesOf(other, other.length)).isZero();
        assertThat(new Snapshot(List.of(), Map.of(), null).categoriesOf(name, name.length)).isZero();
    }

    @Test
    void explainSaysWhichEntryMatchedAndHowThePolicyApplied() {
        TestPolicy hq = TestPolicy.list("HQ").forLocation(HQ).blocking("example.test");
        Snapshot snapshot = new TestAccount().with(hq).snapshot(range("192.0.2.0/24", TestAccount.ID, HQ));
        Snapshot.Attribution who = new Snapshot.Attribution(TestAccount.ID, HQ, null, null);
        byte[] name = "ads.example.test".getBytes(StandardCharsets.US_ASCII);

        Verdict verdict = snapshot.decide(who, name, name.length);
        assertThat(snapshot.explain(who, name, name.length, verdict))
                .isEqualTo(new Snapshot.Explanation("example.test", "location", List.of()));
    }
}
