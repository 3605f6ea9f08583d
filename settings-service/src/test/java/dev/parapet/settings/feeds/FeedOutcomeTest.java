package dev.parapet.settings.feeds;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.parapet.schemas.v1.categories.CategoryFeedStatus;
import dev.parapet.schemas.v1.settings.CategoryFeedCheckOutcome;

/** The decision that keeps the last good copy: only a usable list that differs replaces it. */
class FeedOutcomeTest {

    private static final List<String> IN_FORCE = List.of("a.example", "b.example", "c.example");
    private static final CategoryFeedStatus STATUS = FeedStatuses.changed(FeedStatuses.initial(), java.time.Instant.EPOCH, "\"a\"",
            null, 0, IN_FORCE.size(), FeedContent.hash(IN_FORCE));

    private static FeedOutcome of(Fetched fetched) {
        return FeedOutcome.of(fetched, STATUS);
    }

    private static Fetched.Body body(List<String> domains, long rejected) {
        return new Fetched.Body(domains, domains.size() + rejected, rejected, false, "\"b\"", "Tue, 01 Dec 2026 08:00:00 GMT");
    }

    private static FeedOutcome.Check check(FeedOutcome outcome) {
        assertThat(outcome).isInstanceOf(FeedOutcome.Check.class);
        return (FeedOutcome.Check) outcome;
    }

    @Test
    void aDifferentUsableListIsImportedWithItsValidators() {
        FeedOutcome outcome = of(body(List.of("a.example", "d.example"), 1));
        assertThat(outcome).isEqualTo(new FeedOutcome.Import(List.of("a.example", "d.example"), "\"b\"", "Tue, 01 Dec 2026 08:00:00 GMT", 1));
    }

    @Test
    void theListInForceAgainImportsNothingWhateverItsOrder() {
        FeedOutcome.Check unchanged = check(of(body(List.of("c.example", "a.example", "b.example"), 0)));
        assertThat(unchanged.outcome()).isEqualTo(CategoryFeedCheckOutcome.UNCHANGED);
        assertThat(unchanged.etag()).isEqualTo("\"b\"");
    }

    @Test
    void notModifiedImportsNothing() {
        assertThat(check(of(new Fetched.NotModified(null, null))).outcome()).isEqualTo(CategoryFeedCheckOutcome.NOT_MODIFIED);
    }

    @Test
    void aFailedFetchAnEmptyListAMostlyGarbageListAndAnOversizedListAreFailures() {
        FeedOutcome.Check failed = check(of(new Fetched.Failed("the source answered HTTP 500")));
        assertThat(failed.outcome()).isEqualTo(CategoryFeedCheckOutcome.FAILED);
        assertThat(failed.error()).isEqualTo("the source answered HTTP 500");

        FeedOutcome.Check empty = check(of(body(List.of(), 0)));
        assertThat(empty.outcome()).isEqualTo(CategoryFeedCheckOutcome.FAILED);
        assertThat(empty.error()).contains("no domains").contains("never replaces");

        FeedOutcome.Check garbage = check(of(body(List.of("error"), 40)));
        assertThat(garbage.outcome()).isEqualTo(CategoryFeedCheckOutcome.FAILED);
        assertThat(garbage.error()).contains("most of the feed is not domains");

        FeedOutcome.Check tooLarge = check(of(new Fetched.Body(List.of("a.example"), 300_000, 0, true, null, null)));
        assertThat(tooLarge.outcome()).isEqualTo(CategoryFeedCheckOutcome.FAILED);
        assertThat(tooLarge.error()).contains("250000 domains or 6 MiB").contains("one Kafka record");
    }

    @Test
    void aLongErrorIsCutShort() {
        assertThat(check(of(new Fetched.Failed("x".repeat(5000)))).error()).hasSize(FeedOutcome.MAX_ERROR_LENGTH + 1);
    }
}
