package dev.parapet.settings.feeds;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

import dev.parapet.schemas.v1.categories.CategoryFeedSubscription;
import dev.parapet.schemas.v1.common.Actor;
import dev.parapet.schemas.v1.common.ActorKind;
import dev.parapet.schemas.v1.settings.CategoryFeedCheckOutcome;
import dev.parapet.schemas.v1.settings.CategoryFeedFetch;
import dev.parapet.schemas.v1.settings.ImportCategoryFeed;
import dev.parapet.schemas.v1.settings.RecordCategoryFeedCheck;
import dev.parapet.schemas.v1.settings.SettingsCommand;
import dev.parapet.schemas.v1.settings.SettingsCommandResult;
import dev.parapet.settings.SettingsProperties;
import dev.parapet.settings.agentsettings.SettingsState;

/**
 * Fetches a subscription's source and hands the outcome to the global writer: the new list as an
 * {@link ImportCategoryFeed} (with what the fetch saw), or the check alone ({@link RecordCategoryFeedCheck}).
 * One fetch at a time on this instance, on a thread of its own; asking for a category already being fetched joins
 * that fetch.
 */
@Component
public class FeedRefresher implements DisposableBean {

    /** The account that system commands name: they are the platform's, not an account's. */
    static final UUID PLATFORM = new UUID(0, 0);
    static final Actor ACTOR = new Actor("settings-service (category feed subscriptions)", "", ActorKind.SYSTEM, null);

    private static final Logger LOG = LoggerFactory.getLogger(FeedRefresher.class);

    private final SettingsState state;
    private final SettingsProperties properties;
    private final FeedFetcher fetcher;
    private final Map<String, CompletableFuture<Optional<CategoryFeedSubscription>>> inFlight = new ConcurrentHashMap<>();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "category-feeds");
        thread.setDaemon(true);
        return thread;
    });

    public FeedRefresher(SettingsState state, SettingsProperties properties) {
        this.state = state;
        this.properties = properties;
        this.fetcher = new FeedFetcher(properties.feeds());
    }

    /**
     * Fetches the category's source soon (after any fetch already queued) and completes once the outcome is recorded,
     * with the subscription as this instance then shows it (empty if there is none).
     */
    public CompletableFuture<Optional<CategoryFeedSubscription>> refresh(String categoryId) {
        return inFlight.computeIfAbsent(categoryId, id -> {
            CompletableFuture<Optional<CategoryFeedSubscription>> done = new CompletableFuture<>();
            worker.execute(() -> {
                try {
                    done.complete(refreshNow(id));
                } catch (RuntimeException e) {
                    LOG.warn("Category feed {}: the fetch's outcome was not confirmed by the writer: {}", id, e.getMessage());
                    done.completeExceptionally(e);
                } finally {
                    inFlight.remove(id, done);
                }
            });
            return done;
        });
    }

    private Optional<CategoryFeedSubscription> refreshNow(String categoryId) {
        CategoryFeedSubscription subscription = state.feedSubscription(categoryId).orElse(null);
        if (subscription == null) {
            return Optional.empty();
        }
        Instant last = subscription.getStatus().getLastCheckedAt();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        // The writer ignores a check that began no later than the one recorded (a clock behind another instance's).
        Instant started = last != null && !now.isAfter(last) ? last.plusMillis(1) : now;
        FeedSource.Parsed source = FeedSource.parse(subscription.getSource(), properties.feeds().allowedDirectories());
        Fetched fetched = source.source().isPresent()
                ? fetcher.fetch(source.source().get(), ConditionalRequest.of(subscription.getStatus()))
                : new Fetched.Failed("the source is not allowed on this instance: it " + source.error().orElse("is invalid"));
        FeedOutcome outcome = FeedOutcome.of(fetched, subscription.getStatus());
        Object action;
        String said;
        if (outcome instanceof FeedOutcome.Import fresh) {
            action = new ImportCategoryFeed(categoryId, fresh.domains(), List.of(), new CategoryFeedFetch(subscription.getVersion(), started,
                    fresh.etag(), fresh.lastModified(), fresh.rejectedLines()));
            said = fresh.domains().size() + " domains, changed";
        } else {
            FeedOutcome.Check check = (FeedOutcome.Check) outcome;
            action = new RecordCategoryFeedCheck(categoryId, subscription.getVersion(), started, check.outcome(), check.error(),
                    check.etag(), check.lastModified(), check.rejectedLines());
            said = check.outcome() == CategoryFeedCheckOutcome.FAILED ? "failed: " + check.error()
                    : check.outcome().name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }
        UUID commandId = UUID.randomUUID();
        SettingsCommand command = SettingsCommand.newBuilder().setCommandId(commandId).setAccountId(PLATFORM)
                .setRequestedAt(Instant.now()).setActor(ACTOR).setAction(action).build();
        SettingsCommandResult result = state.feedCommands().send(commandId, "global", command).block();
        boolean recorded = result != null && result.getAccepted();
        if (recorded) {
            awaitShown(categoryId, started);
        }
        if (outcome instanceof FeedOutcome.Check check && check.outcome() == CategoryFeedCheckOutcome.FAILED) {
            LOG.warn("Category feed {} ({}): {}; its domains in force stay", categoryId, subscription.getSource(), check.error());
        } else {
            LOG.info("Category feed {} ({}): {}", categoryId, subscription.getSource(), said);
        }
        if (!recorded && result != null) {
            LOG.info("Category feed {}: the writer did not record this fetch ({})", categoryId, result.getDetail());
        }
        return state.feedSubscription(categoryId);
    }

    /** Waits until this instance's view shows the check (read-your-writes for the refresh endpoint). */
    private void awaitShown(String categoryId, Instant started) {
        try {
            state.follower().when(() -> state.feedSubscription(categoryId).map(s -> s.getStatus().getLastCheckedAt() != null
                    && !s.getStatus().getLastCheckedAt().isBefore(started)).orElse(true), properties.feeds().fetchTimeout())
                    .get(properties.feeds().fetchTimeout().plus(Duration.ofSeconds(1)).toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception notShownYet) {
            // recorded by the writer; this instance will show it shortly
        }
    }

    @Override
    public void destroy() {
        worker.shutdownNow();
        fetcher.close();
    }
}
