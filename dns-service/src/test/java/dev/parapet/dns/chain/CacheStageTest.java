package dev.parapet.dns.chain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import dev.parapet.dns.resolve.AnswerCache;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

class CacheStageTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000_000L);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final AnswerCache cache = new AnswerCache(RateLimitStageTest.properties(0, 0), meters);
    private final CacheStage stage = new CacheStage(cache, true, meters, now::get);

    private void later(long seconds) {
        now.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
    }

    private Answer ask(Queries.Rest rest) {
        return Queries.run(stage, Queries.query("www.example.com", Type.A), rest);
    }

    private static String address(Answer answer) {
        return ((ARecord) answer.upstream().getSection(Section.ANSWER).get(0)).getAddress().getHostAddress();
    }

    @Test
    void anAnswerIsKeptForItsTtlAndCountedDown() {
        Queries.Rest upstream = Queries.Rest.answering(StopStageTest.a("www.example.com", "198.51.100.7"));
        assertThat(ask(upstream).cached()).isFalse();
        later(120);
        Answer cached = ask(upstream);
        assertThat(cached.cached()).isTrue();
        assertThat(cached.ageSeconds()).isEqualTo(120);
        assertThat(cached.stale()).isFalse();
        assertThat(upstream.calls.get()).isOne();
        later(200);
        assertThat(ask(upstream).cached()).as("past its 300 s TTL: asked again").isFalse();
        assertThat(upstream.calls.get()).isEqualTo(2);
    }

    @Test
    void whenEveryUpstreamFailsAnExpiredAnswerIsServedStaleAndTheUpstreamsRestedFor30Seconds() {
        ask(Queries.Rest.answering(StopStageTest.a("www.example.com", "198.51.100.7")));
        later(3_600);
        Queries.Rest down = Queries.Rest.failing();
        Answer stale = ask(down);
        assertThat(stale.stale()).isTrue();
        assertThat(address(stale)).isEqualTo("198.51.100.7");
        assertThat(down.calls.get()).isOne();
        later(10);
        assertThat(ask(down).stale()).isTrue();
        assertThat(down.calls.get()).as("within 30 s of the failure the upstreams are not waited on").isOne();
        later(25);
        ask(down);
        assertThat(down.calls.get()).isEqualTo(2);
        assertThat(meters.counter("parapet.dns.cache.stale").count()).isEqualTo(3.0);
    }

    @Test
    void nothingIsServedStaleBeyondTheWindowOrWithoutAnAnswerEverKept() {
        assertThat(ask(Queries.Rest.failing()).resolved()).isFalse();
        ask(Queries.Rest.answering(StopStageTest.a("www.example.com", "198.51.100.7")));
        later(300 + 86_400 + 1);
        assertThat(ask(Queries.Rest.failing()).resolved()).as("a day past its TTL").isFalse();
    }

    @Test
    void anAnswerAskedInTheLastTenthOfItsTtlIsFetchedAgainOnce() {
        Queries.Rest upstream = Queries.Rest.answering(StopStageTest.a("www.example.com", "198.51.100.7"));
        ask(upstream);
        for (int i = 0; i < 5; i++) {
            ask(upstream);
        }
        assertThat(upstream.calls.get()).as("asked often, but far from expiring").isOne();
        later(275);
        assertThat(ask(upstream).cached()).as("the client is answered from the cache").isTrue();
        assertThat(upstream.calls.get()).as("and the answer fetched again behind it").isEqualTo(2);
        ask(upstream);
        assertThat(upstream.calls.get()).as("once").isEqualTo(2);
        later(30);
        Answer refreshed = ask(upstream);
        assertThat(refreshed.cached()).as("the refreshed answer outlives the old one's TTL").isTrue();
        assertThat(refreshed.ageSeconds()).isEqualTo(30);
        assertThat(meters.counter("parapet.dns.cache.prefetches").count()).isEqualTo(1.0);
    }

    @Test
    void anAnswerNobodyAsksForAsItExpiresIsNotPrefetched() {
        Queries.Rest upstream = Queries.Rest.answering(StopStageTest.a("www.example.com", "198.51.100.7"));
        ask(upstream);
        later(260);
        ask(upstream);
        later(45);
        assertThat(upstream.calls.get()).as("asked only before its last tenth").isOne();
        ask(upstream);
        assertThat(upstream.calls.get()).as("expired: fetched for the client").isEqualTo(2);
        assertThat(meters.counter("parapet.dns.cache.prefetches").count()).isZero();
    }
}
