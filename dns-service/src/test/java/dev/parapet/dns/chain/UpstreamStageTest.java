package dev.parapet.dns.chain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Type;

import dev.parapet.dns.resolve.Upstreams;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

class UpstreamStageTest {

    /** Upstreams that answer from here: what the stage sends, not how dnsjava sends it. */
    private static final class Recorded extends Upstreams {

        final List<Message> sent = new ArrayList<>();
        private final boolean answers;

        Recorded(boolean answers) {
            super(RateLimitStageTest.properties(0, 0), new SimpleMeterRegistry());
            this.answers = answers;
        }

        @Override
        public boolean any() {
            return true;
        }

        @Override
        public CompletionStage<Message> send(Message query, boolean checkingDisabled) {
            sent.add(query);
            return CompletableFuture.completedFuture(answers ? Queries.upstreamAnswer(query.getQuestion(),
                    StopStageTest.a("www.example.com", "198.51.100.7")) : null);
        }
    }

    @Test
    void theQuestionToResolveGoesUpstreamWithEdnsWhateverTheClientSpoke() {
        Recorded upstreams = new Recorded(true);
        Query query = Queries.query("WWW.Example.com", Type.AAAA);
        Answer answer = Queries.run(new UpstreamStage(upstreams), query, Queries.Rest.failing());
        Message sent = upstreams.sent.get(0);
        assertThat(sent.getQuestion()).isEqualTo(query.lookup());
        assertThat(sent.getOPT().getPayloadSize()).isEqualTo(1232);
        assertThat(sent.getHeader().getID()).as("a fresh id, not the client's").isNotEqualTo(0x4242);
        assertThat(answer.resolved()).isTrue();
        assertThat(answer.cached()).isFalse();
    }

    @Test
    void noAnswerFromAnyUpstreamIsUnresolved() {
        Answer answer = Queries.run(new UpstreamStage(new Recorded(false)), Queries.query("www.example.com", Type.A), Queries.Rest.failing());
        assertThat(answer.resolved()).isFalse();
        assertThat(answer.rcode()).isEqualTo(org.xbill.DNS.Rcode.SERVFAIL);
    }

    @Test
    void withoutUpstreamsNothingIsSent() {
        Upstreams none = new Upstreams(RateLimitStageTest.properties(0, 0), new SimpleMeterRegistry());
        assertThat(Queries.run(new UpstreamStage(none), Queries.query("www.example.com", Type.A), Queries.Rest.failing()).resolved())
                .isFalse();
    }
}
