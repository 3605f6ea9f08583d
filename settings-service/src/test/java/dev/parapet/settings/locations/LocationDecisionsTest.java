package dev.parapet.settings.locations;

import static dev.parapet.settings.commands.InMemoryStores.command;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.audit.AuditEvent;
import dev.parapet.kit.net.LocationEndpoints;
import dev.parapet.kit.secrets.Secrets;
import dev.parapet.schemas.v1.locations.EncryptedDns;
import dev.parapet.schemas.v1.locations.Location;
import dev.parapet.schemas.v1.settings.ReviewLocationRanges;
import dev.parapet.schemas.v1.settings.SetLocationEncryptedDns;
import dev.parapet.schemas.v1.settings.SettingsCommandResult;
import dev.parapet.schemas.v1.settings.SettingsRejection;
import dev.parapet.schemas.v1.settings.UpsertLocation;
import dev.parapet.settings.commands.CommandDecisions;
import dev.parapet.settings.commands.Decision;
import dev.parapet.settings.commands.InMemoryStores;
import dev.parapet.settings.commands.SettingsCommandTopology;
import dev.parapet.settings.quotas.Quotas;

/** The global writer's location decisions: approval states, overlaps that reveal nothing, and the caps. */
class LocationDecisionsTest {

    private static final Quotas QUOTAS = new Quotas(100, 1_000_000, 1000, 2, 3, 4, 2, 10_000);
    private static final CommandDecisions.Rules PUBLIC_ONLY = new CommandDecisions.Rules(QUOTAS, false);
    private static final CommandDecisions.Rules LOCAL_STACK = new CommandDecisions.Rules(QUOTAS, true);
    private static final UUID OPERATOR = UUID.randomUUID();

    private final InMemoryStores stores = new InMemoryStores();
    private final UUID owner = UUID.randomUUID();
    private final UUID other = UUID.randomUUID();

    private static Location location(UUID locationId, String... cidrs) {
        return Location.newBuilder().setAccountId(UUID.randomUUID()).setLocationId(locationId).setName("Office " + locationId)
                .setVersion(0).setCidrs(List.of(cidrs)).setUpdatedBy("a").setUpdatedAt(Instant.EPOCH).build();
    }

    private SettingsCommandResult upsert(UUID account, boolean create, Location location, CommandDecisions.Rules rules) {
        return stores.decide(command(account, new UpsertLocation(create, null, location)), true, rules).result();
    }

    private Decision review(UUID account, UUID locationId, List<String> approve, List<String> reject) {
        return stores.decide(command(account, new ReviewLocationRanges(locationId, approve, reject, OPERATOR)), true, PUBLIC_ONLY);
    }

    private Location stored(UUID account, UUID locationId) {
        return stores.get(SettingsCommandTopology.LOCATIONS_STORE, LocationDecisions.key(account, locationId));
    }

    private UUID approvedLocation(UUID account, String cidr) {
        UUID id = UUID.randomUUID();
        assertThat(upsert(account, true, location(id, cidr), PUBLIC_ONLY).getAccepted()).isTrue();
        assertThat(review(account, id, List.of(cidr), List.of()).result().getAccepted()).isTrue();
        return id;
    }

    @Test
    void aNewPublicRangeIsPendingUntilTheOperatorApprovesIt() {
        UUID id = UUID.randomUUID();
        assertThat(upsert(owner, true, location(id, "198.51.100.0/24", "2001:db8:1::/48"), PUBLIC_ONLY).getAccepted()).isTrue();
        assertThat(stored(owner, id).getPendingCidrs()).containsExactly("198.51.100.0/24", "2001:db8:1::/48");
        assertThat(LocationDecisions.approved(stored(owner, id))).isEmpty();

        Decision approved = review(owner, id, List.of("198.51.100.0/24"), List.of("2001:db8:1::/48"));
        assertThat(approved.result().getAccepted()).isTrue();
        assertThat(stored(owner, id).getCidrs()).containsExactly("198.51.100.0/24");
        assertThat(stored(owner, id).getPendingCidrs()).isEmpty();
        List<AuditEvent> audits = approved.outputs().stream().filter(o -> o.topic().equals(Topics.AUDIT.name()))
                .map(o -> (AuditEvent) o.value()).toList();
        assertThat(audits).extracting(AuditEvent::getAccountId).containsExactlyInAnyOrder(owner, OPERATOR);

        Location narrowed = location(id, "198.51.100.0/25", "203.0.113.0/24");
        assertThat(upsert(owner, false, narrowed, PUBLIC_ONLY).getAccepted()).isTrue();
        assertThat(stored(owner, id).getPendingCidrs()).as("inside an approved range: stays approved; a new one waits")
                .containsExactly("203.0.113.0/24");
    }

    @Test
    void privateRangesAreApprovedAtOnceWhereTheyAreAllowed() {
        UUID id = UUID.randomUUID();
        assertThat(upsert(owner, true, location(id, "127.0.0.0/8", "::1/128", "198.51.100.0/24"), LOCAL_STACK).getAccepted()).isTrue();
        assertThat(stored(owner, id).getPendingCidrs()).containsExactly("198.51.100.0/24");
    }

    @Test
    void anotherAccountsApprovedRangeCannotBeClaimedAndTheRefusalNamesNothingOfIt() {
        UUID theirs = approvedLocation(owner, "198.51.100.0/24");
        SettingsCommandResult refused = upsert(other, true, location(UUID.randomUUID(), "198.51.100.128/25"), PUBLIC_ONLY);
        assertThat(refused.getAccepted()).isFalse();
        assertThat(refused.getRejection()).isEqualTo(SettingsRejection.CONFLICT);
        assertThat(refused.getDetail()).isEqualTo("198.51.100.128/25 " + LocationDecisions.UNCLAIMABLE)
                .doesNotContain(owner.toString()).doesNotContain(theirs.toString()).doesNotContain("198.51.100.0/24")
                .doesNotContain(stored(owner, theirs).getName()).doesNotContain("another account");

        SettingsCommandResult wider = upsert(other, true, location(UUID.randomUUID(), "198.51.100.0/23"), PUBLIC_ONLY);
        assertThat(wider.getDetail()).isEqualTo("198.51.100.0/23 " + LocationDecisions.UNCLAIMABLE);
    }

    @Test
    void aPendingClaimBlocksNobodyButOnlyOneOfTwoCanBeApproved() {
        UUID squatter = UUID.randomUUID();
        assertThat(upsert(other, true, location(squatter, "198.51.100.0/24"), PUBLIC_ONLY).getAccepted()).isTrue();
        UUID real = UUID.randomUUID();
        assertThat(upsert(owner, true, location(real, "198.51.100.0/24"), PUBLIC_ONLY).getAccepted())
                .as("another account's pending claim does not block the owner").isTrue();
        assertThat(review(owner, real, List.of("198.51.100.0/24"), List.of()).result().getAccepted()).isTrue();

        SettingsCommandResult second = review(other, squatter, List.of("198.51.100.0/24"), List.of()).result();
        assertThat(second.getRejection()).isEqualTo(SettingsRejection.CONFLICT);
        assertThat(second.getDetail()).as("the operator is told which account holds it").contains(owner.toString());
        assertThat(review(other, squatter, List.of(), List.of("198.51.100.0/24")).result().getAccepted()).isTrue();
        assertThat(stored(other, squatter).getCidrs()).isEmpty();
    }

    @Test
    void anAccountsOwnOverlapsAreShownInFull() {
        UUID first = UUID.randomUUID();
        assertThat(upsert(owner, true, location(first, "198.51.100.0/24"), PUBLIC_ONLY).getAccepted()).isTrue();
        SettingsCommandResult refused = upsert(owner, true, location(UUID.randomUUID(), "198.51.100.0/25"), PUBLIC_ONLY);
        assertThat(refused.getRejection()).isEqualTo(SettingsRejection.CONFLICT);
        assertThat(refused.getDetail()).contains("198.51.100.0/24").contains(first.toString());
    }

    @Test
    void onlyPendingRangesCanBeApprovedAndAnApprovedOneCanBeWithdrawn() {
        UUID id = approvedLocation(owner, "198.51.100.0/24");
        SettingsCommandResult again = review(owner, id, List.of("198.51.100.0/24"), List.of()).result();
        assertThat(again.getRejection()).isEqualTo(SettingsRejection.INVALID);
        assertThat(review(owner, id, List.of(), List.of("203.0.113.0/24")).result().getRejection())
                .isEqualTo(SettingsRejection.INVALID);
        assertThat(review(owner, id, List.of(), List.of("198.51.100.0/24")).result().getAccepted()).isTrue();
        assertThat(stored(owner, id).getCidrs()).isEmpty();
        assertThat(review(owner, UUID.randomUUID(), List.of("198.51.100.0/24"), List.of()).result().getRejection())
                .isEqualTo(SettingsRejection.NOT_FOUND);
    }

    @Test
    void locationsAndRangesPerLocationAndPerAccountAreCapped() {
        SettingsCommandResult tooMany = upsert(owner, true, location(UUID.randomUUID(), "192.0.2.0/26", "192.0.2.64/26",
                "192.0.2.128/26", "192.0.2.192/26"), PUBLIC_ONLY);
        assertThat(tooMany.getRejection()).isEqualTo(SettingsRejection.QUOTA_EXCEEDED);
        assertThat(tooMany.getQuota().getQuota()).isEqualTo("ranges-per-location");
        assertThat(tooMany.getQuota().getLimit()).isEqualTo(3);

        assertThat(upsert(owner, true, location(UUID.randomUUID(), "192.0.2.0/26", "192.0.2.64/26", "192.0.2.128/26"),
                PUBLIC_ONLY).getAccepted()).isTrue();
        SettingsCommandResult overAccount = upsert(owner, true, location(UUID.randomUUID(), "198.51.100.0/26", "198.51.100.64/26"),
                PUBLIC_ONLY);
        assertThat(overAccount.getQuota().getQuota()).isEqualTo("ranges-per-account");
        assertThat(overAccount.getQuota().getLimit()).isEqualTo(4);
        assertThat(overAccount.getQuota().getCurrent()).isEqualTo(3);

        assertThat(upsert(owner, true, location(UUID.randomUUID(), "198.51.100.0/26"), PUBLIC_ONLY).getAccepted()).isTrue();
        SettingsCommandResult third = upsert(owner, true, location(UUID.randomUUID(), "203.0.113.0/26"), PUBLIC_ONLY);
        assertThat(third.getQuota().getQuota()).isEqualTo("locations-per-account");
        assertThat(third.getQuota().getCurrent()).isEqualTo(2);
        assertThat(upsert(other, true, location(UUID.randomUUID(), "203.0.113.0/26"), PUBLIC_ONLY).getAccepted())
                .as("another account has its own caps").isTrue();
    }

    private Decision setEncryptedDns(UUID account, UUID locationId, EncryptedDns endpoints) {
        return stores.decide(command(account, new SetLocationEncryptedDns(locationId, null, endpoints)), true, PUBLIC_ONLY);
    }

    private static EncryptedDns endpoints(String secret, String label) {
        return new EncryptedDns(Secrets.verifier(secret), label, Instant.EPOCH);
    }

    private static AuditEvent auditOf(Decision decision) {
        return decision.outputs().stream().filter(o -> o.topic().equals(Topics.AUDIT.name())).map(o -> (AuditEvent) o.value())
                .findFirst().orElseThrow();
    }

    @Test
    void encryptedDnsIsCreatedRotatedAndTurnedOffAndAuditedWithoutItsHash() {
        UUID id = UUID.randomUUID();
        assertThat(upsert(owner, true, location(id), PUBLIC_ONLY).getAccepted()).as("a location without a range").isTrue();
        String first = LocationEndpoints.newSecret();
        String label = LocationEndpoints.newLabel();
        Decision created = setEncryptedDns(owner, id, endpoints(first, label));
        assertThat(created.result().getAccepted()).isTrue();
        assertThat(created.result().getVersion()).isEqualTo(2);
        assertThat(stored(owner, id).getEncryptedDns().getDotLabel()).isEqualTo(label);
        assertThat(stored(owner, id).getEncryptedDns().getRotatedAt()).as("the writer's time").isAfter(Instant.EPOCH);
        assertThat(Secrets.matches(first, stored(owner, id).getEncryptedDns().getDohVerifier())).isTrue();
        AuditEvent audit = auditOf(created);
        assertThat(audit.getAction()).isEqualTo("location.encrypted-dns.create");
        assertThat(audit.getAfter()).contains(label).doesNotContain(first).doesNotContain(LocationEndpoints.fingerprint(first));

        Location renamed = location(id);
        renamed.setName("Renamed");
        assertThat(upsert(owner, false, renamed, PUBLIC_ONLY).getAccepted()).isTrue();
        assertThat(stored(owner, id).getEncryptedDns().getDotLabel()).as("a replace keeps the endpoints").isEqualTo(label);

        String second = LocationEndpoints.newSecret();
        Decision rotated = setEncryptedDns(owner, id, endpoints(second, LocationEndpoints.newLabel()));
        assertThat(auditOf(rotated).getAction()).isEqualTo("location.encrypted-dns.rotate");
        assertThat(auditOf(rotated).toString()).doesNotContain(first).doesNotContain(second)
                .doesNotContain(LocationEndpoints.fingerprint(first)).doesNotContain(LocationEndpoints.fingerprint(second));
        assertThat(Secrets.matches(first, stored(owner, id).getEncryptedDns().getDohVerifier())).isFalse();
        assertThat(Secrets.matches(second, stored(owner, id).getEncryptedDns().getDohVerifier())).isTrue();

        Decision off = setEncryptedDns(owner, id, null);
        assertThat(auditOf(off).getAction()).isEqualTo("location.encrypted-dns.delete");
        assertThat(stored(owner, id).getEncryptedDns()).isNull();
        assertThat(setEncryptedDns(owner, id, null).result().getRejection()).as("nothing to turn off")
                .isEqualTo(SettingsRejection.NOT_FOUND);
    }

    @Test
    void encryptedDnsNeedsTheAccountsOwnLocationAndALabelNoOtherLocationHas() {
        UUID mine = UUID.randomUUID();
        assertThat(upsert(owner, true, location(mine), PUBLIC_ONLY).getAccepted()).isTrue();
        String label = LocationEndpoints.newLabel();
        String secret = LocationEndpoints.newSecret();
        assertThat(setEncryptedDns(owner, mine, endpoints(secret, label)).result().getAccepted()).isTrue();

        assertThat(setEncryptedDns(other, mine, endpoints(LocationEndpoints.newSecret(), LocationEndpoints.newLabel()))
                .result().getRejection()).as("another account's location is not found in this one").isEqualTo(SettingsRejection.NOT_FOUND);
        UUID theirs = UUID.randomUUID();
        assertThat(upsert(other, true, location(theirs), PUBLIC_ONLY).getAccepted()).isTrue();
        SettingsCommandResult sameLabel = setEncryptedDns(other, theirs, endpoints(LocationEndpoints.newSecret(), label)).result();
        assertThat(sameLabel.getRejection()).isEqualTo(SettingsRejection.CONFLICT);
        assertThat(sameLabel.getDetail()).doesNotContain(owner.toString()).doesNotContain(mine.toString());
        assertThat(setEncryptedDns(other, theirs, endpoints(secret, LocationEndpoints.newLabel())).result().getRejection())
                .isEqualTo(SettingsRejection.CONFLICT);
        assertThat(setEncryptedDns(other, theirs, endpoints(LocationEndpoints.newSecret(), "Not-A-Label")).result().getRejection())
                .isEqualTo(SettingsRejection.INVALID);
        assertThat(setEncryptedDns(owner, mine, endpoints(secret, label)).result().getAccepted())
                .as("the location's own endpoints are no conflict").isTrue();
    }
}
