package dev.parapet.dns.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.parapet.kit.net.LocationEndpoints;
import dev.parapet.kit.secrets.Secrets;
import dev.parapet.schemas.v1.locations.EncryptedDns;
import dev.parapet.schemas.v1.locations.Location;

/** Which location a query on a location's own DoH path or DoT host name is attributed to (no Kafka). */
class LocationEndpointAttributionTest {

    private static final String DOMAIN = "dot.parapet.test";
    private static final UUID ACCOUNT = UUID.randomUUID();

    private static Location location(UUID account, String secret, String label, String... cidrs) {
        return Location.newBuilder().setAccountId(account).setLocationId(UUID.randomUUID()).setName("Home office").setVersion(2)
                .setCidrs(List.of(cidrs)).setUpdatedBy("admin").setUpdatedAt(Instant.EPOCH)
                .setEncryptedDns(secret == null ? null : new EncryptedDns(Secrets.verifier(secret), label, Instant.EPOCH)).build();
    }

    private static Snapshot snapshot(Location... locations) {
        return new Snapshot(ResolverState.attributing(List.of(locations)), LocationEndpointIndex.of(List.of(locations), DOMAIN),
                Map.of(), null);
    }

    @Test
    void theDohSecretNamesItsLocationWhateverTheSourceAddress() throws Exception {
        String secret = LocationEndpoints.newSecret();
        Location home = location(ACCOUNT, secret, LocationEndpoints.newLabel());
        Snapshot snapshot = snapshot(home, location(UUID.randomUUID(), LocationEndpoints.newSecret(), LocationEndpoints.newLabel()));

        Snapshot.Attribution who = snapshot.locateByDohSecret(secret).orElseThrow();
        assertThat(who.accountId()).isEqualTo(ACCOUNT);
        assertThat(who.locationId()).isEqualTo(home.getLocationId());
        assertThat(who.agentId()).isNull();
        assertThat(who.userEmail()).isNull();
        assertThat(snapshot.locate(InetAddress.getByName("198.51.100.1"))).as("no range: no port-53 attribution").isEmpty();
        assertThat(snapshot.hasLocation(ACCOUNT, home.getLocationId())).as("known to explain").isTrue();
    }

    @Test
    void anythingButAnIssuedSecretNamesNoLocation() {
        String secret = LocationEndpoints.newSecret();
        Snapshot snapshot = snapshot(location(ACCOUNT, secret, LocationEndpoints.newLabel()));
        assertThat(snapshot.locateByDohSecret(LocationEndpoints.newSecret())).as("unknown").isEmpty();
        assertThat(snapshot.locateByDohSecret(swapCase(secret))).as("another case is another secret").isEmpty();
        assertThat(snapshot.locateByDohSecret(secret.substring(1))).as("too short").isEmpty();
        assertThat(snapshot.locateByDohSecret(secret + "A")).as("too long").isEmpty();
        assertThat(snapshot.locateByDohSecret(secret.substring(1) + "%")).as("outside the alphabet").isEmpty();
        assertThat(snapshot.locateByDohSecret(secret.substring(1) + "=")).isEmpty();
        assertThat(snapshot.locateByDohSecret(LocationEndpoints.fingerprint(secret))).as("its hash is no secret").isEmpty();
        assertThat(snapshot.locateByDohSecret("")).isEmpty();
        assertThat(snapshot.locateByDohSecret(null)).isEmpty();
        assertThat(snapshot.locateByDohSecret("x".repeat(100_000))).isEmpty();
    }

    @Test
    void aRotatedOrTurnedOffSecretNamesNothing() {
        String old = LocationEndpoints.newSecret();
        Location before = location(ACCOUNT, old, LocationEndpoints.newLabel());
        assertThat(snapshot(before).locateByDohSecret(old)).isPresent();
        String fresh = LocationEndpoints.newSecret();
        Location rotated = Location.newBuilder(before).setVersion(3)
                .setEncryptedDns(new EncryptedDns(Secrets.verifier(fresh), LocationEndpoints.newLabel(), Instant.now())).build();
        assertThat(snapshot(rotated).locateByDohSecret(old)).isEmpty();
        assertThat(snapshot(rotated).locateByDohSecret(fresh).orElseThrow().locationId()).isEqualTo(before.getLocationId());
        assertThat(snapshot(rotated).locateByDotHost(before.getEncryptedDns().getDotLabel() + "." + DOMAIN)).isEmpty();
        Location off = Location.newBuilder(before).setVersion(4).setEncryptedDns(null).build();
        assertThat(snapshot(off).locateByDohSecret(old)).isEmpty();
        assertThat(snapshot(off).hasLocation(ACCOUNT, before.getLocationId())).isFalse();
    }

    @Test
    void theDotHostNameIsTheLabelAndOneConfiguredDomain() {
        String label = LocationEndpoints.newLabel();
        Location home = location(ACCOUNT, LocationEndpoints.newSecret(), label);
        Snapshot snapshot = snapshot(home);
        assertThat(snapshot.locateByDotHost(label + "." + DOMAIN).orElseThrow().locationId()).isEqualTo(home.getLocationId());
        assertThat(snapshot.locateByDotHost(label.toUpperCase() + ".DOT.Parapet.test.")).as("any case, a trailing dot")
                .map(Snapshot.Attribution::accountId).contains(ACCOUNT);
        assertThat(snapshot.locateByDotHost("www." + label + "." + DOMAIN)).as("one label only").isEmpty();
        assertThat(snapshot.locateByDotHost(label + ".dot.parapet.example")).as("another domain").isEmpty();
        assertThat(snapshot.locateByDotHost(label + "." + DOMAIN + ".evil.test")).isEmpty();
        assertThat(snapshot.locateByDotHost(label)).isEmpty();
        assertThat(snapshot.locateByDotHost(DOMAIN)).isEmpty();
        assertThat(snapshot.locateByDotHost(LocationEndpoints.newLabel() + "." + DOMAIN)).as("nobody's label").isEmpty();
        assertThat(snapshot.locateByDotHost(null)).isEmpty();
        assertThat(snapshot.locateByDotHost("")).isEmpty();
    }

    @Test
    void aLabelOrSecretTwoLocationsClaimAttributesToNeither() {
        String label = LocationEndpoints.newLabel();
        String secret = LocationEndpoints.newSecret();
        Snapshot snapshot = snapshot(location(ACCOUNT, secret, label), location(UUID.randomUUID(), secret, label));
        assertThat(snapshot.locateByDotHost(label + "." + DOMAIN)).isEmpty();
        assertThat(snapshot.locateByDohSecret(secret)).isEmpty();
    }

    @Test
    void rangesAndEndpointsOfOneLocationBothAttribute() throws Exception {
        String secret = LocationEndpoints.newSecret();
        Location office = location(ACCOUNT, secret, LocationEndpoints.newLabel(), "127.0.0.0/24");
        Snapshot snapshot = snapshot(office);
        assertThat(snapshot.locate(InetAddress.getByName("127.0.0.9")).orElseThrow().locationId()).isEqualTo(office.getLocationId());
        assertThat(snapshot.locateByDohSecret(secret).orElseThrow().locationId()).isEqualTo(office.getLocationId());
    }

    private static String swapCase(String text) {
        StringBuilder swapped = new StringBuilder();
        for (char c : text.toCharArray()) {
            swapped.append(Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c));
        }
        return swapped.toString().equals(text) ? text + "x" : swapped.toString();
    }
}
