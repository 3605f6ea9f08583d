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
    void oldWindowsAreClosedAMinuteAfterTheyEnd() {
        detector.observe(ACCOUNT, laptop, TunnelNames.iodine(random, 1) + ".t.example.org", "NULL", START);
        detector.observe(ACCOUNT, laptop, TunnelNames.iodine(random, 2) + ".t.example.org", "NULL", START.plusSeconds(60));
        assertThat(detector.openWindows()).as("two minutes and the 15 minutes that hold them").isEqualTo(3);
        detector.expire(START.plusSeconds(150));
        assertThat(detector.openWindows()).as("the first minute ended more than a minute ago").isEqualTo(2);
        detector.expire(START.plusSeconds(240));
        assertThat(detector.openWindows()).as("the 15 minutes are still open").isEqualTo(1);
        detector.expire(START.plusSeconds(15 * 60 + 55));
        assertThat(detector.openWindows()).as("until a minute after they end").isEqualTo(1);
        detector.expire(START.plusSeconds(16 * 60));
        assertThat(detector.openWindows()).isZero();
    }

    @Test
    void aSlowTunnelUnderThirtyNamesAMinuteIsFoundWithinFifteenMinutesOnce() {
        // Three long random names a minute (one every 20 s), 20 minutes long: never 30 in a minute.
        List<TunnelDetector.Suspicion> found = new ArrayList<>();
        Instant quarter = Instant.parse("2026-12-04T10:00:00Z");
        for (int i = 0; i < 60; i++) {
            detector.observe(ACCOUNT, laptop, TunnelNames.iodine(random, i) + ".x.exfil.example", "TXT", quarter.plusSeconds(20L * i))
                    .ifPresent(found::add);
        }
        assertThat(found).as("one report, for the quarter of an hour that held 30 of its names").hasSize(1);
        TunnelDetector.Suspicion slow = found.get(0);
        assertThat(slow.slow()).isTrue();
        assertThat(slow.window()).isEqualTo(Duration.ofMinutes(15));
        assertThat(slow.minute()).isEqualTo(quarter);
        assertThat(slow.distinctSubdomains()).isEqualTo(30);
        assertThat(Duration.between(quarter, slow.at())).as("found at its 30th name").isEqualTo(Duration.ofSeconds(20 * 29));
        assertThat(slow.reasons().get(0)).startsWith("30 distinct subdomains within 15 minutes, fewer than 30 in any one minute");
        assertThat(slow.registeredDomain()).isEqualTo("exfil.example");
    }

    @Test
    void aTunnelFoundInAMinuteIsNotReportedAgainForItsQuarterHour() {
        List<TunnelDetector.Suspicion> found = new ArrayList<>();
        for (int i = 0; i < 300; i++) {   // 30 s at ten a second, then the same pace stays within the minute
            detector.observe(ACCOUNT, laptop, TunnelNames.iodine(random, i) + ".t.example.org", "NULL", START.plusMillis(100L * i))
                    .ifPresent(found::add);
        }
        for (int i = 300; i < 320; i++) {  // then slowly, in later minutes of the same quarter hour
            detector.observe(ACCOUNT, laptop, TunnelNames.iodine(random, i) + ".t.example.org", "NULL", START.plusSeconds(60L + 20L * (i - 300)))
                    .ifPresent(found::add);
        }
        assertThat(found).hasSize(1);
        assertThat(found.get(0).slow()).isFalse();
        assertThat(found.get(0).window()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void aVideoCdnsLongHostNamesOverAQuarterHourAreNot() {
        for (int i = 0; i < 900; i++) {
            assertThat(detector.observe(ACCOUNT, laptop, TunnelNames.videoCdn(random), "A", START.plusSeconds(i))).isEmpty();
        }
    }

    @Test
    void theTailIsTheLastFiveLabels() {
        assertThat(TunnelDetector.tail("a.b.c.d.e.f.g.")).isEqualTo("c.d.e.f.g");
        assertThat(TunnelDetector.tail("Example.COM")).isEqualTo("example.com");
        assertThat(TunnelDetector.tail("a.b.c.d.e")).isEqualTo("a.b.c.d.e");
    }
}
