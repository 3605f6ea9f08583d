package dev.parapet.diagnostics.traffic;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.parapet.diagnostics.Feed;
import dev.parapet.diagnostics.traffic.TrafficCounting.Outcome;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;

class TrafficCountingTest {

    static final UUID LOCATION = UUID.fromString("00000000-0000-0000-0000-00000000000a");
    static final UUID AGENT = UUID.fromString("00000000-0000-0000-0000-00000000000b");

    static DnsVerdict verdict(Action action, String responseCode) {
        return Feed.verdict(UUID.randomUUID(), Instant.parse("2026-12-01T10:00:00Z"), action, "name.test", List.of("news"), LOCATION, AGENT,
                "ann@example.com", responseCode);
    }

    static List<String> windows(DnsVerdict verdict) {
        List<String> dimensions = new ArrayList<>();
        TrafficCounting.windows(verdict, dimensions::add);
        return dimensions;
    }

    static List<String> seconds(DnsVerdict verdict) {
        List<String> dimensions = new ArrayList<>();
        TrafficCounting.seconds(verdict, dimensions::add);
        return dimensions;
    }

    @Test
    void whatBecameOfAQuery() {
        assertThat(TrafficCounting.outcome(Action.BLOCKED, "NOERROR")).isEqualTo(Outcome.STOPPED);
        assertThat(TrafficCounting.outcome(Action.WARNED, "NOERROR")).isEqualTo(Outcome.STOPPED);
        // Stopped even when the IP-exception lookup before the block failed: the block was answered.
        assertThat(TrafficCounting.outcome(Action.BLOCKED, "SERVFAIL")).isEqualTo(Outcome.STOPPED);
        assertThat(TrafficCounting.outcome(Action.ALLOWED, "NOERROR")).isEqualTo(Outcome.RESOLVED);
        assertThat(TrafficCounting.outcome(Action.ALLOWED, "NXDOMAIN")).as("the name does not exist: an answer").isEqualTo(Outcome.RESOLVED);
        for (String code : List.of("SERVFAIL", "REFUSED", "FORMERR", "NOTIMP", "YXDOMAIN", "servfail", "RESERVED13")) {
            assertThat(TrafficCounting.outcome(Action.ALLOWED, code)).as(code).isEqualTo(Outcome.FAILED);
        }
        assertThat(TrafficCounting.outcome(Action.ALLOWED_AFTER_WARNING, "SERVFAIL")).isEqualTo(Outcome.FAILED);
        assertThat(TrafficCounting.outcome(Action.SAFESEARCH_REWRITTEN, "SERVFAIL")).isEqualTo(Outcome.FAILED);
        assertThat(TrafficCounting.outcome(Action.SAFESEARCH_REWRITTEN, "NOERROR")).isEqualTo(Outcome.RESOLVED);
        assertThat(TrafficCounting.outcome(Action.REFUSED, "REFUSED")).as("refused by Parapet, no upstream asked").isEqualTo(Outcome.REFUSED);
        assertThat(TrafficCounting.outcome(Action.ALLOWED, null)).isEqualTo(Outcome.RESOLVED);
    }

    @Test
    void aBlockedQueryCountsAsStoppedInEveryDimensionItHasTheAgentIncluded() {
        assertThat(windows(verdict(Action.BLOCKED, "NOERROR"))).containsExactlyInAnyOrder("t", "a:BLOCKED", "s",
                "l:" + LOCATION, "ls:" + LOCATION, "g:" + AGENT, "gs:" + AGENT, "u:ann@example.com", "us:ann@example.com",
                "c:news", "cs:news", "ns:name.test");
        assertThat(seconds(verdict(Action.BLOCKED, "NOERROR"))).containsExactly("t", "s");
    }

    @Test
    void aFailedQueryCountsAsFailedAndNotAmongTheAllowedNames() {
        assertThat(windows(verdict(Action.ALLOWED, "SERVFAIL"))).containsExactlyInAnyOrder("t", "a:ALLOWED", "f",
                "l:" + LOCATION, "lf:" + LOCATION, "g:" + AGENT, "gf:" + AGENT, "u:ann@example.com", "uf:ann@example.com",
                "c:news", "cf:news", "nf:name.test");
        assertThat(seconds(verdict(Action.ALLOWED, "SERVFAIL"))).containsExactly("t", "f");
    }

    @Test
    void aResolvedQueryIsAnAllowedName() {
        assertThat(windows(verdict(Action.ALLOWED, "NXDOMAIN"))).containsExactlyInAnyOrder("t", "a:ALLOWED",
                "l:" + LOCATION, "g:" + AGENT, "u:ann@example.com", "c:news", "na:name.test");
        assertThat(seconds(verdict(Action.ALLOWED, "NOERROR"))).containsExactly("t");
    }

    @Test
    void aQueryParapetRefusedIsCountedButNamedNowhere() {
        assertThat(windows(verdict(Action.REFUSED, "REFUSED"))).containsExactlyInAnyOrder("t", "a:REFUSED",
                "l:" + LOCATION, "g:" + AGENT, "u:ann@example.com", "c:news");
    }

    @Test
    void noDimensionPrefixStartsAnother() {
        List<String> prefixes = List.of(TrafficKeys.ACTION, TrafficKeys.LOCATION, TrafficKeys.LOCATION_STOPPED, TrafficKeys.LOCATION_FAILED,
                TrafficKeys.AGENT, TrafficKeys.AGENT_STOPPED, TrafficKeys.AGENT_FAILED, TrafficKeys.USER, TrafficKeys.USER_STOPPED,
                TrafficKeys.USER_FAILED, TrafficKeys.CATEGORY, TrafficKeys.CATEGORY_STOPPED, TrafficKeys.CATEGORY_FAILED,
                TrafficKeys.NAME_STOPPED, TrafficKeys.NAME_ALLOWED, TrafficKeys.NAME_FAILED);
        for (String a : prefixes) {
            for (String b : prefixes) {
                assertThat(a.equals(b) || !b.startsWith(a)).as(b + " starts with " + a).isTrue();
            }
        }
        assertThat(prefixes).doesNotContain(TrafficKeys.TOTAL, TrafficKeys.STOPPED, TrafficKeys.FAILED);
    }
}
