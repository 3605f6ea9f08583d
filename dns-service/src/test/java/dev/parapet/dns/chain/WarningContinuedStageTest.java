package dev.parapet.dns.chain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

import dev.parapet.dns.pages.Allowances;
import dev.parapet.dns.policy.Snapshot;
import dev.parapet.dns.policy.Verdict;
import dev.parapet.schemas.v1.policies.LogMode;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.Reason;

class WarningContinuedStageTest {

    static final Verdict WARNED = new Verdict(Action.WARNED, Reason.CATEGORY, UUID.randomUUID(), "Social", 1, LogMode.EVERYTHING, null);

    private final Snapshot snapshot = Queries.snapshot();
    private final Allowances allowances = new Allowances();
    private final WarningContinuedStage stage = new WarningContinuedStage(allowances);

    private Query warned(String name) {
        Query query = Queries.decided(snapshot, name, Type.A);
        query.verdict(WARNED);
        return query;
    }

    @Test
    void aClientThatContinuedPastTheWarningIsLetThrough() {
        allowances.grant(Queries.ACCOUNT, "192.0.2.10", "social.example", Duration.ofMinutes(10));
        Query query = warned("social.example");
        Queries.run(stage, query, Queries.Rest.answering());
        assertThat(query.verdict().action()).isEqualTo(Action.ALLOWED_AFTER_WARNING);
        assertThat(query.verdict().reason()).isEqualTo(Reason.CATEGORY);
        assertThat(query.verdict().policyName()).isEqualTo("Social");
    }

    @Test
    void withoutContinuingTheWarningStands() {
        allowances.grant(Queries.ACCOUNT, "192.0.2.11", "social.example", Duration.ofMinutes(10));
        Query query = warned("social.example");
        Queries.run(stage, query, Queries.Rest.answering());
        assertThat(query.verdict()).isSameAs(WARNED);
    }
}
