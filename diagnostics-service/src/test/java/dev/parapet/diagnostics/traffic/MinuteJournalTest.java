package dev.parapet.diagnostics.traffic;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.parapet.diagnostics.streams.DiagnosticsTopology;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;

/** The minutes' journal on its own, over the topology's own stores: what is written is read back whole, merged once, and kept apart by account. */
class MinuteJournalTest {

    private static final long M = 1_796_000_000_000L - Math.floorMod(1_796_000_000_000L, TrafficProcessor.MINUTE);
    private static final long NEXT = M + TrafficProcessor.MINUTE;
    private static final String ADA = "a0|";
    private static final String BOB = "b0|";

    private KeyValueStore<String, byte[]> journal;
    private WindowStore<String, Long> minutes;

    @TempDir
    Path state;
    private TopologyTestDriver driver;

    /** The topology's own stores (as DiagnosticsTopology makes them), in a test driver. */
    @BeforeEach
    void stores() {
        StreamsBuilder builder = new StreamsBuilder();
        DiagnosticsTopology.traffic(builder, Serdes.serdeFrom((topic, verdict) -> new byte[0], (topic, bytes) -> (DnsVerdict) null));
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "journal-test");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        config.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        driver = new TopologyTestDriver(builder.build(), config);
        journal = driver.getKeyValueStore(MinuteJournal.STORE);
        minutes = driver.getWindowStore(TrafficProcessor.MINUTES_STORE);
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void aCommitWritesOneRecordPerAccountAndMinuteAndAQueryReadsOnlyItsAccountsMinutes() {
        MinuteJournal writer = new MinuteJournal();
        writer.write(pending(Map.of(ADA + "t", 3L, ADA + "na:example.com", 2L, BOB + "t", 1L), M), RolledHours.NONE, journal, minutes);
        writer.write(pending(Map.of(ADA + "t", 4L, ADA + "na:example.org", 1L), NEXT), RolledHours.NONE, journal, minutes);

        assertThat(records()).as("Ada's two minutes and Bob's one").hasSize(3);
        assertThat(read(null, M, NEXT + TrafficProcessor.MINUTE)).containsOnly(
                Map.entry(ADA + "t@" + M, 3L), Map.entry(ADA + "na:example.com@" + M, 2L), Map.entry(BOB + "t@" + M, 1L),
                Map.entry(ADA + "t@" + NEXT, 4L), Map.entry(ADA + "na:example.org@" + NEXT, 1L));
        assertThat(read(ADA, NEXT, NEXT + TrafficProcessor.MINUTE)).containsOnly(
                Map.entry(ADA + "t@" + NEXT, 4L), Map.entry(ADA + "na:example.org@" + NEXT, 1L));
        assertThat(read(BOB, M, NEXT + TrafficProcessor.MINUTE)).containsOnly(Map.entry(BOB + "t@" + M, 1L));
        assertThat(read(ADA, NEXT + TrafficProcessor.MINUTE, NEXT + 10 * TrafficProcessor.MINUTE)).isEmpty();
        assertThat(minutes.fetch(ADA + "t", M)).as("nothing in the minute store until the minute is merged").isNull();
    }

    @Test
    void aRecordBeyondItsSizeIsSplitAndReadsTheSame() {
        MinuteJournal writer = new MinuteJournal(256, MinuteJournal.MERGE_BUDGET);
        Map<String, Long> counts = new HashMap<>();
        for (int i = 0; i < 100; i++) {
            counts.put(ADA + "na:site-" + i + ".example", (long) i + 1);
        }
        writer.write(pending(counts, M), RolledHours.NONE, journal, minutes);

        assertThat(records()).hasSizeGreaterThan(10).allSatisfy(value -> assertThat(value.length).isLessThan(256 + 64));
        Map<String, Long> expected = new HashMap<>();
        counts.forEach((key, count) -> expected.put(key + "@" + M, count));
        assertThat(read(ADA, M, NEXT)).isEqualTo(expected);
    }

    @Test
    void aMinuteOverIsMergedIntoTheMinuteStoreOnceAndLeavesTheJournal() {
        MinuteJournal writer = new MinuteJournal();
        writer.write(pending(Map.of(ADA + "t", 3L, BOB + "t", 1L), M), RolledHours.NONE, journal, minutes);
        writer.write(pending(Map.of(ADA + "t", 2L), M), RolledHours.NONE, journal, minutes);
        writer.write(pending(Map.of(ADA + "t", 7L), NEXT), RolledHours.NONE, journal, minutes);

        assertThat(writer.merge(M, journal, minutes)).as("the first minute left in the journal").isEqualTo(NEXT);

        assertThat(minutes.fetch(ADA + "t", M)).isEqualTo(5L);
        assertThat(minutes.fetch(BOB + "t", M)).isEqualTo(1L);
        assertThat(minutes.fetch(ADA + "t", NEXT)).as("not over yet").isNull();
        assertThat(read(null, 0, Long.MAX_VALUE / 2)).containsOnly(Map.entry(ADA + "t@" + NEXT, 7L));
        assertThat(RolledHours.marker(minutes, MinuteJournal.LATEST)).isEqualTo(M);

        writer.merge(M, journal, minutes);
        assertThat(minutes.fetch(ADA + "t", M)).as("merged once").isEqualTo(5L);
    }

    @Test
    void aMergeTakesAboutItsBudgetOfCountersAnAccountAtATimeAndAnAccountMergedAgainIsAddedTo() {
        MinuteJournal writer = new MinuteJournal(MinuteJournal.RECORD_BYTES, 15);
        Map<String, Long> counts = new HashMap<>();
        for (String account : List.of(ADA, BOB, "c0|")) {
            for (int i = 0; i < 10; i++) {
                counts.put(account + "na:site-" + i + ".example", 1L);
            }
        }
        writer.write(pending(counts, M), RolledHours.NONE, journal, minutes);

        assertThat(writer.merge(M, journal, minutes)).as("two accounts merged (20 counters), one left").isEqualTo(M);
        assertThat(records()).hasSize(1);
        writer.write(pending(Map.of(ADA + "na:site-0.example", 2L, "c0|na:site-0.example", 4L), M), RolledHours.NONE, journal, minutes);
        assertThat(writer.merge(M, journal, minutes)).as("the rest: 11 counters").isEqualTo(Long.MAX_VALUE);

        assertThat(records()).isEmpty();
        assertThat(minutes.fetch(ADA + "na:site-0.example", M)).as("merged twice, added to").isEqualTo(3L);
        assertThat(minutes.fetch("c0|na:site-0.example", M)).isEqualTo(5L);
        assertThat(minutes.fetch(BOB + "na:site-9.example", M)).isEqualTo(1L);
    }

    @Test
    void theRollUpHasTheMergedMinutesFromMemoryAndThoseMergedBeforeAStartFromTheStore() {
        MinuteJournal before = new MinuteJournal();
        before.write(pending(Map.of(ADA + "t", 3L), M), RolledHours.NONE, journal, minutes);
        before.merge(M, journal, minutes);
        // A start: M is in the minute store only; NEXT is merged after it.
        MinuteJournal writer = new MinuteJournal();
        writer.write(pending(Map.of(ADA + "t", 4L, BOB + "t", 1L), NEXT), RolledHours.NONE, journal, minutes);
        writer.write(pending(Map.of(ADA + "t", 2L), NEXT), RolledHours.NONE, journal, minutes);
        writer.merge(NEXT, journal, minutes);

        Map<String, Long> rolled = new HashMap<>();
        writer.rollUp(M, NEXT, minutes, (key, minute, count) -> rolled.merge(key + "@" + minute, count, Long::sum));
        assertThat(rolled).containsOnly(Map.entry(ADA + "t@" + M, 3L), Map.entry(ADA + "t@" + NEXT, 6L), Map.entry(BOB + "t@" + NEXT, 1L));

        rolled.clear();
        writer.rollUp(NEXT + TrafficProcessor.MINUTE, NEXT + TrafficProcessor.MINUTE, minutes, (key, minute, count) -> rolled.put(key, count));
        assertThat(rolled).as("nothing held once rolled up").isEmpty();
    }

    @Test
    void countsOfAMinuteRolledUpAlreadyGoToTheMinuteStoreAddedToWhatItHolds() {
        minutes.put(ADA + "t", 5L, M);
        minutes.put(MinuteJournal.LATEST, M, M);
        MinuteJournal writer = new MinuteJournal();
        writer.write(pending(Map.of(ADA + "t", 2L), M), M, journal, minutes);

        assertThat(minutes.fetch(ADA + "t", M)).isEqualTo(7L);
        assertThat(records()).isEmpty();
    }

    @Test
    void aMergeAddsToWhatAnEarlierStartLeftInTheMinuteStore() {
        minutes.put(ADA + "t", 5L, M);
        minutes.put(MinuteJournal.LATEST, M, M);
        MinuteJournal writer = new MinuteJournal();
        writer.write(pending(Map.of(ADA + "t", 2L), M), RolledHours.NONE, journal, minutes);
        writer.merge(M, journal, minutes);

        assertThat(minutes.fetch(ADA + "t", M)).isEqualTo(7L);
    }

    @Test
    void afterARestartNewRecordsDoNotOverwriteTheJournalsOwn() {
        new MinuteJournal().write(pending(Map.of(ADA + "t", 3L), M), RolledHours.NONE, journal, minutes);
        MinuteJournal restarted = new MinuteJournal();
        restarted.write(pending(Map.of(ADA + "t", 4L), M), RolledHours.NONE, journal, minutes);

        assertThat(records()).hasSize(2);
        assertThat(read(ADA, M, NEXT)).containsOnly(Map.entry(ADA + "t@" + M, 7L));
        restarted.reset();
        restarted.write(pending(Map.of(ADA + "t", 1L), M), RolledHours.NONE, journal, minutes);
        assertThat(read(ADA, M, NEXT)).containsOnly(Map.entry(ADA + "t@" + M, 8L));
    }

    private static PendingCounts pending(Map<String, Long> counts, long minute) {
        PendingCounts pending = new PendingCounts();
        counts.forEach((key, count) -> pending.add(key, minute, count));
        return pending;
    }

    private Map<String, Long> read(String account, long from, long to) {
        Map<String, Long> read = new HashMap<>();
        MinuteJournal.read(journal, account, from, to, (key, minute, count) -> read.merge(key + "@" + minute, count, Long::sum));
        return read;
    }

    private List<byte[]> records() {
        List<byte[]> records = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> all = journal.all()) {
            all.forEachRemaining(kv -> records.add(kv.value));
        }
        return records;
    }
}
