package dev.parapet.dns.chain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import dev.parapet.dns.pages.Allowances;
import dev.parapet.dns.policy.Snapshot;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.Reason;

class CnameTargetStageTest {

    private static CNAMERecord cname(String from, String to) {
        return new CNAMERecord(Name.fromConstantString(from + "."), DClass.IN, 300, Name.fromConstantString(to + "."));
    }

    private final Queries.Rest viaTracker = Queries.Rest.answering(cname("shop.example", "cdn.tracker.example"),
            StopStageTest.a("cdn.tracker.example", "198.51.100.9"));

    @Test
    void anAnswerLeadingToABlockedNameIsBlocked() {
        Snapshot snapshot = Queries.snapshot(Queries.blockList("tracker.example"));
        Query query = Queries.decided(snapshot, "shop.example", Type.A);
        Answer answer = Queries.run(new CnameTargetStage(StopStageTest.blocks(snapshot), new Allowances()), query, viaTracker);
        assertThat(query.verdict().action()).isEqualTo(Action.BLOCKED);
        assertThat(query.verdict().reason()).isEqualTo(Reason.CNAME_BLOCKED);
        assertThat(((ARecord) Queries.response(answer).getSection(Section.ANSWER).get(0)).getAddress().getHostAddress())
                .isEqualTo("192.0.2.100");
    }

    @Test
    void anAllowListDecisionIsFinalAndNotChecked() {
        Snapshot snapshot = Queries.snapshot(Queries.blockList("tracker.example"), Queries.allowList("shop.example"));
        Query query = Queries.decided(snapshot, "shop.example", Type.A);
        Answer answer = Queries.run(new CnameTargetStage(StopStageTest.blocks(snapshot), new Allowances()), query, viaTracker);
        assertThat(answer.resolved()).isTrue();
        assertThat(query.verdict().reason()).isEqualTo(Reason.ALLOW_LIST);
    }

    @Test
    void anIpExceptionInTheAnswerKeepsItAllowed() {
        Snapshot snapshot = Queries.snapshot(List.of("198.51.100.0/24"), Queries.blockList("tracker.example"));
        Query query = Queries.decided(snapshot, "shop.example", Type.A);
        Answer answer = Queries.run(new CnameTargetStage(StopStageTest.blocks(snapshot), new Allowances()), query, viaTracker);
        assertThat(answer.resolved()).isTrue();
        assertThat(query.verdict().reason()).isEqualTo(Reason.DEFAULT_ALLOW);
    }

    @Test
    void anAnswerWithoutAStoppedTargetPassesAsItCame() {
        Snapshot snapshot = Queries.snapshot(Queries.blockList("casino.example"));
        Query query = Queries.decided(snapshot, "shop.example", Type.A);
        Answer answer = Queries.run(new CnameTargetStage(StopStageTest.blocks(snapshot), new Allowances()), query, viaTracker);
        assertThat(answer.upstream().getSection(Section.ANSWER)).hasSize(2);
        assertThat(query.verdict().action()).isEqualTo(Action.ALLOWED);
    }
}
