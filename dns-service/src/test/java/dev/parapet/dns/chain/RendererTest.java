package dev.parapet.dns.chain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

import dev.parapet.dns.resolve.AnswerCache;
import dev.parapet.dns.resolve.Client;
import dev.parapet.schemas.v1.verdicts.Transport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

class RendererTest {

    private final Renderer renderer = new Renderer();

    private static Message parse(byte[] wire) throws Exception {
        return new Message(wire);
    }

    @Test
    void anUpstreamAnswerGetsTheClientsIdQuestionAndItsTtlsCountedDown() throws Exception {
        Query query = Queries.query("WWW.Example.com", Type.A);
        AnswerCache cache = new AnswerCache(RateLimitStageTest.properties(0, 0), new SimpleMeterRegistry());
        cache.put("k", Queries.upstreamAnswer(query.lookup(), StopStageTest.a("www.example.com", "198.51.100.7")), 0);
        AnswerCache.Entry entry = cache.get("k");
        Message response = parse(renderer.wire(query, Answer.cached(entry, 100, false)));
        assertThat(response.getHeader().getID()).isEqualTo(0x4242);
        assertThat(response.getHeader().getFlag(Flags.QR)).isTrue();
        assertThat(response.getHeader().getFlag(Flags.RD)).isTrue();
        assertThat(response.getQuestion().getName().toString()).as("the client's own letter case").isEqualTo("WWW.Example.com.");
        assertThat(response.getSection(Section.ANSWER).get(0).getTTL()).isEqualTo(200);
        assertThat(response.getOPT()).isNotNull();
        Message again = parse(renderer.wire(Queries.query("www.example.com", Type.A), Answer.cached(entry, 100, false)));
        assertThat(again.getQuestion().getName().toString()).isEqualTo("www.example.com.");
    }

    @Test
    void servedStaleEveryTtlIsThirtySeconds() throws Exception {
        Query query = Queries.query("www.example.com", Type.A);
        AnswerCache cache = new AnswerCache(RateLimitStageTest.properties(0, 0), new SimpleMeterRegistry());
        cache.put("k", Queries.upstreamAnswer(query.lookup(), StopStageTest.a("www.example.com", "198.51.100.7")), 0);
        Message response = parse(renderer.wire(query, Answer.cached(cache.get("k"), 4_000, true)));
        assertThat(response.getSection(Section.ANSWER).get(0).getTTL()).isEqualTo(Renderer.STALE_TTL);
    }

    @Test
    void tooLargeForTheClientIsTruncated() throws Exception {
        Query classic = Queries.query("big.example", Type.TXT, Client.of(Queries.IN_OFFICE, Transport.UDP));
        Record[] records = new Record[20];
        for (int i = 0; i < records.length; i++) {
            records[i] = new TXTRecord(Name.fromConstantString("big.example."), DClass.IN, 60, "x".repeat(200) + i);
        }
        Message response = parse(renderer.wire(classic, Answer.upstream(Queries.upstreamAnswer(classic.lookup(), records))));
        assertThat(response.getHeader().getFlag(Flags.TC)).isTrue();
        Query stream = Queries.query("big.example", Type.TXT, Client.of(Queries.IN_OFFICE, Transport.TCP));
        Message whole = parse(renderer.wire(stream, Answer.upstream(Queries.upstreamAnswer(stream.lookup(), records))));
        assertThat(whole.getSection(Section.ANSWER)).hasSize(20);
    }

    @Test
    void unresolvedIsServfailAndSilentIsNothing() throws Exception {
        Query query = Queries.query("www.example.com", Type.A);
        assertThat(parse(renderer.wire(query, Answer.upstream(null))).getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(renderer.wire(query, Answer.none())).isNull();
    }

    @Test
    void aPrefixComesBeforeTheUpstreamsRecords() throws Exception {
        Query query = Queries.query("www.google.com", Type.A);
        Record cname = new org.xbill.DNS.CNAMERecord(Name.fromConstantString("www.google.com."), DClass.IN, 300,
                Name.fromConstantString("forcesafesearch.google.com."));
        Answer answer = Answer.upstream(Queries.upstreamAnswer(query.lookup(), StopStageTest.a("forcesafesearch.google.com", "216.239.38.120")))
                .withPrefix(List.of(cname));
        List<Record> records = parse(renderer.wire(query, answer)).getSection(Section.ANSWER);
        assertThat(records).extracting(Record::getType).containsExactly(Type.CNAME, Type.A);
        assertThat(((ARecord) records.get(1)).getAddress().getHostAddress()).isEqualTo("216.239.38.120");
    }
}
