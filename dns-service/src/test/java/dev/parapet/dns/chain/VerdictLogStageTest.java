package dev.parapet.dns.chain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

import dev.parapet.dns.policy.CategoryBits;
import dev.parapet.dns.policy.Snapshot;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;
import dev.parapet.schemas.v1.verdicts.Reason;
import dev.parapet.schemas.v1.verdicts.Transport;

class VerdictLogStageTest {

    private final List<DnsVerdict> logged = new ArrayList<>();
    private final VerdictLogStage stage = new VerdictLogStage(true, logged::add, new CategoryBits());
    private final Snapshot snapshot = Queries.snapshot(Queries.blockList("casino.example"));

    @Test
    void theFinalVerdictIsLoggedOnceTheRestHasAnswered() {
        Query query = Queries.decided(snapshot, "casino.example", Type.A);
        // a later stage changes the verdict (an IP exception): the log has the final one
        Queries.Rest rest = new Queries.Rest(q -> {
            q.verdict(q.verdict().with(Action.ALLOWED, Reason.IP_EXCEPTION));
            return Answer.upstream(Queries.upstreamAnswer(q.lookup()));
        });
        Queries.run(stage, query, rest);
        DnsVerdict verdict = logged.get(0);
        assertThat(verdict.getAction()).isEqualTo(Action.ALLOWED);
        assertThat(verdict.getReason()).isEqualTo(Reason.IP_EXCEPTION);
        assertThat(verdict.getAccountId()).isEqualTo(Queries.ACCOUNT);
        assertThat(verdict.getLocationId()).isEqualTo(Queries.OFFICE);
        assertThat(verdict.getClientAddress()).isEqualTo("192.0.2.10");
        assertThat(verdict.getTransport()).isEqualTo(Transport.UDP);
        assertThat(verdict.getQueryName()).isEqualTo("casino.example");
        assertThat(verdict.getQueryType()).isEqualTo("A");
        assertThat(verdict.getResponseCode()).isEqualTo("NOERROR");
        assertThat(verdict.getCached()).isFalse();
        assertThat(verdict.getPolicyId()).isNotNull();
    }

    @Test
    void anUnresolvedQueryIsLoggedAsServfail() {
        Queries.run(stage, Queries.decided(snapshot, "news.example", Type.A), Queries.Rest.failing());
        assertThat(logged).singleElement().satisfies(verdict -> {
            assertThat(verdict.getResponseCode()).isEqualTo("SERVFAIL");
            assertThat(verdict.getReason()).isEqualTo(Reason.DEFAULT_ALLOW);
        });
    }

    @Test
    void aDomainExceptionIsNeverLoggedNorIsAnythingWhenTheLogIsOff() {
        Snapshot excepting = Snapshot.of(List.of(Queries.office()), List.of(dev.parapet.schemas.v1.exceptions.AccountExceptions.newBuilder()
                .setAccountId(Queries.ACCOUNT).setVersion(1).setDomains(List.of("intranet.example")).setUpdatedBy("test")
                .setUpdatedAt(java.time.Instant.EPOCH).build()), List.of(), List.of());
        Queries.run(stage, Queries.decided(excepting, "wiki.intranet.example", Type.A), Queries.Rest.answering());
        assertThat(logged).isEmpty();
        VerdictLogStage off = new VerdictLogStage(false, logged::add, new CategoryBits());
        Queries.run(off, Queries.decided(snapshot, "casino.example", Type.A), Queries.Rest.answering());
        assertThat(logged).isEmpty();
    }
}
