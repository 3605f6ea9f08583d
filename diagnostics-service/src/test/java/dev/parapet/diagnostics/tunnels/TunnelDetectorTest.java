package dev.parapet.diagnostics.tunnels;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;

import org.junit.jupiter.api.Test;

/**
 * The detector over a stream of queries: a tunnel is found at its 30th distinct name, once per minute, per client
 * and registered domain; ordinary heavy traffic, short names and a tunnel's names spread over clients are not.
 */
class TunnelDetectorTest {

    private static final UUID ACCOUNT = UUID.randomUUID();
    private static final Instant START = Instant.parse("2026-12-04T10:00:05Z");
    private final Random random = new Random(7);
    private final TunnelDetector detector = new TunnelDetector(TunnelRules.DEFAULT);
    private final TunnelDetector.Client laptop = new TunnelDetector.Client(UUID.randomUUID(), "ann@example.com", "10.0.0.5");

    @Test
    void iodineAtTenQueriesASecondIsFoundAtItsThirtiethNameThreeSecondsIn() {
        List<TunnelDetector.Suspicion> found = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            detector.observe(ACCOUNT, laptop, TunnelNames.iodine(random, i) + ".t.tunnel.example.co.uk", "NULL", START.plusMillis(100L * i))
                    .ifPresent(found::add);
        }
        assertThat(found).as("one report for the minute the tunnel was in").hasSize(1);
        TunnelDetector.Suspicion suspicion = found.get(0);
        assertThat(suspicion.registeredDomain()).isEqualTo("example.co.uk");
        assertThat(suspicion.distinctSubdomains()).isEqualTo(30);
        assertThat(Duration.between(START, suspicion.at())).as("detection delay at iodine's pace").isEqualTo(Duration.ofMillis(2900));
        assertThat(suspicion.minute()).isEqualTo(Instant.parse("2026-12-04T10:00:00Z"));
        assertThat(suspicion.client()).isEqualTo(laptop);
        assertThat(suspicion.examples()).hasSize(3).allMatch(name -> name.endsWith(".t.tunnel.example.co.uk"));
        assertThat(suspicion.reasons()).anyMatch(reason -> reason.contains("data-carrying"));
    }

    @Test
    void eachMinuteOfATunnelIsReportedOnce() {
        int reports = 0;
        for (int i = 0; i < 1_800; i++) {
            Optional<TunnelDetector.Suspicion> suspicion = detector.observe(ACCOUNT, laptop, TunnelNames.iodine(random, i) + ".t.example.net", "TXT",
                    START.plusMillis(100L * i));
            reports += suspicion.isPresent() ? 1 : 0;
        }
        assertThat(reports).as("three minutes of queries, from 10:00:05 to 10:03:05").isEqualTo(4);
    }

    @Test
    void aVideoCdnsLongHostNamesAtAnyVolumeAreNot() {
        for (int i = 0; i < 20_000; i++) {
            String host = TunnelNames.videoCdn(random);
            assertThat(detector.observe(ACCOUNT, laptop, host, i % 2 == 0 ? "A" : "AAAA", START.plusMillis(3L * i))).isEmpty();
        }
    }

    @Test
    void shortNamesOpenNoWindow() {
        for (int i = 0; i < 1_000; i++) {
            assertThat(detector.observe(ACCOUNT, laptop, TunnelNames.alphanumeric(random, 6) + ".example.com", "TXT", START.plusMillis(i))).isEmpty();
        }
        assertThat(detector.openWindows()).isZero();
    }

    @Test
    void aTunnelsNamesSpreadOverClientsAccountsOrDomainsAreJudgedApart() {
        UUID other = UUID.randomUUID();
        for (int i = 0; i < 58; i++) {
            TunnelDetector.Client client = new TunnelDetector.Client(null, null, "192.0.2." + (i % 2));
            assertThat(detector.observe(ACCOUNT, client, TunnelNames.iodine(random, i) + ".t.tunnel.example", "NULL", START.plusMillis(i))).isEmpty();
            assertThat(detector.observe(i % 2 == 0 ? ACCOUNT : other, laptop, TunnelNames.iodine(random, i) + ".t.other.example", "NULL",
                    START.plusMillis(i))).isEmpty();
            assertThat(detector.observe(ACCOUNT, laptop, TunnelNames.iodine(random, i) + ".t" + (i % 2) + ".example", "NULL",
                    START.plusMillis(i))).isEmpty();
        }
    }

    @Test
    void oldMinutesAreClosed() {
        detector.observe(ACCOUNT, laptop, TunnelNames.iodine(random, 1) + ".t.example.org", "NULL", START);
        detector.observe(ACCOUNT, laptop, TunnelNames.iodine(random, 2) + ".t.example.org", "NULL", START.plusSeconds(60));
        assertThat(detector.openWindows()).isEqualTo(2);
        detector.expire(START.plusSeconds(150));
        assertThat(detector.openWindows()).as("the first minute ended more than a minute ago").isEqualTo(1);
        detector.expire(START.plusSeconds(240));
        assertThat(detector.openWindows()).isZero();
    }

    @Test
    void theTailIsTheLastFiveLabels() {
        assertThat(TunnelDetector.tail("a.b.c.d.e.f.g.")).isEqualTo("c.d.e.f.g");
        assertThat(TunnelDetector.tail("Example.COM")).isEqualTo("example.com");
        assertThat(TunnelDetector.tail("a.b.c.d.e")).isEqualTo("a.b.c.d.e");
    }
}
