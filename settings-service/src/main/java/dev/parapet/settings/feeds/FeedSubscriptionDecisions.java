package dev.parapet.settings.feeds;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.parapet.kit.audit.AuditJson;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.categories.CategoryFeedStatus;
import dev.parapet.schemas.v1.categories.CategoryFeedSubscription;
import dev.parapet.schemas.v1.settings.CategoryFeedFetch;
import dev.parapet.schemas.v1.settings.DeleteCategoryFeedSubscription;
import dev.parapet.schemas.v1.settings.ImportCategoryFeed;
import dev.parapet.schemas.v1.settings.RecordCategoryFeedCheck;
import dev.parapet.schemas.v1.settings.SettingsCommand;
import dev.parapet.schemas.v1.settings.SettingsRejection;
import dev.parapet.schemas.v1.settings.UpsertCategoryFeedSubscription;
import dev.parapet.settings.categories.CategoryCatalogueDefinition;
import dev.parapet.settings.categories.CategoryFeedDecisions;
import dev.parapet.settings.commands.Decision;
import dev.parapet.settings.commands.Feature;
import dev.parapet.settings.commands.SettingsCommandTopology;
import dev.parapet.settings.commands.StateStores;

/**
 * The global writer's decisions on feed subscriptions: the operator's changes (audited), and the outcome of each
 * fetch, recorded in the subscription's status. A fetch's result is applied only to the subscription it was made
 * for (same version) and only if no later fetch was recorded; an import whose content hash equals the one in force
 * changes no domain. Two instances fetching the same feed therefore change nothing twice.
 */
public final class FeedSubscriptionDecisions {

    /**
     * Categories and their feeds: the global writer, which merges every feed's domains into one record per domain
     * (the domain-categories store) and keeps one subscription, with its status, per category.
     */
    public static final Feature FEATURE = Feature.of("categories and feed subscriptions", Feature.Writer.GLOBAL)
            .store(SettingsCommandTopology.DOMAIN_CATEGORIES_STORE, Topics.DOMAIN_CATEGORIES)
            .store(SettingsCommandTopology.CATEGORY_FEEDS_STORE, Topics.CATEGORY_FEEDS)
            .command(ImportCategoryFeed.class, (command, feed, stores, now, rules) -> importFeed(stores, command, feed, now))
            .command(UpsertCategoryFeedSubscription.class, (command, upsert, stores, now, rules) -> upsert(stores, command, upsert, now))
            .command(DeleteCategoryFeedSubscription.class, (command, delete, stores, now, rules) -> delete(stores, command, delete, now))
            .command(RecordCategoryFeedCheck.class, (command, check, stores, now, rules) -> recordCheck(stores, command, check, now))
            .build();

    private FeedSubscriptionDecisions() {
    }

    /**
     * A category's domains replaced: by its subscription's fetch ({@link #importFetched}), or once by an operator, which a
     * category that follows a subscription refuses: the next fetch would undo the one-off import, or a 304 would keep it
     * for ever. One source per category.
     */
    public static Decision importFeed(StateStores stores, SettingsCommand command, ImportCategoryFeed feed, Instant now) {
        if (feed.getFetch() != null) {
            return importFetched(stores, command, feed, now);
        }
        CategoryFeedSubscription subscription = stored(stores, feed.getCategoryId());
        if (subscription != null) {
            return Decision.refused(command, SettingsRejection.CONFLICT, 0, "category " + feed.getCategoryId()
                    + " follows its feed subscription (" + subscription.getSource()
                    + "); change or delete the subscription instead (/api/v1/operator/category-feeds)");
        }
        return CategoryFeedDecisions.importFeed(stores, command, feed, now);
    }

    public static CategoryFeedSubscription stored(StateStores stores, String categoryId) {
        return stores.get(SettingsCommandTopology.CATEGORY_FEEDS_STORE, categoryId);
    }

    public static Decision upsert(StateStores stores, SettingsCommand command, UpsertCategoryFeedSubscription upsert, Instant now) {
        String categoryId = upsert.getCategoryId();
        if (!CategoryCatalogueDefinition.exists(categoryId)) {
            return Decision.refused(command, SettingsRejection.NOT_FOUND, 0, "there is no category '" + categoryId + "'");
        }
        CategoryFeedSubscription stored = stored(stores, categoryId);
        Long expected = upsert.getExpectedVersion();
        if (expected != null && stored == null) {
            return Decision.refused(command, SettingsRejection.NOT_FOUND, 0, "category " + categoryId + " has no feed subscription");
        }
        if (expected != null && expected != stored.getVersion()) {
            return Decision.refused(command, SettingsRejection.VERSION_MISMATCH, stored.getVersion(), null);
        }
        if (stored != null && stored.getSource().equals(upsert.getSource()) && stored.getRefreshMinutes() == upsert.getRefreshMinutes()) {
            return new Decision(Decision.result(command, true, null, stored.getVersion(), null), List.of());
        }
        CategoryFeedStatus status = stored == null ? FeedStatuses.initial()
                : stored.getSource().equals(upsert.getSource()) ? stored.getStatus() : FeedStatuses.sourceChanged(stored.getStatus());
        CategoryFeedSubscription next = CategoryFeedSubscription.newBuilder().setCategoryId(categoryId)
                .setSource(upsert.getSource()).setRefreshMinutes(upsert.getRefreshMinutes())
                .setVersion(stored == null ? 1 : stored.getVersion() + 1).setUpdatedBy(dev.parapet.kit.audit.Actors.name(command.getActor()))
                .setUpdatedAt(now).setStatus(status).build();
        return new Decision(Decision.result(command, true, null, next.getVersion(), null), List.of(
                new Decision.Output(Topics.CATEGORY_FEEDS.name(), categoryId, next),
                new Decision.Output(Topics.AUDIT.name(), "global", Decision.audit(command,
                        stored == null ? "category-feed-subscription.create" : "category-feed-subscription.update",
                        "category-feed-subscription", categoryId, describe(stored), describe(next), now))));
    }

    public static Decision delete(StateStores stores, SettingsCommand command, DeleteCategoryFeedSubscription delete, Instant now) {
        CategoryFeedSubscription stored = stored(stores, delete.getCategoryId());
        if (stored == null) {
            return Decision.refused(command, SettingsRejection.NOT_FOUND, 0, "category " + delete.getCategoryId() + " has no feed subscription");
        }
        if (delete.getExpectedVersion() != null && delete.getExpectedVersion() != stored.getVersion()) {
            return Decision.refused(command, SettingsRejection.VERSION_MISMATCH, stored.getVersion(), null);
        }
        return new Decision(Decision.result(command, true, null, stored.getVersion(), null), List.of(
                new Decision.Output(Topics.CATEGORY_FEEDS.name(), delete.getCategoryId(), null),
                new Decision.Output(Topics.AUDIT.name(), "global", Decision.audit(command, "category-feed-subscription.delete",
                        "category-feed-subscription", delete.getCategoryId(), describe(stored), null, now))));
    }

    /** A fetch that brought no new list: 304, the list in force again, or a failure. */
    public static Decision recordCheck(StateStores stores, SettingsCommand command, RecordCategoryFeedCheck check, Instant now) {
        CategoryFeedSubscription stored = stored(stores, check.getCategoryId());
        Decision stale = staleness(command, stored, check.getCategoryId(), check.getSubscriptionVersion(), check.getStartedAt());
        if (stale != null) {
            return stale;
        }
        CategoryFeedStatus status = stored.getStatus();
        Instant started = check.getStartedAt();
        CategoryFeedStatus next = switch (check.getOutcome()) {
            case NOT_MODIFIED -> FeedStatuses.notModified(status, started, check.getEtag(), check.getLastModified());
            case UNCHANGED -> FeedStatuses.unchanged(status, started, check.getEtag(), check.getLastModified(), check.getRejectedLines());
            default -> FeedStatuses.failed(status, started, check.getError() == null ? "failed" : check.getError());
        };
        return withStatus(command, stored, next, List.of());
    }

    /**
     * A list fetched by the subscription. Equal to the one in force (same content hash): only the status changes.
     * Otherwise the category's domains are replaced ({@link CategoryFeedDecisions}) and the status says so. An empty
     * list is refused: the fetcher never sends one, and the writer never empties a category from a fetch.
     */
    public static Decision importFetched(StateStores stores, SettingsCommand command, ImportCategoryFeed feed, Instant now) {
        CategoryFeedFetch fetch = feed.getFetch();
        CategoryFeedSubscription stored = stored(stores, feed.getCategoryId());
        Decision stale = staleness(command, stored, feed.getCategoryId(), fetch.getSubscriptionVersion(), fetch.getStartedAt());
        if (stale != null) {
            return stale;
        }
        if (feed.getDomains().isEmpty()) {
            return Decision.refused(command, SettingsRejection.INVALID, stored.getVersion(),
                    "a fetched feed with no domains never replaces the domains in force");
        }
        String hash = FeedContent.hash(feed.getDomains());
        CategoryFeedStatus status = stored.getStatus();
        if (hash.equals(status.getContentHash())) {
            return withStatus(command, stored, FeedStatuses.unchanged(status, fetch.getStartedAt(), fetch.getEtag(),
                    fetch.getLastModified(), fetch.getRejectedLines()), List.of());
        }
        Decision imported = CategoryFeedDecisions.importFeed(stores, command, feed, now);
        CategoryFeedStatus next = FeedStatuses.changed(status, fetch.getStartedAt(), fetch.getEtag(), fetch.getLastModified(),
                fetch.getRejectedLines(), feed.getDomains().size(), hash);
        return withStatus(command, stored, next, imported.outputs());
    }

    /** Null when a fetch's result may be applied to the subscription; else the refusal. */
    private static Decision staleness(SettingsCommand command, CategoryFeedSubscription stored, String categoryId,
                                      long subscriptionVersion, Instant startedAt) {
        if (stored == null) {
            return Decision.refused(command, SettingsRejection.NOT_FOUND, 0, "category " + categoryId + " has no feed subscription");
        }
        if (stored.getVersion() != subscriptionVersion) {
            return Decision.refused(command, SettingsRejection.CONFLICT, stored.getVersion(),
                    "the subscription changed while its source was fetched");
        }
        Instant last = stored.getStatus().getLastCheckedAt();
        if (last != null && !startedAt.isAfter(last)) {
            return Decision.refused(command, SettingsRejection.CONFLICT, stored.getVersion(), "a later fetch was recorded");
        }
        return null;
    }

    private static Decision withStatus(SettingsCommand command, CategoryFeedSubscription stored, CategoryFeedStatus status,
                                       List<Decision.Output> before) {
        List<Decision.Output> outputs = new ArrayList<>(before);
        outputs.add(new Decision.Output(Topics.CATEGORY_FEEDS.name(), stored.getCategoryId(),
                CategoryFeedSubscription.newBuilder(stored).setStatus(status).build()));
        return new Decision(Decision.result(command, true, null, stored.getVersion(), null), outputs);
    }

    private static String describe(CategoryFeedSubscription subscription) {
        return subscription == null ? null : AuditJson.write(AuditJson.object().put("categoryId", subscription.getCategoryId())
                .put("source", subscription.getSource()).put("refreshMinutes", subscription.getRefreshMinutes())
                .put("version", subscription.getVersion()));
    }
}
