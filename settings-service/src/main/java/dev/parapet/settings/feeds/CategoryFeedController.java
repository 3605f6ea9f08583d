package dev.parapet.settings.feeds;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

import dev.parapet.kit.problem.Problems;
import dev.parapet.kit.security.Admin;
import dev.parapet.schemas.v1.categories.CategoryFeedStatus;
import dev.parapet.schemas.v1.categories.CategoryFeedSubscription;
import dev.parapet.schemas.v1.settings.DeleteCategoryFeedSubscription;
import dev.parapet.schemas.v1.settings.UpsertCategoryFeedSubscription;
import dev.parapet.settings.SettingsProperties;
import dev.parapet.settings.agentsettings.SettingsState;
import dev.parapet.settings.categories.CategoryCatalogueDefinition;
import dev.parapet.settings.commands.Commands;
import reactor.core.publisher.Mono;

/**
 * The platform operator's category feed subscriptions: which source feeds each category and how often it is fetched
 * again, each with the status of its fetches; and a fetch on demand. Only the Super and Full Administrators of
 * {@code parapet.settings.operator-accounts}; every change is audited (account "global").
 */
@RestController
public class CategoryFeedController {

    public static final int DEFAULT_REFRESH_MINUTES = 60;

    /** A subscription as the operator writes it. */
    public record SubscriptionWrite(String source, Integer refreshMinutes) {
    }

    /** How its fetches went; times are when each fetch began. */
    public record StatusView(Instant lastCheckedAt, Instant lastSuccessAt, Instant lastChangedAt, int consecutiveFailures,
                             String lastError, long domainsInForce, long rejectedLines, Instant nextCheckAt) {
    }

    /** A subscription as the operator reads it. */
    public record SubscriptionView(String categoryId, String source, int refreshMinutes, long version, String updatedBy,
                                   Instant updatedAt, StatusView status) {
    }

    private final SettingsState state;
    private final SettingsProperties properties;
    private final FeedRefresher refresher;

    public CategoryFeedController(SettingsState state, SettingsProperties properties, FeedRefresher refresher) {
        this.state = state;
        this.properties = properties;
        this.refresher = refresher;
    }

    @GetMapping("/api/v1/operator/category-feeds")
    public List<SubscriptionView> list(@AuthenticationPrincipal Admin admin) {
        properties.requireOperator(admin, "read category feed subscriptions");
        return state.feedSubscriptions().stream().sorted(Comparator.comparing(CategoryFeedSubscription::getCategoryId))
                .map(CategoryFeedController::view).toList();
    }

    @GetMapping("/api/v1/operator/category-feeds/{categoryId}")
    public ResponseEntity<SubscriptionView> read(@PathVariable String categoryId, @AuthenticationPrincipal Admin admin) {
        properties.requireOperator(admin, "read category feed subscriptions");
        CategoryFeedSubscription subscription = subscription(categoryId);
        return ResponseEntity.ok().eTag(Commands.etag(subscription.getVersion())).body(view(subscription));
    }

    /**
     * Subscribes the category to a source, or changes its subscription; a new source is fetched at once, by this
     * instance (a duplicate of the scheduler's fetch elsewhere is harmless: see {@link FeedScheduler}).
     */
    @PutMapping("/api/v1/operator/category-feeds/{categoryId}")
    public Mono<ResponseEntity<SubscriptionView>> write(@PathVariable String categoryId, @AuthenticationPrincipal Admin admin,
                                                        @RequestHeader(name = "If-Match", required = false) String ifMatch,
                                                        @RequestBody(required = false) SubscriptionWrite body, ServerHttpRequest http) {
        properties.requireOperator(admin, "change category feed subscriptions");
        requireCategory(categoryId);
        if (body == null) {
            return Mono.error(Problems.badRequest("A body with source (and refreshMinutes, 60 by default) is required."));
        }
        Long expected = Commands.expectedVersion(ifMatch);
        List<Problems.FieldError> errors = new ArrayList<>();
        FeedSource.Parsed source = FeedSource.parse(body.source(), properties.feeds().allowedDirectories());
        source.error().ifPresent(why -> errors.add(new Problems.FieldError("source", why)));
        int refresh = body.refreshMinutes() == null ? DEFAULT_REFRESH_MINUTES : body.refreshMinutes();
        if (refresh < FeedSchedule.MIN_REFRESH_MINUTES || refresh > FeedSchedule.MAX_REFRESH_MINUTES) {
            errors.add(new Problems.FieldError("refreshMinutes", "must be between " + FeedSchedule.MIN_REFRESH_MINUTES
                    + " and " + FeedSchedule.MAX_REFRESH_MINUTES + " (a week)"));
        }
        if (!errors.isEmpty()) {
            return Mono.error(Problems.invalid(errors));
        }
        UpsertCategoryFeedSubscription command = new UpsertCategoryFeedSubscription(expected, categoryId,
                source.source().orElseThrow().text(), refresh);
        return Commands.send(state, admin.accountId(), admin, http, command,
                        version -> state.feedSubscription(categoryId).map(CategoryFeedSubscription::getVersion).orElse(0L) >= version)
                .map(version -> {
                    CategoryFeedSubscription written = state.feedSubscription(categoryId).orElseThrow();
                    if (written.getStatus().getLastCheckedAt() == null) {
                        // New, or a new source: fetch it now rather than at the scheduler's next look.
                        refresher.refresh(categoryId);
                    }
                    return ResponseEntity.ok().eTag(Commands.etag(written.getVersion())).body(view(written));
                });
    }

    /** Ends the subscription; the category keeps the domains it has (a one-off import of a list with no domains clears them). */
    @DeleteMapping("/api/v1/operator/category-feeds/{categoryId}")
    public Mono<ResponseEntity<Void>> delete(@PathVariable String categoryId, @AuthenticationPrincipal Admin admin,
                                             @RequestHeader(name = "If-Match", required = false) String ifMatch,
                                             ServerHttpRequest http) {
        properties.requireOperator(admin, "change category feed subscriptions");
        requireCategory(categoryId);
        return Commands.send(state, admin.accountId(), admin, http,
                        new DeleteCategoryFeedSubscription(categoryId, Commands.expectedVersion(ifMatch)),
                        version -> state.feedSubscription(categoryId).isEmpty())
                .thenReturn(ResponseEntity.noContent().build());
    }

    /** Fetches the source now, on this instance, and answers with the status once the outcome is recorded. */
    @PostMapping("/api/v1/operator/category-feeds/{categoryId}/refresh")
    public Mono<SubscriptionView> refresh(@PathVariable String categoryId, @AuthenticationPrincipal Admin admin) {
        properties.requireOperator(admin, "refresh category feeds");
        subscription(categoryId);
        return Mono.fromFuture(() -> refresher.refresh(categoryId))
                .map(refreshed -> refreshed.orElseGet(() -> subscription(categoryId))).map(CategoryFeedController::view);
    }

    private CategoryFeedSubscription subscription(String categoryId) {
        requireCategory(categoryId);
        return state.feedSubscription(categoryId).orElseThrow(() -> Problems.notFound("Category " + categoryId
                + " has no feed subscription (PUT /api/v1/operator/category-feeds/" + categoryId + " creates one)."));
    }

    private static void requireCategory(String categoryId) {
        if (!CategoryCatalogueDefinition.exists(categoryId)) {
            throw Problems.notFound("There is no category '" + categoryId + "' (see GET /api/v1/categories).");
        }
    }

    static SubscriptionView view(CategoryFeedSubscription subscription) {
        CategoryFeedStatus status = subscription.getStatus();
        return new SubscriptionView(subscription.getCategoryId(), subscription.getSource(), subscription.getRefreshMinutes(),
                subscription.getVersion(), subscription.getUpdatedBy(), subscription.getUpdatedAt(), new StatusView(
                status.getLastCheckedAt(), status.getLastSuccessAt(), status.getLastChangedAt(), status.getConsecutiveFailures(),
                status.getLastError(), status.getDomainsInForce(), status.getRejectedLines(), FeedSchedule.nextCheck(subscription)));
    }
}
