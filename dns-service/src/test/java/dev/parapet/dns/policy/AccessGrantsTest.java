package dev.parapet.dns.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.parapet.schemas.v1.access.AccessRequest;
import dev.parapet.schemas.v1.access.AccessRequestStatus;
import dev.parapet.schemas.v1.access.AccessRequester;

class AccessGrantsTest {

    static final UUID ACCOUNT = UUID.randomUUID();
    static final UUID LAPTOP = UUID.randomUUID();
    static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");

    static AccessRequest request(AccessRequestStatus status, AccessRequester requester, Instant until) {
        return AccessRequest.newBuilder().setAccountId(ACCOUNT).setRequestId(UUID.randomUUID()).setName("casino.example")
                .setReason("work").setRequester(requester).setRequestedAt(NOW.minusSeconds(600)).setStatus(status)
                .setDecidedBy("admin").setDecidedAt(NOW.minusSeconds(60)).setAllowUntil(until).setVersion(2).build();
    }

    static String key(AccessRequest request) {
        return request.getAccountId() + "/" + request.getRequestId();
    }

    @Test
    void anApprovalAllowsTheNameAndItsSubdomainsToItsUserOnlyUntilItEnds() {
        AccessGrants grants = new AccessGrants();
        AccessRequest ann = request(AccessRequestStatus.APPROVED, new AccessRequester("ann@example.com", LAPTOP, "10.0.0.7", null),
                NOW.plus(Duration.ofHours(1)));
        grants.apply(key(ann), ann);
        assertThat(grants.find(ACCOUNT, "ann@example.com", LAPTOP, "10.0.0.7", "casino.example", NOW)).isPresent();
        assertThat(grants.find(ACCOUNT, "ann@example.com", null, "192.0.2.1", "www.casino.example", NOW))
                .as("her, on another device").isPresent();
        assertThat(grants.find(ACCOUNT, "bob@example.com", LAPTOP, "10.0.0.7", "casino.example", NOW))
                .as("another user on her laptop").isEmpty();
        assertThat(grants.find(ACCOUNT, null, LAPTOP, "10.0.0.7", "casino.example", NOW)).as("her laptop, nobody signed in").isEmpty();
        assertThat(grants.find(ACCOUNT, "ann@example.com", LAPTOP, "10.0.0.7", "notcasino.example", NOW)).isEmpty();
        assertThat(grants.find(ACCOUNT, "ann@example.com", LAPTOP, "10.0.0.7", "example", NOW)).isEmpty();
        assertThat(grants.find(UUID.randomUUID(), "ann@example.com", LAPTOP, "10.0.0.7", "casino.example", NOW)).isEmpty();
        assertThat(grants.find(ACCOUNT, "ann@example.com", LAPTOP, "10.0.0.7", "casino.example", NOW.plus(Duration.ofHours(1))))
                .as("expired by itself").isEmpty();
    }

    @Test
    void withoutAUserTheDeviceAndWithoutADeviceTheAddressIsWhoItIsFor() {
        AccessGrants grants = new AccessGrants();
        AccessRequest device = request(AccessRequestStatus.APPROVED, new AccessRequester(null, LAPTOP, "10.0.0.7", null), NOW.plusSeconds(60));
        AccessRequest address = request(AccessRequestStatus.APPROVED, new AccessRequester(null, null, "10.0.0.9", null), NOW.plusSeconds(60));
        grants.apply(key(device), device);
        grants.apply(key(address), address);
        assertThat(grants.find(ACCOUNT, "anyone@example.com", LAPTOP, "192.0.2.1", "casino.example", NOW)).isPresent();
        assertThat(grants.find(ACCOUNT, null, UUID.randomUUID(), "10.0.0.7", "casino.example", NOW)).isEmpty();
        assertThat(grants.find(ACCOUNT, null, null, "10.0.0.9", "casino.example", NOW)).isPresent();
        assertThat(grants.find(ACCOUNT, null, null, "10.0.0.10", "casino.example", NOW)).isEmpty();
    }

    @Test
    void aDeclineATombstoneOrAWaitingRequestAllowsNothing() {
        AccessGrants grants = new AccessGrants();
        AccessRequester ann = new AccessRequester("ann@example.com", null, "10.0.0.7", null);
        AccessRequest approved = request(AccessRequestStatus.APPROVED, ann, NOW.plusSeconds(600));
        grants.apply(key(approved), approved);
        assertThat(grants.size()).isEqualTo(1);
        AccessRequest revoked = AccessRequest.newBuilder(approved).setStatus(AccessRequestStatus.DECLINED).setAllowUntil(NOW).build();
        grants.apply(key(revoked), revoked);
        assertThat(grants.find(ACCOUNT, "ann@example.com", null, "10.0.0.7", "casino.example", NOW)).isEmpty();
        grants.apply(key(approved), approved);
        grants.apply(key(approved), null);
        assertThat(grants.size()).isZero();
        AccessRequest waiting = request(AccessRequestStatus.PENDING, ann, null);
        grants.apply(key(waiting), waiting);
        assertThat(grants.find(ACCOUNT, "ann@example.com", null, "10.0.0.7", "casino.example", NOW)).isEmpty();
        grants.apply("not-a-key", null);
        grants.apply("x/y", null);
        assertThat(grants.size()).as("keys that name nothing change nothing").isZero();
    }

    @Test
    void anEndedApprovalIsDroppedWhenAStoppedQueryMeetsIt() {
        AccessGrants grants = new AccessGrants();
        AccessRequest ended = request(AccessRequestStatus.APPROVED, new AccessRequester("ann@example.com", null, "10.0.0.7", null),
                NOW.plusSeconds(60));
        AccessRequest running = request(AccessRequestStatus.APPROVED, new AccessRequester("bob@example.com", null, "10.0.0.8", null),
                NOW.plusSeconds(3600));
        grants.apply(key(ended), ended);
        grants.apply(key(running), running);
        // A query that no approval allows meets every one of its account's: the ended one goes, the running one stays.
        assertThat(grants.find(ACCOUNT, "carol@example.com", null, "10.0.0.9", "casino.example", NOW.plusSeconds(120))).isEmpty();
        assertThat(grants.size()).isEqualTo(1);
        assertThat(grants.find(ACCOUNT, "bob@example.com", null, "10.0.0.8", "casino.example", NOW.plusSeconds(120))).isPresent();
    }
}
