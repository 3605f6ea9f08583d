package dev.parapet.diagnostics.traffic;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
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

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
 * memory and writes them only when told of the commit.
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
        DiagnosticsTopology.traffic(builder, new SingleObjectSerde());
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "traffic-test");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        config.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        config.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 1L << 20);
        driver = new TopologyTestDriver(builder.build(), config);
        verdicts = driver.createInputTopic(Topics.VERDICTS.name(), new StringSerializer(), new SingleObjectSerde().serializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void afterEveryCommitTheStoresHoldWhatCountingEachVerdictGives() {
        Instant base = Instant.parse("2026-12-04T09:59:58.500Z");
        Map<String, Map<String, Long>> expected = new HashMap<>();
        for (int i = 0; i < 120; i++) {
            DnsVerdict verdict = verdict(base.plusMillis(i * 50L));
            verdicts.pipeInput(verdict.getAccountId().toString(), verdict);
            count(expected, verdict);
            if (i % 29 == 0 || i == 119) {
                assertThat(stored()).as("after verdict %d", i).isEqualTo(expected);
            }
        }
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
        WindowStore<String, Long> minutes = driver.getWindowStore(TrafficProcessor.MINUTES_STORE);
        assertThat(seconds.fetch(total, at.toEpochMilli())).isEqualTo(2L);
        assertThat(minutes.fetch(total, at.toEpochMilli())).isEqualTo(2L);
    }

    private Map<String, Map<String, Long>> stored() {
        Map<String, Map<String, Long>> stored = new HashMap<>();
        for (String name : List.of(TrafficProcessor.SECONDS_STORE, TrafficProcessor.MINUTES_STORE, TrafficProcessor.HOURS_STORE)) {
            WindowStore<String, Long> store = driver.getWindowStore(name);
            try (KeyValueIterator<Windowed<String>, Long> all = store.all()) {
                all.forEachRemaining((KeyValue<Windowed<String>, Long> kv) -> stored.computeIfAbsent(name, n -> new HashMap<>())
                        .put(kv.key.key() + "@" + kv.key.window().start(), kv.value));
            }
        }
        return stored;
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

    /** Avro's single-object encoding: the test needs no registry. */
    private static final class SingleObjectSerde implements Serde<DnsVerdict> {
        @Override
        public Serializer<DnsVerdict> serializer() {
            return (topic, verdict) -> {
                try {
                    ByteBuffer buffer = verdict.toByteBuffer();
                    byte[] bytes = new byte[buffer.remaining()];
                    buffer.get(bytes);
                    return bytes;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            };
        }

        @Override
        public Deserializer<DnsVerdict> deserializer() {
            return (topic, bytes) -> {
                try {
                    return DnsVerdict.fromByteBuffer(ByteBuffer.wrap(bytes));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            };
        }
    }
}
