package dev.parapet.dns.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.parapet.schemas.v1.locations.Location;

/** Which location ranges attribute a port-53 query to an account: approved ones only. */
class LocationAttributionTest {

    private static final UUID OWNER = UUID.randomUUID();
    private static final UUID CLAIMANT = UUID.randomUUID();

    private static Location location(UUID account, List<String> cidrs, List<String> pending) {
        return Location.newBuilder().setAccountId(account).setLocationId(UUID.randomUUID()).setName("Office").setVersion(1)
                .setCidrs(cidrs).setPendingCidrs(pending).setUpdatedBy("admin").setUpdatedAt(Instant.EPOCH).build();
    }

    private static Snapshot snapshot(Location... locations) {
        return new Snapshot(ResolverState.attributing(List.of(locations)), Map.of(), null);
    }

    @Test
    void aRangePendingApprovalAttributesNoQuery() throws Exception {
        Snapshot snapshot = snapshot(location(CLAIMANT, List.of("198.51.100.0/24", "2001:db8:1::/48"),
                List.of("198.51.100.0/24", "2001:db8:1::/48")));
        assertThat(snapshot.locate(InetAddress.getByName("198.51.100.7"))).isEmpty();
        assertThat(snapshot.locate(InetAddress.getByName("2001:db8:1::7"))).isEmpty();
    }

    @Test
    void approvedRangesAttributeAndAPendingOneBesideThemDoesNot() throws Exception {
        Snapshot snapshot = snapshot(location(OWNER, List.of("203.0.113.0/24", "192.0.2.0/24"), List.of("192.0.2.0/24")),
                location(CLAIMANT, List.of("203.0.113.128/25"), List.of("203.0.113.128/25")));
        assertThat(snapshot.locate(InetAddress.getByName("203.0.113.200")).orElseThrow().accountId())
                .as("another account's pending claim inside an approved range takes nothing from its owner").isEqualTo(OWNER);
        assertThat(snapshot.locate(InetAddress.getByName("192.0.2.1"))).isEmpty();
    }

    @Test
    void aLocationWrittenBeforeApprovalExistedKeepsAttributing() throws Exception {
        Location legacy = Location.newBuilder().setAccountId(OWNER).setLocationId(UUID.randomUUID()).setName("HQ").setVersion(1)
                .setCidrs(List.of("198.51.100.0/24")).setUpdatedBy("admin").setUpdatedAt(Instant.EPOCH).build();
        assertThat(snapshot(legacy).locate(InetAddress.getByName("198.51.100.1")).orElseThrow().accountId()).isEqualTo(OWNER);
    }
}
