package dev.parapet.dns.chain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;
import org.junit.jupiter.api.Test;

import dev.parapet.dns.pages.BlockNotices;
import dev.parapet.dns.policy.Snapshot;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.Reason;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

class StopStageTest {

    static BlockAnswers blocks(Snapshot snapshot) {
        return new BlockAnswers(new BlockAnswers.Settings(Queries.address("192.0.2.100"), Queries.address("2001:db8::100"),
                Duration.ofSeconds(60), Duration.ofSeconds(5), mask -> mask == 0 ? List.of() : List.of("Gambling")),
                new BlockNotices(), () -> snapshot, new SimpleMeterRegistry().counter("stopped"));
    }

    static Record a(String name, String address) {
        return new ARecord(org.xbill.DNS.Name.fromConstantString(name + "."), DClass.IN, 300, Queries.address(address));
    }

    @Test
    void aDetectedTunnelIsExplainedAsSuchAndBlockedBySecurityPolicy() {
        dev.parapet.dns.policy.Verdict tunnel = new dev.parapet.dns.policy.Verdict(dev.parapet.schemas.v1.verdicts.Action.BLOCKED,
                dev.parapet.schemas.v1.verdicts.Reason.TUNNEL, java.util.UUID.randomUUID(), "No tunnels", 0,
                dev.parapet.schemas.v1.policies.LogMode.EVERYTHING, null);
        assertThat(blocks(Queries.snapshot()).explanation(tunnel)).isEqualTo("Blocked by Parapet policy 'No tunnels' (DNS tunnel detected)");
        assertThat(BlockAnswers.errorCode(tunnel)).isEqualTo(ExtendedErrorCodeOption.BLOCKED);
    }

    @Test
    void aBlockedNameGetsThePagesAddressAndAnExtendedErrorWithoutResolving() {
        Snapshot snapshot = Queries.snapshot(Queries.blockList("casino.example"));
        Queries.Rest rest = Queries.Rest.answering(a("casino.example", "203.0.113.5"));
        Answer answer = Queries.run(new StopStage(blocks(snapshot)), Queries.decided(snapshot, "casino.example", Type.A), rest);
        assertThat(rest.calls.get()).isZero();
        Record page = Queries.response(answer).getSection(Section.ANSWER).get(0);
        assertThat(((ARecord) page).getAddress().getHostAddress()).isEqualTo("192.0.2.100");
        assertThat(page.getTTL()).isEqualTo(60);
        ExtendedErrorCodeOption error = (ExtendedErrorCodeOption) Queries.response(answer).getOPT().getOptions().get(0);
        assertThat(error.getErrorCode()).isEqualTo(ExtendedErrorCodeOption.BLOCKED);
        assertThat(error.getText()).isEqualTo("Blocked by Parapet policy 'Office BLOCK_ALLOW_LIST' (Block List)");
    }

    @Test
    void aaaaGetsThePagesIpv6AddressAndOtherTypesNoData() {
        Snapshot snapshot = Queries.snapshot(Queries.blockList("casino.example"));
        Answer aaaa = Queries.run(new StopStage(blocks(snapshot)), Queries.decided(snapshot, "casino.example", Type.AAAA),
                Queries.Rest.answering());
        assertThat(((AAAARecord) Queries.response(aaaa).getSection(Section.ANSWER).get(0)).getAddress().getHostAddress())
                .isEqualTo("2001:db8:0:0:0:0:0:100");
        Answer mx = Queries.run(new StopStage(blocks(snapshot)), Queries.decided(snapshot, "casino.example", Type.MX),
                Queries.Rest.answering());
        assertThat(Queries.response(mx).getSection(Section.ANSWER)).isEmpty();
        assertThat(mx.rcode()).isZero();
    }

    @Test
    void anAnswerInAnIpExceptionLiftsTheBlockAndAnyOtherKeepsIt() {
        Snapshot snapshot = Queries.snapshot(List.of("203.0.113.0/24"), Queries.blockList("casino.example", "other.example"));
        Query excepted = Queries.decided(snapshot, "casino.example", Type.A);
        Answer answer = Queries.run(new StopStage(blocks(snapshot)), excepted, Queries.Rest.answering(a("casino.example", "203.0.113.5")));
        assertThat(answer.resolved()).isTrue();
        assertThat(excepted.verdict().action()).isEqualTo(Action.ALLOWED);
        assertThat(excepted.verdict().reason()).isEqualTo(Reason.IP_EXCEPTION);

        Query elsewhere = Queries.decided(snapshot, "other.example", Type.A);
        Answer blocked = Queries.run(new StopStage(blocks(snapshot)), elsewhere, Queries.Rest.answering(a("other.example", "198.51.100.7")));
        assertThat(((ARecord) Queries.response(blocked).getSection(Section.ANSWER).get(0)).getAddress().getHostAddress()).isEqualTo("192.0.2.100");
        assertThat(elsewhere.verdict().action()).isEqualTo(Action.BLOCKED);
    }

    @Test
    void anAllowedNamePassesOn() {
        Snapshot snapshot = Queries.snapshot(Queries.blockList("casino.example"));
        Queries.Rest rest = Queries.Rest.answering(a("news.example", "198.51.100.7"));
        Answer answer = Queries.run(new StopStage(blocks(snapshot)), Queries.decided(snapshot, "news.example", Type.A), rest);
        assertThat(answer.resolved()).isTrue();
        assertThat(rest.calls.get()).isOne();
    }

    @Test
    void theBlockAnswerEchoesTheQuerysIdRdCdAndDoAndNeedsNoEdnsToBeRead() throws Exception {
        Snapshot snapshot = Queries.snapshot(Queries.blockList("casino.example"));
        org.xbill.DNS.Message asked = new org.xbill.DNS.Message(Queries.packet("WWW.Casino.Example", Type.A, false));
        asked.getHeader().setID(777);
        asked.getHeader().setFlag(org.xbill.DNS.Flags.CD);
        asked.addRecord(new org.xbill.DNS.OPTRecord(1232, 0, 0, org.xbill.DNS.ExtendedFlags.DO), Section.ADDITIONAL);
        Query query = new Parser().parse(asked.toWire(), dev.parapet.dns.resolve.Client.of(Queries.IN_OFFICE,
                dev.parapet.schemas.v1.verdicts.Transport.UDP), 0);
        query.attribute(snapshot, snapshot.locate(Queries.IN_OFFICE).orElseThrow());
        query.verdict(snapshot.decide(query.who(), query.nameBytes(), query.nameBytes().length));
        org.xbill.DNS.Message answer = Queries.response(Queries.run(new StopStage(blocks(snapshot)), query, Queries.Rest.answering()));
        assertThat(answer.getHeader().getID()).isEqualTo(777);
        assertThat(answer.getHeader().getFlag(org.xbill.DNS.Flags.QR)).isTrue();
        assertThat(answer.getHeader().getFlag(org.xbill.DNS.Flags.RD)).isTrue();
        assertThat(answer.getHeader().getFlag(org.xbill.DNS.Flags.RA)).isTrue();
        assertThat(answer.getHeader().getFlag(org.xbill.DNS.Flags.CD)).isTrue();
        assertThat(answer.getHeader().getFlag(org.xbill.DNS.Flags.AD)).isFalse();
        assertThat(answer.getQuestion().getName().toString()).as("the client's letter case").isEqualTo("WWW.Casino.Example.");
        assertThat(answer.getSection(Section.ANSWER).get(0).getName().toString()).isEqualTo("WWW.Casino.Example.");
        assertThat(answer.getOPT().getFlags() & org.xbill.DNS.ExtendedFlags.DO).isNotZero();
        assertThat(answer.getOPT().getPayloadSize()).isEqualTo(1232);

        Query classic = Queries.decided(snapshot, "casino.example", Type.A);
        Query withoutEdns = new Parser().parse(Queries.packet("casino.example", Type.A, false),
                dev.parapet.dns.resolve.Client.of(Queries.IN_OFFICE, dev.parapet.schemas.v1.verdicts.Transport.UDP), 0);
        withoutEdns.attribute(snapshot, classic.who());
        withoutEdns.verdict(classic.verdict());
        org.xbill.DNS.Message plain = Queries.response(Queries.run(new StopStage(blocks(snapshot)), withoutEdns, Queries.Rest.answering()));
        assertThat(plain.getOPT()).isNull();
        assertThat(plain.getSection(Section.ANSWER)).hasSize(1);
    }
}
