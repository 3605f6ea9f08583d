package dev.parapet.dns.chain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

import dev.parapet.dns.policy.AccessGrants;
import dev.parapet.dns.policy.Snapshot;
import dev.parapet.schemas.v1.access.AccessRequest;
import dev.parapet.schemas.v1.access.AccessRequestStatus;
import dev.parapet.schemas.v1.access.AccessRequester;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.Reason;

class AccessGrantStageTest {

    private final Snapshot snapshot = Queries.snapshot(Queries.blockList("casino.example"));
    private final AccessGrants grants = new AccessGrants();
    private final AccessGrantStage stage = new AccessGrantStage(() -> grants);

    private void approve(String clientAddress) {
        AccessRequest request = AccessRequest.newBuilder().setAccountId(Queries.ACCOUNT).setRequestId(UUID.randomUUID())
                .setName("casino.example").setReason("work").setRequester(new AccessRequester(null, null, clientAddress, null))
                .setRequestedAt(Instant.now().minusSeconds(60)).setStatus(AccessRequestStatus.APPROVED).setDecidedBy("admin")
                .setDecidedAt(Instant.now()).setAllowUntil(Instant.now().plus(Duration.ofHours(1))).setVersion(2).build();
        grants.apply(request.getAccountId() + "/" + request.getRequestId(), request);
    }

    @Test
    void anApprovalForThisClientLiftsTheStopKeepingThePolicy() {
        approve("192.0.2.10");
        Query query = Queries.decided(snapshot, "casino.example", Type.A);
        Queries.run(stage, query, Queries.Rest.answering());
        assertThat(query.verdict().action()).isEqualTo(Action.ALLOWED);
        assertThat(query.verdict().reason()).isEqualTo(Reason.ACCESS_REQUEST);
        assertThat(query.verdict().policyName()).isEqualTo("Office BLOCK_ALLOW_LIST");
    }

    @Test
    void anotherClientsApprovalChangesNothing() {
        approve("192.0.2.99");
        Query query = Queries.decided(snapshot, "casino.example", Type.A);
        Queries.run(stage, query, Queries.Rest.answering());
        assertThat(query.verdict().action()).isEqualTo(Action.BLOCKED);
    }
}
