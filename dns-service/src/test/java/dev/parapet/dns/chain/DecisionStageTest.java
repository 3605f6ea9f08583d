package dev.parapet.dns.chain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

import dev.parapet.dns.policy.Snapshot;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.Reason;

class DecisionStageTest {

    private final Snapshot snapshot = Queries.snapshot(Queries.blockList("casino.example"));

    private Query attributed(String name) {
        Query query = Queries.query(name, Type.A);
        query.attribute(snapshot, snapshot.locate(Queries.IN_OFFICE).orElseThrow());
        return query;
    }

    @Test
    void theAccountsPoliciesDecideTheAskedName() {
        Query query = attributed("www.casino.example");
        Queries.Rest rest = Queries.Rest.answering();
        Queries.run(new DecisionStage(), query, rest);
        assertThat(query.verdict().action()).isEqualTo(Action.BLOCKED);
        assertThat(query.verdict().reason()).isEqualTo(Reason.BLOCK_LIST);
        assertThat(rest.calls.get()).as("the decision is carried on, not answered here").isOne();
    }

    @Test
    void aNameNoPolicyListsIsAllowedByDefault() {
        Query query = attributed("news.example");
        Queries.run(new DecisionStage(), query, Queries.Rest.answering());
        assertThat(query.verdict().action()).isEqualTo(Action.ALLOWED);
        assertThat(query.verdict().reason()).isEqualTo(Reason.DEFAULT_ALLOW);
    }
}
