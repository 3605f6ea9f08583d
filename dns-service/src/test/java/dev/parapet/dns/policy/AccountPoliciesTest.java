package dev.parapet.dns.policy;

import static dev.parapet.dns.policy.TestAccount.assertVerdict;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.parapet.schemas.v1.policies.LogMode;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.Reason;

/**
 * How one account's policies decide for one query, rule by rule as docs/policies.md ("How policies
 * decide") states them: domain exceptions first; then Block or Allow Lists, final; then Category
 * Filtering and Advanced Security of the first applying policy; Log Settings of the first applying
 * policy for every verdict. Applying policies are ordered by specificity (user 4 > profile group 3 >
 * location 2 > everyone 1), then priority (lower first), then policyId as text.
 */
class AccountPoliciesTest {

    private static final String ANN = "ann@corp.test";
    private static final String BOB = "bob@corp.test";
    private static final String CAROL = "carol@corp.test";
    private static final UUID FINANCE = UUID.fromString("00000000-0000-0000-0000-0000000f1a00");
    private static final UUID HQ = UUID.fromString("00000000-0000-0000-0000-00000000b001");
    private static final UUID BRANCH = UUID.fromString("00000000-0000-0000-0000-00000000b002");

    /** Ann and Bob are in Finance; Carol is in no group. */
    private final TestAccount account = new TestAccount().group(FINANCE, ANN, BOB);

    private static AccountPolicies.Asker nobody() {
        return new AccountPolicies.Asker(null, null);
    }

    private static AccountPolicies.Asker at(UUID location) {
        return new AccountPolicies.Asker(location, null);
    }

    private static AccountPolicies.Asker user(String email) {
        return new AccountPolicies.Asker(null, email);
    }

    private static AccountPolicies.Asker user(String email, UUID location) {
        return new AccountPolicies.Asker(location, email);
    }

    // Specificity, priority, policy id

    @Test
    void aUserPolicyBeatsAGroupPolicyBeatsALocationPolicyBeatsEveryone() {
        // Priorities favour the less specific, so that only specificity can explain the outcome.
        TestPolicy everyone = TestPolicy.list("Everyone").forEveryone().blocking("example.test").priority(1);
        TestPolicy hq = TestPolicy.list("HQ").forLocation(HQ).allowing("example.test").priority(2);
        TestPolicy finance = TestPolicy.list("Finance").forGroup(FINANCE).blocking("example.test").priority(3);
        TestPolicy ann = TestPolicy.list("Ann").forUser(ANN).allowing("example.test").priority(4);
        account.with(everyone, hq, finance, ann);

        assertVerdict(account.decide("example.test", user(ANN, HQ)), Action.ALLOWED, Reason.ALLOW_LIST, ann);
        assertVerdict(account.decide("example.test", user(BOB, HQ)), Action.BLOCKED, Reason.BLOCK_LIST, finance);
        assertVerdict(account.decide("example.test", user(CAROL, HQ)), Action.ALLOWED, Reason.ALLOW_LIST, hq);
        assertVerdict(account.decide("example.test", user(CAROL, BRANCH)), Action.BLOCKED, Reason.BLOCK_LIST, everyone);
        assertVerdict(account.decide("example.test", nobody()), Action.BLOCKED, Reason.BLOCK_LIST, everyone);
    }

    @Test
    void aPolicyNamingAUserAndALocationMatchesThatUserElsewhereAsAUserPolicy() {
        TestPolicy annAtHq = TestPolicy.list("Ann, HQ").forUser(ANN).forLocation(HQ).allowing("example.test");
        TestPolicy finance = TestPolicy.list("Finance").forGroup(FINANCE).blocking("example.test").priority(1);
        account.with(annAtHq, finance);

        assertVerdict(account.decide("example.test", user(ANN, BRANCH)), Action.ALLOWED, Reason.ALLOW_LIST, annAtHq);
        assertThat(account.explain("example.test", user(ANN, BRANCH)).appliedVia()).isEqualTo("user");
        assertVerdict(account.decide("example.test", user(BOB, HQ)), Action.BLOCKED, Reason.BLOCK_LIST, finance);
        assertVerdict(account.decide("example.test", user(CAROL, HQ)), Action.ALLOWED, Reason.ALLOW_LIST, annAtHq);
        assertThat(account.explain("example.test", user(CAROL, HQ)).appliedVia()).isEqualTo("location");
    }

    @Test
    void samePrecedenceLowerPriorityWins() {
        // The id of the loser sorts first, so that only priority can explain the outcome.
        TestPolicy first = TestPolicy.list("Allow").forEveryone().allowing("example.test").priority(10)
                .id("20000000-0000-0000-0000-000000000000");
        TestPolicy second = TestPolicy.list("Block").forEveryone().blocking("example.test").priority(20)
                .id("10000000-0000-0000-0000-000000000000");
        account.with(second, first);

        assertVerdict(account.decide("example.test", nobody()), Action.ALLOWED, Reason.ALLOW_LIST, first);
    }

    @Test
    void aLowerPriorityNeverBeatsAMoreSpecificScope() {
        TestPolicy hq = TestPolicy.list("HQ").forLocation(HQ).blocking("example.test").priority(1000);
        TestPolicy everyone = TestPolicy.list("Everyone").forEveryone().allowing("example.test").priority(-5);
        account.with(everyone, hq);

        assertVerdict(account.decide("example.test", at(HQ)), Action.BLOCKED, Reason.BLOCK_LIST, hq);
    }

    @Test
    void tiesBrokenByPolicyIdAsText() {
        // As text "10…" < "80…"; as UUIDs (signed) 0x80… < 0x10…: the order must be the text's.
        TestPolicy low = TestPolicy.list("Allow").forEveryone().allowing("example.test")
                .id("10000000-0000-0000-0000-000000000000");
        TestPolicy high = TestPolicy.list("Block").forEveryone().blocking("example.test")
                .id("80000000-0000-0000-0000-000000000000");
        assertThat(high.id().compareTo(low.id())).as("the ids disagree as UUIDs").isNegative();

        assertVerdict(new TestAccount().with(high, low).decide("example.test", nobody()), Action.ALLOWED,
                Reason.ALLOW_LIST, low);
        assertVerdict(new TestAccount().with(low, high).decide("example.test", nobody()), Action.ALLOWED,
                Reason.ALLOW_LIST, low);
    }

    @Test
    void aPolicyAppliesOnlyToWhomItsScopeNames() {
        TestPolicy hq = TestPolicy.list("HQ").forLocation(HQ).blocking("example.test");
        TestPolicy finance = TestPolicy.list("Finance").forGroup(FINANCE).blocking("finance.test");
        TestPolicy ann = TestPolicy.list("Ann").forUser(ANN).blocking("ann.test");
        TestPolicy nobodyAtAll = TestPolicy.list("Nobody").blocking("nobody.test");
        account.with(hq, finance, ann, nobodyAtAll);

        assertVerdict(account.decide("example.test", at(BRANCH)), Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
        assertVerdict(account.decide("example.test", nobody()), Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
        assertVerdict(account.decide("finance.test", user(CAROL)), Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
        assertVerdict(account.decide("finance.test", user(BOB)), Action.BLOCKED, Reason.BLOCK_LIST, finance);
        assertVerdict(account.decide("ann.test", user(BOB)), Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
        assertVerdict(account.decide("nobody.test", user(ANN, HQ)), Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
    }

    @Test
    void aPolicyNamingADeletedGroupAppliesToNobodyThroughIt() {
        UUID deleted = UUID.fromString("00000000-0000-0000-0000-0000000dead0");
        TestPolicy gone = TestPolicy.list("Gone").forGroup(deleted).blocking("example.test");
        account.with(gone);

        assertVerdict(account.decide("example.test", user(ANN)), Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
    }

    @Test
    void groupMembershipIsByAddressInAnyCase() {
        UUID sales = UUID.fromString("00000000-0000-0000-0000-0000000f1a01");
        TestPolicy salesList = TestPolicy.list("Sales").forGroup(sales).blocking("example.test");
        TestAccount mixed = new TestAccount().group(sales, "Dora@Corp.Test").with(salesList);

        assertVerdict(mixed.decide("example.test", user("dora@corp.test")), Action.BLOCKED, Reason.BLOCK_LIST, salesList);
    }

    // Block or Allow Lists

    @Test
    void aListedParentCoversSubdomains() {
        TestPolicy everyone = TestPolicy.list("Everyone").forEveryone().blocking("example.test");
        account.with(everyone);

        assertVerdict(account.decide("example.test", nobody()), Action.BLOCKED, Reason.BLOCK_LIST, everyone);
        assertVerdict(account.decide("a.b.example.test", nobody()), Action.BLOCKED, Reason.BLOCK_LIST, everyone);
        assertVerdict(account.decide("notexample.test", nobody()), Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
        assertVerdict(account.decide("test", nobody()), Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
    }

    @Test
    void longestMatchWithinOnePolicyWins() {
        TestPolicy everyone = TestPolicy.list("Everyone").forEveryone().blocking("example.test", "ads.news.example.test")
                .allowing("news.example.test");
        account.with(everyone);

        assertVerdict(account.decide("example.test", nobody()), Action.BLOCKED, Reason.BLOCK_LIST, everyone);
        assertVerdict(account.decide("mail.example.test", nobody()), Action.BLOCKED, Reason.BLOCK_LIST, everyone);
        assertVerdict(account.decide("news.example.test", nobody()), Action.ALLOWED, Reason.ALLOW_LIST, everyone);
        assertVerdict(account.decide("www.news.example.test", nobody()), Action.ALLOWED, Reason.ALLOW_LIST, everyone);
        assertVerdict(account.decide("x.ads.news.example.test", nobody()), Action.BLOCKED, Reason.BLOCK_LIST, everyone);
    }

    @Test
    void aUsersAllowOfASubdomainOverridesEveryonesBlockOfTheParent() {
        TestPolicy everyone = TestPolicy.list("Everyone").forEveryone().blocking("example.test");
        TestPolicy ann = TestPolicy.list("Ann").forUser(ANN).allowing("news.example.test");
        account.with(everyone, ann);

        assertVerdict(account.decide("news.example.test", user(ANN)), Action.ALLOWED, Reason.ALLOW_LIST, ann);
        assertVerdict(account.decide("mail.example.test", user(ANN)), Action.BLOCKED, Reason.BLOCK_LIST, everyone);
        assertVerdict(account.decide("news.example.test", user(BOB)), Action.BLOCKED, Reason.BLOCK_LIST, everyone);
    }

    @Test
    void aLocationsBlockOfASubdomainOverridesEveryonesAllowOfTheParent() {
        TestPolicy everyone = TestPolicy.list("Everyone").forEveryone().allowing("example.test");
        TestPolicy hq = TestPolicy.list("HQ").forLocation(HQ).blocking("ads.example.test");
        account.with(everyone, hq);

        assertVerdict(account.decide("ads.example.test", at(HQ)), Action.BLOCKED, Reason.BLOCK_LIST, hq);
        assertVerdict(account.decide("ads.example.test", at(BRANCH)), Action.ALLOWED, Reason.ALLOW_LIST, everyone);
    }

    @Test
    void acrossPoliciesTheFirstThatListsTheNameDecidesNotTheLongestMatch() {
        TestPolicy ann = TestPolicy.list("Ann").forUser(ANN).blocking("example.test");
        TestPolicy everyone = TestPolicy.list("Everyone").forEveryone().allowing("news.example.test");
        account.with(ann, everyone);

        assertVerdict(account.decide("news.example.test", user(ANN)), Action.BLOCKED, Reason.BLOCK_LIST, ann);
    }

    @Test
    void aMoreSpecificPolicyThatDoesNotListTheNameLeavesItToTheNext() {
        TestPolicy ann = TestPolicy.list("Ann").forUser(ANN).allowing("other.test");
        TestPolicy everyone = TestPolicy.list("Everyone").forEveryone().blocking("example.test");
        account.with(ann, everyone);

        assertVerdict(account.decide("example.test", user(ANN)), Action.BLOCKED, Reason.BLOCK_LIST, everyone);
    }

    @Test
    void anAllowListDecisionIsFinalNoCategoryFilteringNoSafeSearch() {
        TestPolicy list = TestPolicy.list("Everyone").forEveryone().allowing("casino.test", "google.com");
        TestPolicy filter = TestPolicy.categories("No gambling", "gambling").forEveryone();
        TestPolicy security = TestPolicy.advanced("Safe").forEveryone().enforcingSafeSearch();
        account.with(list, filter, security).categorise("casino.test", "gambling");

        assertVerdict(account.decide("casino.test", nobody()), Action.ALLOWED, Reason.ALLOW_LIST, list);
        assertVerdict(account.decide("www.google.com", nobody()), Action.ALLOWED, Reason.ALLOW_LIST, list);
        assertThat(account.decide("www.google.com", nobody()).safeSearchHost()).isNull();
    }

    // Category Filtering

    @Test
    void aNameInASelectedCategoryIsBlockedWithThatCategory() {
        TestPolicy filter = TestPolicy.categories("No gambling", "gambling").forEveryone();
        account.with(filter).categorise("casino.test", "gambling", "games").categorise("chess.test", "games");

        Verdict verdict = account.decide("www.casino.test", nobody());
        assertVerdict(verdict, Action.BLOCKED, Reason.CATEGORY, filter);
        assertThat(verdict.categories()).as("only the selected categories").isEqualTo(account.maskOf("gambling"));
        assertVerdict(account.decide("chess.test", nobody()), Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
        assertVerdict(account.decide("uncategorised.test", nobody()), Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
    }

    @Test
    void aNamesCategoriesAreThoseOfItsNearestCategorisedParent() {
        TestPolicy filter = TestPolicy.categories("No gambling", "gambling").forEveryone();
        account.with(filter).categorise("casino.test", "gambling").categorise("help.casino.test", "health");

        assertVerdict(account.decide("a.casino.test", nobody()), Action.BLOCKED, Reason.CATEGORY, filter);
        assertVerdict(account.decide("a.help.casino.test", nobody()), Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
    }

    @Test
    void aWholeCategoryGroupSelectedCoversEveryCategoryInIt() {
        TestPolicy filter = TestPolicy.categoryGroups("No security threats", "security").forEveryone();
        account.with(filter).catalogueGroup("security", "malware", "phishing").catalogueGroup("leisure", "games")
                .categorise("phish.test", "phishing").categorise("chess.test", "games");

        assertVerdict(account.decide("phish.test", nobody()), Action.BLOCKED, Reason.CATEGORY, filter);
        assertVerdict(account.decide("chess.test", nobody()), Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
    }

    @Test
    void warnOnACategoryIsAWarnVerdictThatStops() {
        TestPolicy filter = TestPolicy.categories("Warn on games", "games").forEveryone().warning();
        account.with(filter).categorise("chess.test", "games");

        Verdict verdict = account.decide("chess.test", nobody());
        assertVerdict(verdict, Action.WARNED, Reason.CATEGORY, filter);
        assertThat(verdict.stops()).isTrue();
    }

    @Test
    void categoryFilteringDoesNotMergeAcrossPolicies() {
        // "For Finance, only block security threats": everyone's gambling block must not come back.
        TestPolicy everyone = TestPolicy.categories("Everyone", "gambling", "malware").forEveryone();
        TestPolicy finance = TestPolicy.categories("Finance", "malware").forGroup(FINANCE);
        account.with(everyone, finance).categorise("casino.test", "gambling").categorise("malware.test", "malware");

        assertVerdict(account.decide("casino.test", user(BOB)), Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
        assertVerdict(account.decide("malware.test", user(BOB)), Action.BLOCKED, Reason.CATEGORY, finance);
        assertVerdict(account.decide("casino.test", user(CAROL)), Action.BLOCKED, Reason.CATEGORY, everyone);
    }

    @Test
    void aMoreSpecificCategoryPolicySelectingNothingFiltersNothing() {
        TestPolicy everyone = TestPolicy.categories("Everyone", "gambling").forEveryone();
        TestPolicy ann = TestPolicy.categories("Ann").forUser(ANN);
        account.with(everyone, ann).categorise("casino.test", "gambling");

        assertVerdict(account.decide("casino.test", user(ANN)), Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
    }

    @Test
    void categoryFilteringUsesTheFirstPolicyByPriorityAlone() {
        TestPolicy first = TestPolicy.categories("First", "malware").forEveryone().priority(10);
        TestPolicy second = TestPolicy.categories("Second", "gambling").forEveryone().priority(20);
        account.with(second, first).categorise("casino.test", "gambling").categorise("malware.test", "malware");

        assertVerdict(account.decide("casino.test", nobody()), Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
        assertVerdict(account.decide("malware.test", nobody()), Action.BLOCKED, Reason.CATEGORY, first);
    }

    // Advanced Security

    @Test
    void safeSearchRewritesTheMajorSearchEnginesOnly() {
        TestPolicy security = TestPolicy.advanced("Safe").forEveryone().enforcingSafeSearch();
        account.with(security);

        Verdict google = account.decide("www.google.com", nobody());
        assertVerdict(google, Action.SAFESEARCH_REWRITTEN, Reason.SAFESEARCH, security);
        assertThat(google.safeSearchHost()).isEqualTo("forcesafesearch.google.com");
        assertThat(account.decide("google.co.uk", nobody()).safeSearchHost()).isEqualTo("forcesafesearch.google.com");
        assertThat(account.decide("www.bing.com", nobody()).safeSearchHost()).isEqualTo("strict.bing.com");
        assertThat(account.decide("www.youtube.com", nobody()).safeSearchHost()).isEqualTo("restrict.youtube.com");
        assertVerdict(account.decide("mail.google.com", nobody()), Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
        assertVerdict(account.decide("example.test", nobody()), Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
    }

    @Test
    void safeSearchNeverRewritesACnameTarget() {
        TestPolicy security = TestPolicy.advanced("Safe").forEveryone().enforcingSafeSearch();
        account.with(security);

        assertVerdict(account.decideTarget("www.google.com", nobody()), Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
    }

    @Test
    void anonymizersAreBlockedOnlyWhenTheAdvancedSecurityPolicySaysSo() {
        TestPolicy security = TestPolicy.advanced("No proxies").forEveryone().blockingAnonymizers();
        TestPolicy ann = TestPolicy.advanced("Ann").forUser(ANN).enforcingSafeSearch();
        account.with(security, ann).categorise("proxy.test", "anonymizers");

        Verdict verdict = account.decide("www.proxy.test", nobody());
        assertVerdict(verdict, Action.BLOCKED, Reason.ANONYMIZER, security);
        assertThat(verdict.categories()).isEqualTo(account.maskOf("anonymizers"));
        assertVerdict(account.decide("www.proxy.test", user(ANN)), Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
    }

    @Test
    void anonymizerBlockingBlocksNoOtherCategory() {
        // A resolver that has seen 64 other categories has no bit left for "anonymizers".
        CategoryBits full = new CategoryBits();
        for (int i = 0; i < Long.SIZE; i++) {
            full.bitOf("category-" + i);
        }
        TestPolicy security = TestPolicy.advanced("No proxies").forEveryone().blockingAnonymizers();
        TestAccount crowded = new TestAccount(full).with(security).categorise("news.test", "category-0");

        assertVerdict(crowded.decide("news.test", nobody()), Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
    }

    @Test
    void advancedSecurityDoesNotMergeAcrossPolicies() {
        TestPolicy everyone = TestPolicy.advanced("Everyone").forEveryone().enforcingSafeSearch().blockingAnonymizers();
        TestPolicy ann = TestPolicy.advanced("Ann").forUser(ANN);
        account.with(everyone, ann).categorise("proxy.test", "anonymizers");

        assertVerdict(account.decide("www.google.com", user(ANN)), Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
        assertVerdict(account.decide("proxy.test", user(ANN)), Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
        assertVerdict(account.decide("www.google.com", user(BOB)), Action.SAFESEARCH_REWRITTEN, Reason.SAFESEARCH, everyone);
        assertVerdict(account.decide("proxy.test", user(BOB)), Action.BLOCKED, Reason.ANONYMIZER, everyone);
    }

    @Test
    void categoryFilteringComesBeforeAnonymizerBlocking() {
        TestPolicy filter = TestPolicy.categories("No gambling", "gambling").forEveryone().warning();
        TestPolicy security = TestPolicy.advanced("No proxies").forEveryone().blockingAnonymizers();
        account.with(security, filter).categorise("casino-proxy.test", "gambling", "anonymizers")
                .categorise("proxy.test", "anonymizers");

        assertVerdict(account.decide("casino-proxy.test", nobody()), Action.WARNED, Reason.CATEGORY, filter);
        assertVerdict(account.decide("proxy.test", nobody()), Action.BLOCKED, Reason.ANONYMIZER, security);
    }

    @Test
    void aDetectedTunnelIsBlockedOnlyWhereTheAdvancedSecurityPolicySaysSo() {
        TestPolicy security = TestPolicy.advanced("No tunnels").forEveryone().blockingDetectedTunnels();
        TestPolicy ann = TestPolicy.advanced("Ann").forUser(ANN).enforcingSafeSearch();
        account.with(security, ann).tunnelDetected("tunnel.test", java.time.Instant.now(), java.time.Duration.ofMinutes(15));

        assertVerdict(account.decide("tunnel.test", nobody()), Action.BLOCKED, Reason.TUNNEL, security);
        assertVerdict(account.decide("a1b2c3d4.t.tunnel.test", nobody()), Action.BLOCKED, Reason.TUNNEL, security);
        assertVerdict(account.decideTarget("x.tunnel.test", nobody()), Action.BLOCKED, Reason.TUNNEL, security);
        // Not a subdomain, only a name ending alike; and a user whose own policy does not block tunnels.
        assertVerdict(account.decide("notatunnel.test", nobody()), Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
        assertVerdict(account.decide("x.tunnel.test", user(ANN)), Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
    }

    @Test
    void aDetectedTunnelStopsBeingBlockedWhenItsDetectionEndsOrGoesStale() {
        TestPolicy security = TestPolicy.advanced("No tunnels").forEveryone().blockingDetectedTunnels();
        account.with(security)
                .tunnelDetected("stale.test", java.time.Instant.now().minusSeconds(16 * 60), java.time.Duration.ofMinutes(15))
                .tunnelDetected("cleared.test", java.time.Instant.now(), java.time.Duration.ofMinutes(15))
                .tunnelCleared("cleared.test");

        assertVerdict(account.decide("x.stale.test", nobody()), Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
        assertVerdict(account.decide("x.cleared.test", nobody()), Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
    }

    @Test
    void anAllowListOrADomainExceptionLetsADetectedTunnelThrough() {
        TestPolicy security = TestPolicy.advanced("No tunnels").forEveryone().blockingDetectedTunnels();
        TestPolicy allowed = TestPolicy.list("Known good").forEveryone().allowing("cdn.test");
        account.with(security, allowed).exceptDomains("trusted.test");
        java.time.Instant now = java.time.Instant.now();
        account.tunnelDetected("cdn.test", now, java.time.Duration.ofMinutes(15))
                .tunnelDetected("trusted.test", now, java.time.Duration.ofMinutes(15));

        assertVerdict(account.decide("a.cdn.test", nobody()), Action.ALLOWED, Reason.ALLOW_LIST, allowed);
        assertVerdict(account.decide("a.trusted.test", nobody()), Action.ALLOWED, Reason.DOMAIN_EXCEPTION, null);
    }

    @Test
    void aTunnelBlockComesBeforeACategoryWarning() {
        TestPolicy filter = TestPolicy.categories("Warn on gambling", "gambling").forEveryone().warning();
        TestPolicy security = TestPolicy.advanced("No tunnels").forEveryone().blockingDetectedTunnels();
        account.with(filter, security).categorise("casino.test", "gambling")
                .tunnelDetected("casino.test", java.time.Instant.now(), java.time.Duration.ofMinutes(15));

        assertVerdict(account.decide("t.casino.test", nobody()), Action.BLOCKED, Reason.TUNNEL, security);
    }

    @Test
    void aCategoryBlockComesBeforeSafeSearch() {
        TestPolicy filter = TestPolicy.categories("No search", "search").forEveryone();
        TestPolicy security = TestPolicy.advanced("Safe").forEveryone().enforcingSafeSearch();
        account.with(filter, security).categorise("bing.com", "search");

        assertVerdict(account.decide("www.bing.com", nobody()), Action.BLOCKED, Reason.CATEGORY, filter);
    }

    // Disabled policies, no policy

    @Test
    void disabledPoliciesAreSkipped() {
        TestPolicy everyone = TestPolicy.list("Everyone").forEveryone().blocking("example.test");
        TestPolicy annOff = TestPolicy.list("Ann").forUser(ANN).allowing("example.test").disabled();
        TestPolicy filter = TestPolicy.categories("Everyone", "gambling").forEveryone();
        TestPolicy annFilterOff = TestPolicy.categories("Ann").forUser(ANN).disabled();
        TestPolicy logsOff = TestPolicy.logSettings("Ann", LogMode.NOTHING).forUser(ANN).disabled();
        TestPolicy safeOff = TestPolicy.advanced("Safe").forEveryone().enforcingSafeSearch().disabled();
        account.with(everyone, annOff, filter, annFilterOff, logsOff, safeOff).categorise("casino.test", "gambling");

        Verdict verdict = account.decide("example.test", user(ANN));
        assertVerdict(verdict, Action.BLOCKED, Reason.BLOCK_LIST, everyone);
        assertThat(verdict.logMode()).isEqualTo(LogMode.EVERYTHING);
        assertVerdict(account.decide("casino.test", user(ANN)), Action.BLOCKED, Reason.CATEGORY, filter);
        assertVerdict(account.decide("www.google.com", user(ANN)), Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
    }

    @Test
    void noPolicyMeansDefaultAllowAndLogEverything() {
        account.categorise("casino.test", "gambling").categorise("proxy.test", "anonymizers");

        for (String name : new String[] {"example.test", "casino.test", "proxy.test", "www.google.com"}) {
            Verdict verdict = account.decide(name, user(ANN, HQ));
            assertVerdict(verdict, Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
            assertThat(verdict.logMode()).isEqualTo(LogMode.EVERYTHING);
            assertThat(verdict.logged()).isTrue();
        }
        byte[] name = "example.test".getBytes(StandardCharsets.US_ASCII);
        assertVerdict(AccountPolicies.NONE.decide(name, name.length, nobody(), null, true), Action.ALLOWED,
                Reason.DEFAULT_ALLOW, null);
        assertThat(AccountPolicies.NONE.decide(name, name.length, nobody(), null, true).logMode()).isEqualTo(LogMode.EVERYTHING);
    }

    @Test
    void aPolicyWithoutThePayloadOfItsTypeIsIgnored() {
        // A reader meeting a policy type it does not know reads LOG_SETTINGS with no payload.
        TestPolicy unknown = TestPolicy.logSettings("From a newer schema", LogMode.NOTHING).forEveryone().withoutPayload();
        TestPolicy emptyList = TestPolicy.list("No lists").forEveryone().withoutPayload();
        TestPolicy everyone = TestPolicy.list("Everyone").forEveryone().blocking("example.test").priority(200);
        account.with(unknown, emptyList, everyone);

        Verdict verdict = account.decide("example.test", nobody());
        assertVerdict(verdict, Action.BLOCKED, Reason.BLOCK_LIST, everyone);
        assertThat(verdict.logMode()).isEqualTo(LogMode.EVERYTHING);
    }

    // Log Settings

    @Test
    void logModeIsThatOfTheFirstApplyingLogSettingsPolicyForEveryVerdict() {
        TestPolicy list = TestPolicy.list("Everyone").forEveryone().blocking("example.test");
        TestPolicy everyone = TestPolicy.logSettings("Everyone", LogMode.EVERYTHING).forEveryone();
        TestPolicy hq = TestPolicy.logSettings("HQ", LogMode.BLOCKED_ONLY).forLocation(HQ);
        TestPolicy ann = TestPolicy.logSettings("Ann", LogMode.NOTHING).forUser(ANN);
        account.with(list, everyone, hq, ann);

        assertThat(account.decide("example.test", user(ANN, HQ)).logMode()).isEqualTo(LogMode.NOTHING);
        assertThat(account.decide("other.test", user(ANN, HQ)).logMode()).isEqualTo(LogMode.NOTHING);
        assertThat(account.decide("example.test", user(BOB, HQ)).logMode()).isEqualTo(LogMode.BLOCKED_ONLY);
        assertThat(account.decide("example.test", user(BOB, BRANCH)).logMode()).isEqualTo(LogMode.EVERYTHING);
        assertVerdict(account.decide("example.test", user(ANN, HQ)), Action.BLOCKED, Reason.BLOCK_LIST, list);
    }

    @Test
    void logSettingsDecideWhichVerdictsAreLogged() {
        TestPolicy list = TestPolicy.list("Everyone").forEveryone().blocking("blocked.test");
        TestPolicy warn = TestPolicy.categories("Warn on games", "games").forEveryone().warning();
        TestPolicy safe = TestPolicy.advanced("Safe").forEveryone().enforcingSafeSearch();
        TestPolicy blockedOnly = TestPolicy.logSettings("HQ", LogMode.BLOCKED_ONLY).forLocation(HQ);
        TestPolicy nothing = TestPolicy.logSettings("Branch", LogMode.NOTHING).forLocation(BRANCH);
        account.with(list, warn, safe, blockedOnly, nothing).categorise("chess.test", "games");

        assertThat(account.decide("blocked.test", at(HQ)).logged()).isTrue();
        assertThat(account.decide("chess.test", at(HQ)).logged()).isTrue();
        assertThat(account.decide("www.google.com", at(HQ)).logged()).isFalse();
        assertThat(account.decide("example.test", at(HQ)).logged()).isFalse();
        assertThat(account.decide("blocked.test", at(BRANCH)).logged()).isFalse();
        assertThat(account.decide("example.test", nobody()).logged()).isTrue();
    }

    // Exceptions

    @Test
    void domainExceptionBypassesAndIsNotLogged() {
        TestPolicy list = TestPolicy.list("Everyone").forEveryone().blocking("corp.test");
        TestPolicy filter = TestPolicy.categories("No gambling", "gambling").forEveryone();
        TestPolicy logs = TestPolicy.logSettings("Everything", LogMode.EVERYTHING).forEveryone();
        account.with(list, filter, logs).exceptDomains("corp.test").categorise("casino.corp.test", "gambling");

        for (String name : new String[] {"corp.test", "intranet.corp.test", "casino.corp.test"}) {
            Verdict verdict = account.decide(name, user(ANN, HQ));
            assertVerdict(verdict, Action.ALLOWED, Reason.DOMAIN_EXCEPTION, null);
            assertThat(verdict.logged()).as(name).isFalse();
        }
        assertVerdict(account.decide("notcorp.test", nobody()), Action.ALLOWED, Reason.DEFAULT_ALLOW, null);
    }

    @Test
    void ipExceptionsCoverAnswersInsideTheirRangesAndIgnoreWhatDoesNotParse() throws Exception {
        AccountPolicies compiled = account.exceptRanges("10.0.0.0/8", "not a range", "192.0.2.0/33", "2001:db8::/32").compile();

        assertThat(compiled.hasIpExceptions()).isTrue();
        assertThat(compiled.ipExcepted(InetAddress.getByName("10.1.2.3"))).isTrue();
        assertThat(compiled.ipExcepted(InetAddress.getByName("11.0.0.1"))).isFalse();
        assertThat(compiled.ipExcepted(InetAddress.getByName("192.0.2.1"))).isFalse();
        assertThat(compiled.ipExcepted(InetAddress.getByName("2001:db8:1::1"))).isTrue();
        assertThat(compiled.ipExcepted(InetAddress.getByName("2001:db9::1"))).isFalse();
        assertThat(new TestAccount().compile().hasIpExceptions()).isFalse();
    }

    // Explanations

    @Test
    void explainNamesTheMatchedEntryHowThePolicyAppliedAndTheUsersGroups() {
        TestPolicy everyone = TestPolicy.list("Everyone").forEveryone().blocking("example.test");
        TestPolicy ann = TestPolicy.list("Ann").forUser(ANN).allowing("news.example.test");
        account.with(everyone, ann).exceptDomains("corp.test");

        assertThat(account.explain("www.news.example.test", user(ANN)))
                .isEqualTo(new Snapshot.Explanation("news.example.test", "user", List.of(FINANCE.toString())));
        assertThat(account.explain("www.news.example.test", user(CAROL)))
                .isEqualTo(new Snapshot.Explanation("example.test", "everyone", List.of()));
        assertThat(account.explain("a.corp.test", user(CAROL)))
                .isEqualTo(new Snapshot.Explanation("corp.test", "domain exception", List.of()));
        assertThat(account.explain("other.test", user(BOB)))
                .isEqualTo(new Snapshot.Explanation(null, null, List.of(FINANCE.toString())));
    }
}
