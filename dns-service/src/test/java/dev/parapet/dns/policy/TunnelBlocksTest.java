package dev.parapet.dns.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.parapet.schemas.v1.tunnels.TunnelDetection;

class TunnelBlocksTest {

    static final UUID ACCOUNT = UUID.randomUUID();
    static final UUID OTHER = UUID.randomUUID();
    final TunnelBlocks blocks = new TunnelBlocks();
    final long now = System.currentTimeMillis();

    static TunnelDetection detection(UUID account, String domain, Instant lastSeen, Duration active) {
        return TunnelDetection.newBuilder().setAccountId(account).setRegisteredDomain(domain).setFirstSeen(lastSeen)
                .setLastSeen(lastSeen).setActiveMillis(active.toMillis()).setReasons(List.of("test")).setLastClient("test").build();
    }

    String covering(UUID account, String name) {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        return blocks.covering(account, bytes, bytes.length, now);
    }

    @Test
    void aDetectionCoversItsDomainAndSubdomainsForItsAccountOnly() {
        blocks.apply(ACCOUNT + "/tunnel.example", detection(ACCOUNT, "tunnel.example", Instant.now(), Duration.ofMinutes(15)));
        assertThat(covering(ACCOUNT, "tunnel.example")).as("not yet published").isNull();
        blocks.publish();

        assertThat(covering(ACCOUNT, "tunnel.example")).isEqualTo("tunnel.example");
        assertThat(covering(ACCOUNT, "abc.def.tunnel.example")).isEqualTo("tunnel.example");
        assertThat(covering(ACCOUNT, "xtunnel.example")).isNull();
        assertThat(covering(OTHER, "abc.tunnel.example")).as("another account").isNull();

        blocks.apply(ACCOUNT + "/tunnel.example", null);
        blocks.publish();
        assertThat(covering(ACCOUNT, "abc.tunnel.example")).isNull();
        assertThat(blocks.accounts()).isZero();
    }

    @Test
    void aDetectionAppliesOnlyUntilItsLastMinuteIsActiveMillisOldAndNeverLongerThanADay() {
        blocks.apply(ACCOUNT + "/old.example", detection(ACCOUNT, "old.example", Instant.now().minusSeconds(120), Duration.ofMinutes(1)));
        blocks.apply(ACCOUNT + "/forever.example", detection(ACCOUNT, "forever.example", Instant.now().minus(Duration.ofDays(2)),
                Duration.ofDays(365)));
        blocks.apply(ACCOUNT + "/negative.example", detection(ACCOUNT, "negative.example", Instant.now().minusSeconds(1), Duration.ofMinutes(-5)));
        blocks.publish();

        assertThat(covering(ACCOUNT, "a.old.example")).isNull();
        assertThat(covering(ACCOUNT, "a.forever.example")).isNull();
        assertThat(covering(ACCOUNT, "a.negative.example")).isNull();
        assertThat(blocks.heldFor(ACCOUNT)).isEqualTo(3);
    }

    @Test
    void hostileRecordsAreIgnoredAndNoneBlocksATopLevelDomain() {
        Instant at = Instant.now();
        Duration active = Duration.ofMinutes(15);
        blocks.apply(ACCOUNT + "/com", detection(ACCOUNT, "com", at, active));
        blocks.apply(ACCOUNT + "/evil.example", detection(ACCOUNT, "other.example", at, active));
        blocks.apply(ACCOUNT + "/evil.example", detection(OTHER, "evil.example", at, active));
        blocks.apply("not-an-account/evil.example", detection(ACCOUNT, "evil.example", at, active));
        blocks.apply("no slash", detection(ACCOUNT, "evil.example", at, active));
        blocks.apply(null, detection(ACCOUNT, "evil.example", at, active));
        blocks.apply(ACCOUNT + "/bad..example", detection(ACCOUNT, "bad..example", at, active));
        blocks.apply(ACCOUNT + "/" + "a".repeat(64) + ".example", detection(ACCOUNT, "a".repeat(64) + ".example", at, active));
        blocks.apply(ACCOUNT + "/", null);
        blocks.publish();

        assertThat(blocks.accounts()).isZero();
        assertThat(covering(ACCOUNT, "www.com")).isNull();
        assertThat(covering(ACCOUNT, "evil.example")).isNull();
    }

    @Test
    void aDomainIsReadAsNormalised() {
        blocks.apply(ACCOUNT + "/Tunnel.Example.", detection(ACCOUNT, "TUNNEL.example", Instant.now(), Duration.ofMinutes(15)));
        blocks.publish();

        assertThat(covering(ACCOUNT, "x.tunnel.example")).isEqualTo("tunnel.example");
    }
}
