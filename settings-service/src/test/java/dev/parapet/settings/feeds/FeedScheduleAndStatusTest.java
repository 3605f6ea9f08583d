package dev.parapet.settings.feeds;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.parapet.schemas.v1.categories.CategoryFeedStatus;
import dev.parapet.schemas.v1.categories.CategoryFeedSubscription;

/** The pure parts of a subscription's life: status transitions, the schedule, and the conditional request. */
class FeedScheduleAndStatusTest {

    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    private static CategoryFeedSubscription subscription(int refreshMinutes, CategoryFeedStatus status) {
        return CategoryFeedSubscription.newBuilder().setCategoryId("scam").setSource("https://lists.example.org/scam.txt")
                .setRefreshMinutes(refreshMinutes).setVersion(1).setUpdatedBy("ops").setUpdatedAt(T0).setStatus(status).build();
    }

    private static CategoryFeedStatus good() {
        return FeedStatuses.changed(FeedStatuses.initial(), T0, "\"a\"", "Mon, 30 Nov 2026 08:00:00 GMT", 2, 1000, "hash-a");
    }

    @Test
    void aNewSubscriptionIsDueAtOnceAndAsksForTheWholeFeed() {
        CategoryFeedSubscription fresh = subscription(60, FeedStatuses.initial());
        assertThat(FeedSchedule.isDue(fresh, T0)).isTrue();
        assertThat(ConditionalRequest.of(fresh.getStatus()).headers()).isEmpty();
    }

    @Test
    void aGoodCopySetsTheValidatorsThatTheNextFetchSendsBack() {
        CategoryFeedStatus status = good();
        assertThat(status.getLastCheckedAt()).isEqualTo(T0);
        assertThat(status.getLastSuccessAt()).isEqualTo(T0);
        assertThat(status.getLastChangedAt()).isEqualTo(T0);
        assertThat(status.getDomainsInForce()).isEqualTo(1000);
        assertThat(ConditionalRequest.of(status).headers()).containsExactly(
                java.util.Map.entry("If-None-Match", "\"a\""), java.util.Map.entry("If-Modified-Since", "Mon, 30 Nov 2026 08:00:00 GMT"));
    }

    @Test
    void aNotModifiedCountsAsCheckedAndGoodAndChangesNothingElse() {
        CategoryFeedStatus failedOnce = FeedStatuses.failed(good(), T0.plusSeconds(60), "HTTP 500");
        CategoryFeedStatus status = FeedStatuses.notModified(failedOnce, T0.plusSeconds(120), null, null);
        assertThat(status.getLastCheckedAt()).isEqualTo(T0.plusSeconds(120));
        assertThat(status.getLastSuccessAt()).isEqualTo(T0.plusSeconds(120));
        assertThat(status.getLastChangedAt()).as("nothing changed").isEqualTo(T0);
        assertThat(status.getConsecutiveFailures()).isZero();
        assertThat(status.getLastError()).isNull();
        assertThat(status.getEtag()).as("kept when the 304 names none").isEqualTo("\"a\"");
        assertThat(status.getContentHash()).isEqualTo("hash-a");
        assertThat(status.getDomainsInForce()).isEqualTo(1000);
    }

    @Test
    void aFailureIsCountedAndSaidAndKeepsTheLastGoodCopyAndItsValidators() {
        CategoryFeedStatus once = FeedStatuses.failed(good(), T0.plusSeconds(60), "HTTP 500");
        CategoryFeedStatus twice = FeedStatuses.failed(once, T0.plusSeconds(180), "no domains");
        assertThat(twice.getConsecutiveFailures()).isEqualTo(2);
        assertThat(twice.getLastError()).isEqualTo("no domains");
        assertThat(twice.getLastCheckedAt()).isEqualTo(T0.plusSeconds(180));
        assertThat(twice.getLastSuccessAt()).isEqualTo(T0);
        assertThat(twice.getDomainsInForce()).isEqualTo(1000);
        assertThat(twice.getContentHash()).isEqualTo("hash-a");
        assertThat(ConditionalRequest.of(twice).etag()).isEqualTo("\"a\"");
    }

    @Test
    void aNewSourceForgetsTheOldValidatorsAndIsDueAtOnceButKeepsTheDomainsInForce() {
        CategoryFeedStatus moved = FeedStatuses.sourceChanged(FeedStatuses.failed(good(), T0.plusSeconds(60), "HTTP 500"));
        assertThat(moved.getEtag()).isNull();
        assertThat(moved.getLastModified()).isNull();
        assertThat(moved.getConsecutiveFailures()).isZero();
        assertThat(moved.getLastError()).isNull();
        assertThat(moved.getDomainsInForce()).isEqualTo(1000);
        assertThat(moved.getContentHash()).isEqualTo("hash-a");
        assertThat(ConditionalRequest.of(moved).headers()).isEmpty();
        assertThat(FeedSchedule.isDue(subscription(60, moved), T0)).isTrue();
    }

    @Test
    void afterASuccessTheNextFetchIsOneRefreshIntervalLater() {
        CategoryFeedSubscription subscription = subscription(60, good());
        assertThat(FeedSchedule.nextCheck(subscription)).isEqualTo(T0.plus(Duration.ofMinutes(60)));
        assertThat(FeedSchedule.isDue(subscription, T0.plus(Duration.ofMinutes(59)))).isFalse();
        assertThat(FeedSchedule.isDue(subscription, T0.plus(Duration.ofMinutes(60)))).isTrue();
    }

    @Test
    void afterFailuresTheFetchIsRetriedSoonerBackingOffUpToTheRefreshInterval() {
        CategoryFeedStatus status = good();
        Instant checked = T0;
        long[] expectedMinutes = {1, 2, 4, 8, 16, 32, 60, 60};
        for (long minutes : expectedMinutes) {
            status = FeedStatuses.failed(status, checked, "down");
            assertThat(FeedSchedule.nextCheck(subscription(60, status))).isEqualTo(checked.plus(Duration.ofMinutes(minutes)));
        }
        assertThat(FeedSchedule.nextCheck(subscription(1, status))).as("never later than the interval").isEqualTo(checked.plus(Duration.ofMinutes(1)));
    }
}
