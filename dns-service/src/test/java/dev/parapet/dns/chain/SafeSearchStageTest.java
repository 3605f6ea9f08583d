package dev.parapet.dns.chain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.Type;

import dev.parapet.dns.policy.Snapshot;
import dev.parapet.schemas.v1.verdicts.Action;

class SafeSearchStageTest {

    private final Snapshot snapshot = Queries.snapshot(Queries.safeSearch());

    @Test
    void aSearchEngineIsResolvedAsItsSafeHostBehindACname() {
        Query query = Queries.decided(snapshot, "www.google.com", Type.A);
        assertThat(query.verdict().action()).isEqualTo(Action.SAFESEARCH_REWRITTEN);
        Queries.Rest rest = Queries.Rest.answering(StopStageTest.a("forcesafesearch.google.com", "216.239.38.120"));
        Answer answer = Queries.run(new SafeSearchStage(), query, rest);
        assertThat(rest.asked).singleElement().satisfies(asked -> {
            assertThat(asked.getName().toString()).isEqualTo("forcesafesearch.google.com.");
            assertThat(asked.getType()).isEqualTo(Type.A);
        });
        assertThat(query.lookupName()).isEqualTo("forcesafesearch.google.com");
        CNAMERecord rewrite = (CNAMERecord) answer.prefix().get(0);
        assertThat(rewrite.getName().toString()).isEqualTo("www.google.com.");
        assertThat(rewrite.getTarget().toString()).isEqualTo("forcesafesearch.google.com.");
        assertThat(answer.upstream().getSection(org.xbill.DNS.Section.ANSWER)).hasSize(1);
    }

    @Test
    void otherNamesAreResolvedAsAsked() {
        Query query = Queries.decided(snapshot, "news.example", Type.A);
        Queries.Rest rest = Queries.Rest.answering();
        Answer answer = Queries.run(new SafeSearchStage(), query, rest);
        assertThat(rest.asked).singleElement().satisfies(asked -> assertThat(asked.getName().toString()).isEqualTo("news.example."));
        assertThat(answer.prefix()).isEmpty();
    }
}
