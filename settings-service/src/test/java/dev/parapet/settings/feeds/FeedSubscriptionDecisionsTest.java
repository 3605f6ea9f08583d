package dev.parapet.settings.feeds;

import static dev.parapet.settings.commands.InMemoryStores.command;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.audit.AuditEvent;
import dev.parapet.schemas.v1.categories.CategoryAssignment;
import dev.parapet.schemas.v1.categories.CategoryFeedSubscription;
import dev.parapet.schemas.v1.settings.CategoryFeedCheckOutcome;
import dev.parapet.schemas.v1.settings.CategoryFeedFetch;
import dev.parapet.schemas.v1.settings.DeleteCategoryFeedSubscription;
import dev.parapet.schemas.v1.settings.ImportCategoryFeed;
import dev.parapet.schemas.v1.settings.RecordCategoryFeedCheck;
import dev.parapet.schemas.v1.settings.SettingsRejection;
import dev.parapet.schemas.v1.settings.UpsertCategoryFeedSubscription;
import dev.parapet.settings.commands.Decision;
import dev.parapet.settings.commands.InMemoryStores;
import dev.parapet.settings.commands.SettingsCommandTopology;
import dev.parapet.settings.quotas.Quotas;

/** The global writer on subscriptions: audited changes, fetches recorded once, and the last good copy kept. */
class FeedSubscriptionDecisionsTest {

    private static final UUID OPERATOR = UUID.randomUUID();
    private static final String SOURCE = "https://lists.example.org/scam.txt";

    private final InMemoryStores stores = new InMemoryStores();
    private final Instant t0 = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);

    private Decision decide(Object action) {
        return stores.decide(command(OPERATOR, action), true, InMemoryStores.rules(Quotas.DEFAULTS));
    }

    private CategoryFeedSubscription subscription() {
        return stores.get(SettingsCommandTopology.CATEGORY_FEEDS_STORE, "scam");
    }

    private List<String> categoriesOf(String domain) {
        CategoryAssignment assignment = stores.get(SettingsCommandTopology.DOMAIN_CATEGORIES_STORE, domain);
        return assignment == null ? List.of() : assignment.getCategoryIds();
    }

    private Decision fetched(long version, Instant started, String etag, String... domains) {
        return decide(new ImportCategoryFeed("scam", List.of(domains), List.of(), new CategoryFeedFetch(version, started, etag, null, 0L)));
    }

    private Decision checked(long version, Instant started, CategoryFeedCheckOutcome outcome, String error) {
        return decide(new RecordCategoryFeedCheck("scam", version, started, outcome, error, null, null, 0L));
    }

    private static long domainRecords(Decision decision) {
        return decision.outputs().stream().filter(output -> output.topic().equals(Topics.DOMAIN_CATEGORIES.name())).count();
    }

    @Test
    void subscribingIsAuditedAndVersionedAndAnUnchangedPutChangesNothing() {
        Decision created = decide(new UpsertCategoryFeedSubscription(null, "scam", SOURCE, 60));
        assertThat(created.result().getAccepted()).isTrue();
        assertThat(subscription().getVersion()).isEqualTo(1);
        assertThat(subscription().getUpdatedBy()).isEqualTo("admin@example.com");
        AuditEvent audit = (AuditEvent) created.outputs().stream().filter(o -> o.topic().equals(Topics.AUDIT.name()))
                .findFirst().orElseThrow().value();
        assertThat(audit.getAction()).isEqualTo("category-feed-subscription.create");
        assertThat(audit.getAfter()).contains(SOURCE).contains("\"refreshMinutes\":60");

        assertThat(decide(new UpsertCategoryFeedSubscription(null, "scam", SOURCE, 60)).outputs()).isEmpty();
        assertThat(decide(new UpsertCategoryFeedSubscription(7L, "scam", SOURCE, 30)).result().getRejection())
                .isEqualTo(SettingsRejection.VERSION_MISMATCH);
        assertThat(decide(new UpsertCategoryFeedSubscription(1L, "scam", SOURCE, 30)).result().getAccepted()).isTrue();
        assertThat(subscription().getVersion()).isEqualTo(2);
        assertThat(decide(new UpsertCategoryFeedSubscription(null, "no-such-category", SOURCE, 60)).result().getRejection())
                .isEqualTo(SettingsRejection.NOT_FOUND);
    }

    @Test
    void aFetchedListReplacesTheDomainsAndTheSameListAgainChangesNoDomain() {
        decide(new UpsertCategoryFeedSubscription(null, "scam", SOURCE, 60));
        Decision first = fetched(1, t0, "\"a\"", "a.example", "b.example");
        assertThat(first.result().getAccepted()).isTrue();
        assertThat(domainRecords(first)).isEqualTo(2);
        assertThat(categoriesOf("a.example")).containsExactly("scam");
        assertThat(subscription().getStatus().getDomainsInForce()).isEqualTo(2);
        assertThat(subscription().getStatus().getEtag()).isEqualTo("\"a\"");
        assertThat(subscription().getStatus().getLastChangedAt()).isEqualTo(t0);

        Decision again = fetched(1, t0.plusSeconds(60), "\"a2\"", "b.example", "a.example");
        assertThat(again.result().getAccepted()).isTrue();
        assertThat(domainRecords(again)).as("same content hash: no domain written").isZero();
        assertThat(again.outputs()).noneMatch(output -> output.topic().equals(Topics.AUDIT.name()));
        assertThat(subscription().getStatus().getLastChangedAt()).isEqualTo(t0);
        assertThat(subscription().getStatus().getLastCheckedAt()).isEqualTo(t0.plusSeconds(60));
        assertThat(subscription().getStatus().getEtag()).isEqualTo("\"a2\"");

        Decision changed = fetched(1, t0.plusSeconds(120), "\"b\"", "b.example", "c.example");
        assertThat(domainRecords(changed)).isEqualTo(2);
        assertThat(categoriesOf("a.example")).isEmpty();
        assertThat(categoriesOf("c.example")).containsExactly("scam");
        assertThat(subscription().getStatus().getLastChangedAt()).isEqualTo(t0.plusSeconds(120));
    }

    @Test
    void aFailureIsRecordedAndTheLastGoodCopyStays() {
        decide(new UpsertCategoryFeedSubscription(null, "scam", SOURCE, 60));
        fetched(1, t0, "\"a\"", "a.example", "b.example");
        Decision failed = checked(1, t0.plusSeconds(60), CategoryFeedCheckOutcome.FAILED, "the source answered HTTP 500");
        assertThat(failed.result().getAccepted()).isTrue();
        assertThat(domainRecords(failed)).isZero();
        assertThat(subscription().getStatus().getConsecutiveFailures()).isEqualTo(1);
        assertThat(subscription().getStatus().getLastError()).isEqualTo("the source answered HTTP 500");
        assertThat(subscription().getStatus().getDomainsInForce()).isEqualTo(2);
        assertThat(categoriesOf("a.example")).containsExactly("scam");

        Decision empty = fetched(1, t0.plusSeconds(120), null);
        assertThat(empty.result().getRejection()).as("the writer never empties a category from a fetch").isEqualTo(SettingsRejection.INVALID);
        assertThat(categoriesOf("b.example")).containsExactly("scam");

        checked(1, t0.plusSeconds(180), CategoryFeedCheckOutcome.NOT_MODIFIED, null);
        assertThat(subscription().getStatus().getConsecutiveFailures()).isZero();
        assertThat(subscription().getStatus().getLastError()).isNull();
    }

    @Test
    void aFetchForAnOlderVersionOrOlderThanTheLastCheckIsNotRecorded() {
        decide(new UpsertCategoryFeedSubscription(null, "scam", SOURCE, 60));
        fetched(1, t0, "\"a\"", "a.example");
        assertThat(fetched(1, t0.minusSeconds(1), "\"old\"", "old.example").result().getRejection()).isEqualTo(SettingsRejection.CONFLICT);
        assertThat(checked(1, t0, CategoryFeedCheckOutcome.FAILED, "late duplicate").result().getRejection()).isEqualTo(SettingsRejection.CONFLICT);
        decide(new UpsertCategoryFeedSubscription(null, "scam", "https://other.example.org/scam.txt", 60));
        assertThat(fetched(1, t0.plusSeconds(60), "\"x\"", "x.example").result().getRejection()).isEqualTo(SettingsRejection.CONFLICT);
        assertThat(categoriesOf("old.example")).isEmpty();
        assertThat(categoriesOf("x.example")).isEmpty();
        assertThat(subscription().getStatus().getLastCheckedAt()).as("a new source is due at once").isNull();
        assertThat(subscription().getStatus().getDomainsInForce()).isEqualTo(1);
    }

    @Test
    void aOneOffImportIsRefusedWhileASubscriptionFeedsTheCategoryAndDeletingItKeepsTheDomains() {
        decide(new UpsertCategoryFeedSubscription(null, "scam", SOURCE, 60));
        fetched(1, t0, "\"a\"", "a.example");
        Decision manual = decide(new ImportCategoryFeed("scam", List.of("manual.example"), List.of(), null));
        assertThat(manual.result().getRejection()).isEqualTo(SettingsRejection.CONFLICT);
        assertThat(manual.result().getDetail()).contains("follows its feed subscription");

        Decision deleted = decide(new DeleteCategoryFeedSubscription("scam", null));
        assertThat(deleted.result().getAccepted()).isTrue();
        assertThat(subscription()).isNull();
        assertThat(categoriesOf("a.example")).containsExactly("scam");
        assertThat(decide(new ImportCategoryFeed("scam", List.of("manual.example"), List.of(), null)).result().getAccepted()).isTrue();
        assertThat(decide(new DeleteCategoryFeedSubscription("scam", null)).result().getRejection()).isEqualTo(SettingsRejection.NOT_FOUND);
    }
}
