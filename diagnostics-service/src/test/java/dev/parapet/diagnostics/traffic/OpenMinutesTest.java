package dev.parapet.diagnostics.traffic;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Properties;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.parapet.diagnostics.streams.DiagnosticsTopology;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;

/** The minute counters held in memory always add up to what reading each one from the store would give. */
class OpenMinutesTest {

    private static final long MINUTE = 1_800_000_000_000L - 1_800_000_000_000L % TrafficProcessor.MINUTE;

    @TempDir
    Path state;
    private TopologyTestDriver driver;
    private WindowStore<String, Long> store;

    /** The topology's own minute store (RocksDB), in a test driver that is fed nothing: only this test writes it. */
    @BeforeEach
    void store() {
        StreamsBuilder builder = new StreamsBuilder();
        DiagnosticsTopology.traffic(builder, Serdes.serdeFrom(new ThrowingSerializer(), (topic, bytes) -> null));
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "open-minutes-test");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        config.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        driver = new TopologyTestDriver(builder.build(), config);
        store = driver.getWindowStore(TrafficProcessor.MINUTES_STORE);
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private static final class ThrowingSerializer implements org.apache.kafka.common.serialization.Serializer<DnsVerdict> {
        @Override
        public byte[] serialize(String topic, DnsVerdict verdict) {
            throw new UnsupportedOperationException("nothing is fed");
        }
    }

    @Test
    void aCounterThatCouldNotBeHeldIsReadAgainAndTheMinuteAfterTheRollUpIsHeldAgain() {
        OpenMinutes open = new OpenMinutes(2);
        drain(open, MINUTE, "a", "b", "c");
        assertThat(open.held()).isEqualTo(2);
        drain(open, MINUTE, "c", "d", "a");
        assertThat(store.fetch("a", MINUTE)).isEqualTo(2L);
        assertThat(store.fetch("c", MINUTE)).as("not held, so read: not taken for a new counter").isEqualTo(2L);
        assertThat(store.fetch("d", MINUTE)).isEqualTo(1L);

        open.rolledThrough(MINUTE);
        assertThat(open.held()).isZero();
        long next = MINUTE + TrafficProcessor.MINUTE;
        drain(open, next, "a", "a");
        assertThat(store.fetch("a", next)).isEqualTo(2L);
        assertThat(open.held()).isEqualTo(1);
        // A late verdict for the minute rolled up: its counters are read, not taken for new ones.
        drain(open, MINUTE, "b");
        assertThat(store.fetch("b", MINUTE)).isEqualTo(2L);
    }

    @Test
    void afterAnAbortTheStoreIsReadAgainUpToTheLatestMinuteItNames() {
        OpenMinutes open = new OpenMinutes(100);
        drain(open, MINUTE, "a");
        assertThat(store.fetch(OpenMinutes.LATEST, MINUTE)).isEqualTo(MINUTE);
        open.reset();
        // What the store holds now (restored from the changelog, say): more than this processor ever held.
        store.put("a", 7L, MINUTE);
        drain(open, MINUTE, "a");
        assertThat(store.fetch("a", MINUTE)).isEqualTo(8L);
        long next = MINUTE + TrafficProcessor.MINUTE;
        drain(open, next, "a");
        assertThat(store.fetch("a", next)).isEqualTo(1L);
        assertThat(store.fetch(OpenMinutes.LATEST, next)).isEqualTo(next);
    }

    private void drain(OpenMinutes open, long minute, String... keys) {
        PendingCounts pending = new PendingCounts();
        for (String key : keys) {
            pending.add(key, minute);
        }
        open.drain(pending, store);
    }
}
