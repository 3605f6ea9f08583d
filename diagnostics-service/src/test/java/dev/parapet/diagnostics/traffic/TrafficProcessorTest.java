package dev.parapet.diagnostics.traffic;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.UUID;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.parapet.diagnostics.streams.CommitHook;
import dev.parapet.diagnostics.AvroMessages;
import dev.parapet.diagnostics.streams.DiagnosticsTopology;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;
import dev.parapet.schemas.v1.verdicts.Reason;
import dev.parapet.schemas.v1.verdicts.Transport;

/**
 * The traffic counters as Kafka Streams runs them (the topology's own traffic part, in a
 * TopologyTestDriver, which commits after every record): after each commit the window stores hold
 * exactly what counting every verdict one by one gives, although the processor adds counts up in
 * memory and writes them only when told of the commit. An hour is what the queries read: the hour
 * store's count and the minutes not yet rolled up into it ({@link RolledHours}).
 */
class TrafficProcessorTest {

    @TempDir
    Path state;
    private TopologyTestDriver driver;
    private TestInputTopic<String, DnsVerdict> verdicts;
    private final SplittableRandom random = new SplittableRandom(42);
    private final UUID[] accounts = {UUID.randomUUID(), UUID.randomUUID()};
    private final UUID[] locations = {UUID.randomUUID(), UUID.randomUUID()};
    private final UUID agent = UUID.randomUUID();

    @BeforeEach
    void start() {
        StreamsBuilder builder = new StreamsBuilder();
        DiagnosticsTopology.traffic(builder, new AvroMessages<>(DnsVerdict.class));
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "traffic-test");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        config.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        config.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 1L << 20);
        driver = new TopologyTestDriver(builder.build(), config);
        verdicts = driver.createInputTopic(Topics.VERDICTS.name(), new StringSerializer(), new AvroMessages<>(DnsVerdict.class).serializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void afterEveryCommitTheStoresHoldWhatCountingEachVerdictGives() {
        Map<String, Map<String, Long>> expected = feedComparing(Instant.parse("2026-12-04T09:59:58.500Z"), 50, 120, 29);
        // The range crossed a second, a minute and an hour: every kind of window has more than one.
        assertThat(expected.keySet()).contains(TrafficProcessor.SECONDS_STORE, TrafficProcessor.MINUTES_STORE, TrafficProcessor.HOURS_STORE);
        assertThat(expected.get(TrafficProcessor.HOURS_STORE).keySet().stream().map(k -> k.substring(k.lastIndexOf('@'))).distinct())
                .hasSize(2);
    }

    @Test
    void aCountIsWrittenOnceThoughBothTheWallClockAndTheCommitWriteTheLiveSeconds() {
        Instant at = Instant.parse("2026-12-04T10:00:00Z");
        DnsVerdict first = verdict(at);
        DnsVerdict second = DnsVerdict.newBuilder(first).setEventId(UUID.randomUUID()).setOccurredAt(at.plusMillis(10)).build();
        verdicts.pipeInput(first.getAccountId().toString(), first);
        driver.advanceWallClockTime(TrafficProcessor.FLUSH_INTERVAL.multipliedBy(3));
        verdicts.pipeInput(second.getAccountId().toString(), second);
        driver.advanceWallClockTime(TrafficProcessor.FLUSH_INTERVAL.multipliedBy(3));
        String total = TrafficKeys.prefix(first.getAccountId()) + TrafficKeys.TOTAL;
        WindowStore<String, Long> seconds = driver.getWindowStore(TrafficProcessor.SECONDS_STORE);
        assertThat(seconds.fetch(total, at.toEpochMilli())).isEqualTo(2L);
        assertThat(minute(total, at.toEpochMilli())).isEqualTo(2L);
    }

    @Test
    void hoursAreRolledUpFromTheMinutesOnceAMinuteIsOverAndALateVerdictCountsOnce() {
        Map<String, Map<String, Long>> expected = feedComparing(Instant.parse("2026-12-04T09:57:30Z"), 1_000, 400, 37);
        // 09:57:30 + 399 s = 10:04:09: the minutes until 10:02 are over by GRACE, rolled up into their two hours.
        WindowStore<String, Long> hours = driver.getWindowStore(TrafficProcessor.HOURS_STORE);
        long through = Instant.parse("2026-12-04T10:02:00Z").toEpochMilli();
        assertThat(RolledHours.rolledThrough(hours)).isEqualTo(through);
        List<Long> journaled = new ArrayList<>();
        MinuteJournal.read(journal(), null, 0, Long.MAX_VALUE / 2, (key, minute, count) -> journaled.add(minute));
        assertThat(journaled).as("the journal holds only the minutes not rolled up").isNotEmpty().allMatch(minute -> minute > through);
        assertThat(raw(driver.getWindowStore(TrafficProcessor.MINUTES_STORE))).as("the rolled-up minutes are in the minute store")
                .isNotEmpty().allSatisfy((key, count) -> assertThat(Long.parseLong(key.substring(key.lastIndexOf('@') + 1))).isLessThanOrEqualTo(through));
        assertThat(raw(hours)).as("the hour store itself holds both hours' rolled-up minutes")
                .anySatisfy((key, count) -> assertThat(key).endsWith("@" + Instant.parse("2026-12-04T09:00:00Z").toEpochMilli()))
                .anySatisfy((key, count) -> assertThat(key).endsWith("@" + Instant.parse("2026-12-04T10:00:00Z").toEpochMilli()));

        // Late: a verdict for 09:58, long rolled up, counts once in its minute and once in its hour.
        DnsVerdict late = verdict(Instant.parse("2026-12-04T09:58:30Z"));
        verdicts.pipeInput(late.getAccountId().toString(), late);
        count(expected, late);
        assertThat(stored()).isEqualTo(expected);
    }

    @Test
    void anIdleTaskRollsItsMinutesUpByTheWallClock() {
        Instant at = Instant.ofEpochMilli(System.currentTimeMillis()).minusSeconds(600);
        Map<String, Map<String, Long>> expected = new HashMap<>();
        for (int i = 0; i < 20; i++) {
            DnsVerdict verdict = verdict(at.plusMillis(i * 100L));
            verdicts.pipeInput(verdict.getAccountId().toString(), verdict);
            count(expected, verdict);
        }
        WindowStore<String, Long> hours = driver.getWindowStore(TrafficProcessor.HOURS_STORE);
        long minute = at.toEpochMilli() - Math.floorMod(at.toEpochMilli(), TrafficProcessor.MINUTE);
        assertThat(RolledHours.rolledThrough(hours)).as("the verdicts' own time has not passed their minute").isLessThan(minute);
        assertThat(raw(hours)).isEmpty();
        driver.advanceWallClockTime(Duration.ofMillis(TrafficProcessor.IDLE + 1_000));
        assertThat(RolledHours.rolledThrough(hours)).as("rolled up by the wall clock").isGreaterThanOrEqualTo(minute);
        assertThat(raw(hours)).isNotEmpty();
        assertThat(stored()).isEqualTo(expected);
    }

    @Test
    void countersInTheStoreBeforeTheStartAreAddedToAndOnlyLaterMinutesStartFromZero() {
        // As a restart or an abort finds them: a counter of 10:00 and the latest minute written, 10:00. The commit hook's
        // clearCache is what Kafka Streams calls on an abort: the processor forgets what it held.
        long minute = Instant.parse("2026-12-04T10:00:00Z").toEpochMilli();
        WindowStore<String, Long> minutes = driver.getWindowStore(TrafficProcessor.MINUTES_STORE);
        String total = TrafficKeys.prefix(accounts[0]) + TrafficKeys.TOTAL;
        minutes.put(total, 5L, minute);
        minutes.put(MinuteJournal.LATEST, minute, minute);
        ((CommitHook) driver.getStateStore(TrafficProcessor.COMMIT_HOOK)).clearCache();
        long before = 0;
        long after = 0;
        for (int i = 0; i < 40; i++) {
            DnsVerdict verdict = DnsVerdict.newBuilder(verdict(Instant.ofEpochMilli(minute + 50_000 + i * 500L)))
                    .setAccountId(accounts[0]).build();
            verdicts.pipeInput(verdict.getAccountId().toString(), verdict);
            if (verdict.getOccurredAt().toEpochMilli() < minute + TrafficProcessor.MINUTE) {
                before++;
            } else {
                after++;
            }
        }
        assertThat(minute(total, minute)).isEqualTo(5 + before);
        assertThat(minute(total, minute + TrafficProcessor.MINUTE)).isEqualTo(after);
        assertThat(RolledHours.rolledThrough(driver.getWindowStore(TrafficProcessor.HOURS_STORE))).as("10:00 is not over by GRACE yet")
                .isLessThan(minute);
    }

    @Test
    void minuteCountersOfAnEarlierVersionWithoutTheLatestMinuteAreAddedTo() {
        long minute = Instant.parse("2026-12-04T10:00:00Z").toEpochMilli();
        WindowStore<String, Long> minutes = driver.getWindowStore(TrafficProcessor.MINUTES_STORE);
        String total = TrafficKeys.prefix(accounts[0]) + TrafficKeys.TOTAL;
        minutes.put(total, 47L, minute);
        ((CommitHook) driver.getStateStore(TrafficProcessor.COMMIT_HOOK)).clearCache();
        DnsVerdict verdict = DnsVerdict.newBuilder(verdict(Instant.ofEpochMilli(minute + 5_000))).setAccountId(accounts[0]).build();
        verdicts.pipeInput(verdict.getAccountId().toString(), verdict);
        assertThat(minute(total, minute)).isEqualTo(48L);
    }

    @Test
    void aVerdictStampedDaysAheadIsCountedAMinuteAheadAndTheHoursBeforeItStay() {
        Instant now = Instant.ofEpochMilli(System.currentTimeMillis());
        Map<String, Map<String, Long>> expected = new HashMap<>();
        for (int i = 0; i < 200; i++) {
            DnsVerdict verdict = verdict(now.minusSeconds(300).plusSeconds(i));
            verdicts.pipeInput(verdict.getAccountId().toString(), verdict);
            count(expected, verdict);
        }
        DnsVerdict ahead = DnsVerdict.newBuilder(verdict(now.plus(Duration.ofDays(3)))).setAccountId(accounts[1]).build();
        verdicts.pipeInput(ahead.getAccountId().toString(), ahead);
        String total = TrafficKeys.prefix(accounts[0]) + TrafficKeys.TOTAL;
        Map<String, Long> hours = stored().get(TrafficProcessor.HOURS_STORE);
        expected.get(TrafficProcessor.HOURS_STORE).forEach((key, count) -> {
            if (key.startsWith(total + "@")) {
                assertThat(hours.get(key)).as(key).isEqualTo(count);
            }
        });
        long latest = stored().get(TrafficProcessor.MINUTES_STORE).keySet().stream()
                .mapToLong(key -> Long.parseLong(key.substring(key.lastIndexOf('@') + 1))).max().orElseThrow();
        assertThat(latest).as("counted at most MAX_AHEAD ahead").isLessThanOrEqualTo(now.toEpochMilli() + TrafficProcessor.MAX_AHEAD + 5_000);
    }

    /**
     * Feeds {@code n} verdicts {@code stepMillis} apart from {@code base} (a commit after each), comparing the stores with
     * counting each verdict one by one after every {@code every}-th and the last; returns what they must hold.
     */
    private Map<String, Map<String, Long>> feedComparing(Instant base, long stepMillis, int n, int every) {
        Map<String, Map<String, Long>> expected = new HashMap<>();
        for (int i = 0; i < n; i++) {
            DnsVerdict verdict = verdict(base.plusMillis(i * stepMillis));
            verdicts.pipeInput(verdict.getAccountId().toString(), verdict);
            count(expected, verdict);
            if (i % every == 0 || i == n - 1) {
                assertThat(stored()).as("after verdict %d", i).isEqualTo(expected);
            }
        }
        return expected;
    }

    private Map<String, Map<String, Long>> stored() {
        Map<String, Map<String, Long>> stored = new HashMap<>();
        Map<String, Long> secondly = raw(driver.getWindowStore(TrafficProcessor.SECONDS_STORE));
        if (!secondly.isEmpty()) {
            stored.put(TrafficProcessor.SECONDS_STORE, secondly);
        }
        // The minutes as queried: the minute store's counts and their journal's.
        Map<String, Long> minutely = raw(driver.getWindowStore(TrafficProcessor.MINUTES_STORE));
        MinuteJournal.read(journal(), null, 0, Long.MAX_VALUE / 2, (key, minute, count) -> minutely.merge(key + "@" + minute, count, Long::sum));
        if (!minutely.isEmpty()) {
            stored.put(TrafficProcessor.MINUTES_STORE, minutely);
        }
        // The hours as queried: the hour store's counts and the minutes not rolled up yet (the minute store's and the journal's).
        WindowStore<String, Long> hours = driver.getWindowStore(TrafficProcessor.HOURS_STORE);
        Map<String, Long> hourly = raw(hours);
        RolledHours.unrolled(driver.getWindowStore(TrafficProcessor.MINUTES_STORE), RolledHours.rolledThrough(hours), "", "~", 0,
                Long.MAX_VALUE / 2, (key, hour, count) -> hourly.merge(key + "@" + hour, count, Long::sum));
        MinuteJournal.read(journal(), null, 0, Long.MAX_VALUE / 2,
                (key, minute, count) -> hourly.merge(key + "@" + RolledHours.hour(minute), count, Long::sum));
        if (!hourly.isEmpty()) {
            stored.put(TrafficProcessor.HOURS_STORE, hourly);
        }
        return stored;
    }

    private KeyValueStore<String, byte[]> journal() {
        return driver.getKeyValueStore(MinuteJournal.STORE);
    }

    /** A minute counter as the queries read it: the minute store's count and its journal's. */
    private long minute(String key, long minute) {
        Long stored = driver.<String, Long>getWindowStore(TrafficProcessor.MINUTES_STORE).fetch(key, minute);
        long[] total = {stored == null ? 0 : stored};
        MinuteJournal.read(journal(), null, minute, minute + TrafficProcessor.MINUTE, (k, m, count) -> {
            if (k.equals(key)) {
                total[0] += count;
            }
        });
        return total[0];
    }

    /** A store's counters by key and window, without the store's own keys (the roll-up's and the latest minute's). */
    private static Map<String, Long> raw(WindowStore<String, Long> store) {
        Map<String, Long> windows = new HashMap<>();
        try (KeyValueIterator<Windowed<String>, Long> all = store.all()) {
            all.forEachRemaining((KeyValue<Windowed<String>, Long> kv) -> {
                if (TrafficKeys.counter(kv.key.key())) {
                    windows.put(kv.key.key() + "@" + kv.key.window().start(), kv.value);
                }
            });
        }
        return windows;
    }

    private static void count(Map<String, Map<String, Long>> expected, DnsVerdict verdict) {
        long time = verdict.getOccurredAt().toEpochMilli();
        String account = TrafficKeys.prefix(verdict.getAccountId());
        TrafficCounting.seconds(verdict, d -> add(expected, TrafficProcessor.SECONDS_STORE, account + d, time - time % TrafficProcessor.SECOND));
        TrafficCounting.windows(verdict, d -> {
            add(expected, TrafficProcessor.MINUTES_STORE, account + d, time - time % TrafficProcessor.MINUTE);
            add(expected, TrafficProcessor.HOURS_STORE, account + d, time - time % TrafficProcessor.HOUR);
        });
    }

    private static void add(Map<String, Map<String, Long>> expected, String store, String key, long window) {
        expected.computeIfAbsent(store, s -> new HashMap<>()).merge(key + "@" + window, 1L, Long::sum);
    }

    private DnsVerdict verdict(Instant at) {
        int account = random.nextInt(accounts.length);
        boolean blocked = random.nextInt(10) < 3;
        boolean failed = !blocked && random.nextInt(10) == 0;
        boolean fromAgent = random.nextBoolean();
        int name = random.nextInt(40);
        List<String> categories = new ArrayList<>();
        if (blocked || name % 2 == 0) {
            categories.add(blocked ? "malware" : "news");
        }
        return DnsVerdict.newBuilder().setEventId(UUID.randomUUID()).setOccurredAt(at).setAccountId(accounts[account])
                .setLocationId(fromAgent ? null : locations[random.nextInt(locations.length)]).setAgentId(fromAgent ? agent : null)
                .setUserEmail(fromAgent ? "ada@example.com" : null).setClientAddress("198.51.100.7")
                .setTransport(fromAgent ? Transport.DOH : Transport.UDP).setQueryName("site-" + name + ".example")
                .setQueryType("A").setAction(blocked ? Action.BLOCKED : Action.ALLOWED)
                .setReason(blocked ? Reason.CATEGORY : Reason.DEFAULT_ALLOW).setCategoryIds(categories)
                .setResponseCode(blocked ? "NXDOMAIN" : failed ? "SERVFAIL" : "NOERROR").setLatencyMicros(200).setCached(false).build();
    }
}
