package dev.parapet.dns.chain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Type;

import dev.parapet.dns.policy.Snapshot;
import dev.parapet.dns.resolve.Client;
import dev.parapet.kit.agents.AgentCredentialVerifier.AgentIdentity;
import dev.parapet.schemas.v1.verdicts.Transport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

class AttributionStageTest {

    private final Snapshot snapshot = Queries.snapshot();
    private final Counter refused = new SimpleMeterRegistry().counter("refused");
    private final AttributionStage stage = new AttributionStage(() -> snapshot, refused);

    @Test
    void aSourceInALocationsRangeIsThatLocation() {
        Query query = Queries.query("example.com", Type.A);
        Queries.Rest rest = Queries.Rest.answering();
        Queries.run(stage, query, rest);
        assertThat(rest.calls.get()).isOne();
        assertThat(query.who().accountId()).isEqualTo(Queries.ACCOUNT);
        assertThat(query.who().locationId()).isEqualTo(Queries.OFFICE);
        assertThat(query.snapshot()).isSameAs(snapshot);
    }

    @Test
    void anAgentIsItsAccountWhereverItIs() {
        UUID agent = UUID.randomUUID();
        UUID account = UUID.randomUUID();
        Client client = new Client(Queries.ELSEWHERE, Transport.DOH, new AgentIdentity(agent, account, "laptop-1", 1, null), "ann@corp.test",
                Set.of("engineering"));
        Query query = Queries.query("example.com", Type.A, client);
        Queries.run(stage, query, Queries.Rest.answering());
        assertThat(query.who()).isEqualTo(new Snapshot.Attribution(account, null, agent, "ann@corp.test", Set.of("engineering")));
    }

    @Test
    void anAgentInsideItsOwnAccountsOfficeIsAtThatLocationButNotInAnotherAccounts() {
        UUID agent = UUID.randomUUID();
        Client atOffice = new Client(Queries.IN_OFFICE, Transport.DOH, new AgentIdentity(agent, Queries.ACCOUNT, "laptop-1", 1, null),
                null, Set.of());
        Query query = Queries.query("example.com", Type.A, atOffice);
        Queries.run(stage, query, Queries.Rest.answering());
        assertThat(query.who().locationId()).isEqualTo(Queries.OFFICE);
        assertThat(query.who().agentId()).isEqualTo(agent);

        Client visiting = new Client(Queries.IN_OFFICE, Transport.DOH, new AgentIdentity(agent, UUID.randomUUID(), "laptop-2", 1, null),
                null, Set.of());
        Query elsewhere = Queries.query("example.com", Type.A, visiting);
        Queries.run(stage, elsewhere, Queries.Rest.answering());
        assertThat(elsewhere.who().locationId()).as("another account's office is no location of this one").isNull();
    }

    @Test
    void aQueryOnALocationsOwnEndpointIsThatLocationWhateverItsAddress() {
        Snapshot.Attribution office = new Snapshot.Attribution(Queries.ACCOUNT, Queries.OFFICE, null, null);
        Query query = Queries.query("example.com", Type.A, Client.atLocation(Queries.ELSEWHERE, Transport.DOH, office));
        Queries.Rest rest = Queries.Rest.answering();
        Queries.run(stage, query, rest);
        assertThat(query.who()).isEqualTo(office);
        assertThat(rest.calls.get()).isOne();
    }

    @Test
    void anybodyElseIsRefusedNeverResolvedForAnOpenResolver() {
        Queries.Rest rest = Queries.Rest.answering();
        Answer answer = Queries.run(stage, Queries.query("example.com", Type.A, Client.of(Queries.ELSEWHERE, Transport.UDP)), rest);
        assertThat(answer.rcode()).isEqualTo(Rcode.REFUSED);
        assertThat(rest.calls.get()).isZero();
        assertThat(refused.count()).isEqualTo(1.0);
    }
}
