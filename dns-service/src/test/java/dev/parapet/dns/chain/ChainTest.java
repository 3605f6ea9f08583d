package dev.parapet.dns.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

class ChainTest {

    private record Step(String name, List<String> trail, boolean answers) implements Stage {
        @Override
        public java.util.concurrent.CompletionStage<Answer> handle(Query query, Next next) {
            trail.add(name);
            return answers ? CompletableFuture.completedFuture(Answer.none()) : next.handle(query);
        }
    }

    @Test
    void stagesRunInTheirOrderUntilOneAnswers() {
        List<String> trail = new ArrayList<>();
        Chain chain = Chain.of(new Step("a", trail, false), new Step("b", trail, true), new Step("c", trail, false));
        Answer answer = chain.handle(Queries.query("example.com", Type.A)).toCompletableFuture().join();
        assertThat(answer.silent()).isTrue();
        assertThat(trail).containsExactly("a", "b");
    }

    @Test
    void aQueryPastTheLastStageFails() {
        Chain chain = Chain.of(new Step("a", new ArrayList<>(), false));
        assertThatThrownBy(() -> chain.handle(Queries.query("example.com", Type.A)).toCompletableFuture().join())
                .hasMessageContaining("no stage answered");
    }

    @Test
    void namesTheStagesInOrder() {
        assertThat(Chain.of(new DecisionStage(), new SafeSearchStage()).names()).containsExactly("DecisionStage", "SafeSearchStage");
    }
}
