package dev.parapet.diagnostics.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.parapet.diagnostics.Feed;
import dev.parapet.diagnostics.query.TrafficQueries.Count;
import dev.parapet.diagnostics.query.TrafficQueries.Interval;
import dev.parapet.diagnostics.query.TrafficQueries.Summary;
import dev.parapet.diagnostics.traffic.TrafficCounting;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;

/** Verdicts counted as the processor counts them, summed as a range's windows are, and summarised. */
class TrafficReportsTest {

    static final Instant AT = Instant.parse("2026-12-01T10:00:00Z");
    static final UUID ACCOUNT = UUID.randomUUID();

    final Map<String, Long> counts = new HashMap<>();

    void count(DnsVerdict verdict, int times) {
        for (int i = 0; i < times; i++) {
            TrafficCounting.windows(verdict, dimension -> counts.merge(dimension, 1L, Long::sum));
        }
    }

    Summary summary() {
        return TrafficReports.summary(counts, AT, AT.plusSeconds(3600), Interval.MINUTE, 10);
    }

    static DnsVerdict verdict(Action action, String name, String responseCode, UUID location, UUID agent, String user,
                              List<String> categories) {
        return Feed.verdict(ACCOUNT, AT, action, name, categories, location, agent, user, responseCode);
    }

    @Test
    void anAgentWhoseQueriesWereAllBlockedShowsThemStopped() {
        UUID agent = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        count(verdict(Action.BLOCKED, "evil.test", "NOERROR", null, agent, "ann@example.com", List.of("malware")), 362);
        count(verdict(Action.WARNED, "social.test", "NOERROR", null, other, null, List.of()), 2);
        count(verdict(Action.ALLOWED, "ok.test", "NOERROR", null, other, null, List.of()), 3);

        Summary summary = summary();
        assertThat(summary.byAgent()).containsExactly(new Count(agent.toString(), 362, 362, 0), new Count(other.toString(), 5, 2, 0));
        assertThat(summary.byUser()).containsExactly(new Count("ann@example.com", 362, 362, 0));
        assertThat(summary.stopped()).isEqualTo(364);
        assertThat(summary.queries()).isEqualTo(367);
    }

    @Test
    void failedQueriesAreCountedApartAndNotAmongTheTopAllowedNames() {
        UUID office = UUID.randomUUID();
        UUID laptop = UUID.randomUUID();
        count(verdict(Action.ALLOWED, "ok.test", "NOERROR", office, null, null, List.of()), 5);
        count(verdict(Action.ALLOWED, "gone.test", "NXDOMAIN", office, null, null, List.of()), 1);
        // Many failures of one name: before, it led the top allowed names.
        count(verdict(Action.ALLOWED, "down.test", "SERVFAIL", office, null, null, List.of()), 40);
        count(verdict(Action.ALLOWED, "down.test", "SERVFAIL", null, laptop, "ann@example.com", List.of()), 2);
        count(verdict(Action.SAFESEARCH_REWRITTEN, "www.google.test", "SERVFAIL", null, laptop, "ann@example.com", List.of("search")), 1);
        count(verdict(Action.ALLOWED, "picky.test", "REFUSED", null, laptop, "ann@example.com", List.of("news")), 3);
        count(verdict(Action.BLOCKED, "evil.test", "NOERROR", office, null, null, List.of("malware")), 4);

        Summary summary = summary();
        assertThat(summary.queries()).isEqualTo(56);
        assertThat(summary.stopped()).isEqualTo(4);
        assertThat(summary.failed()).isEqualTo(46);
        assertThat(summary.byAction()).containsExactlyInAnyOrderEntriesOf(Map.of("ALLOWED", 51L, "SAFESEARCH_REWRITTEN", 1L, "BLOCKED", 4L));
        assertThat(summary.topAllowed()).extracting(TrafficQueries.NameCount::name).containsExactly("ok.test", "gone.test");
        assertThat(summary.topFailed()).containsExactly(new TrafficQueries.NameCount("down.test", 42),
                new TrafficQueries.NameCount("picky.test", 3), new TrafficQueries.NameCount("www.google.test", 1));
        assertThat(summary.topStopped()).containsExactly(new TrafficQueries.NameCount("evil.test", 4));
        assertThat(summary.byLocation()).containsExactly(new Count(office.toString(), 50, 4, 40));
        assertThat(summary.byAgent()).containsExactly(new Count(laptop.toString(), 6, 0, 6));
        assertThat(summary.byUser()).containsExactly(new Count("ann@example.com", 6, 0, 6));
        assertThat(summary.byCategory()).containsExactly(new Count("malware", 4, 4, 0), new Count("news", 3, 0, 3),
                new Count("search", 1, 0, 1));
        assertThat(summary.securityStopped()).containsEntry("malware", 4L);
    }

    @Test
    void aWindowCountsQueriesStoppedFailedAndActions() {
        TrafficReports.BucketCounts window = new TrafficReports.BucketCounts();
        Map<String, Long> dimensions = new HashMap<>();
        for (DnsVerdict verdict : List.of(verdict(Action.ALLOWED, "a.test", "NOERROR", null, null, null, List.of()),
                verdict(Action.ALLOWED, "b.test", "SERVFAIL", null, null, null, List.of()),
                verdict(Action.WARNED, "c.test", "NOERROR", null, null, null, List.of()),
                verdict(Action.BLOCKED, "d.test", "NOERROR", null, null, null, List.of()))) {
            TrafficCounting.windows(verdict, dimension -> dimensions.merge(dimension, 1L, Long::sum));
        }
        dimensions.forEach(window::add);
        assertThat(window.bucket(AT)).isEqualTo(new TrafficQueries.Bucket(AT, 4, 2, 1, Map.of("ALLOWED", 2L, "WARNED", 1L, "BLOCKED", 1L)));
    }
}
