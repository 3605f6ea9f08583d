package dev.parapet.settings.feeds;

import java.time.Duration;
import java.time.Instant;

import dev.parapet.schemas.v1.categories.CategoryFeedStatus;
import dev.parapet.schemas.v1.categories.CategoryFeedSubscription;

/**
 * When a subscription is fetched next: at once if it never was (new, or its source changed), every
 * {@code refreshMinutes} after a success, and sooner after failures (1, 2, 4, 8 … minutes, never later than
 * the refresh interval), so that a feed down for a minute does not leave a new category empty for an hour.
 */
public final class FeedSchedule {

    public static final int MIN_REFRESH_MINUTES = 1;
    public static final int MAX_REFRESH_MINUTES = 7 * 24 * 60;

    private FeedSchedule() {
    }

    public static Instant nextCheck(CategoryFeedSubscription subscription) {
        CategoryFeedStatus status = subscription.getStatus();
        if (status.getLastCheckedAt() == null) {
            return Instant.EPOCH;
        }
        Duration refresh = Duration.ofMinutes(subscription.getRefreshMinutes());
        int failures = status.getConsecutiveFailures();
        Duration wait = failures == 0 ? refresh : min(refresh, Duration.ofMinutes(1L << Math.min(failures - 1, 20)));
        return status.getLastCheckedAt().plus(wait);
    }

    public static boolean isDue(CategoryFeedSubscription subscription, Instant now) {
        return !nextCheck(subscription).isAfter(now);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
