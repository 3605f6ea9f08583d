package dev.parapet.diagnostics.tunnels;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;

import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.parapet.diagnostics.AvroMessages;
import dev.parapet.diagnostics.devices.FindingEvents;
import dev.parapet.diagnostics.streams.DiagnosticsTopology;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.tunnels.TunnelDetection;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;
import dev.parapet.schemas.v1.verdicts.Reason;
import dev.parapet.schemas.v1.verdicts.Transport;

/**
 * What the tunnel analysis tells dns-service on {@code parapet.tunnel-detections.v1}: a record when a client is
 * found tunnelling, again at most once a minute while it goes on, and a tombstone only once no client's finding
 * through the domain is active (wall-clock sweeps, as in the service).
 */
class TunnelProcessorTest {

    static final Instant START = Instant.parse("2026-12-04T10:00:05Z");
    static final String DOMAIN = "tunnel.example";

    @TempDir
    Path state;
    private TopologyTestDriver driver;
    private TestInputTopic<String, DnsVerdict> verdicts;
    private TestOutputTopic<String, TunnelDetection> detections;
    private final Random random = new Random(3);
    private final UUID account = UUID.randomUUID();
    private int sequence;

    @BeforeEach
    void start() {
        StreamsBuilder builder = new StreamsBuilder();
        KStream<String, DnsVerdict> stream = builder.stream(Topics.VERDICTS.name(),
                Consumed.with(org.apache.kafka.common.serialization.Serdes.String(), new AvroMessages<>(DnsVerdict.class)));
        DiagnosticsTopology.tunnels(stream, builder, new FindingEvents(), new AvroMessages<>(TunnelDetection.class));
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "tunnel-test");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        config.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        driver = new TopologyTestDriver(builder.build(), config, START);
        verdicts = driver.createInputTopic(Topics.VERDICTS.name(), new StringSerializer(), new AvroMessages<>(DnsVerdict.class).serializer());
        detections = driver.createOutputTopic(Topics.TUNNEL_DETECTIONS.name(), new StringDeserializer(),
                new AvroMessages<>(TunnelDetection.class).deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    /** A client's tunnel queries, ten a second, from {@code from} for {@code seconds}. */
    void tunnel(String client, Instant from, int seconds) {
        for (int i = 0; i < seconds * 10; i++) {
            Instant at = from.plusMillis(100L * i);
            verdicts.pipeInput(account.toString(), DnsVerdict.newBuilder().setEventId(UUID.randomUUID()).setOccurredAt(at)
                    .setAccountId(account).setClientAddress(client).setTransport(Transport.UDP)
                    .setQueryName(TunnelNames.iodine(random, sequence++) + ".t." + DOMAIN).setQueryType("NULL")
                    .setAction(Action.ALLOWED).setReason(Reason.DEFAULT_ALLOW).setResponseCode("NOERROR").setLatencyMicros(100).build(),
                    at);
        }
    }

    @Test
    void aTunnelIsToldAtOnceThenOnceAMinuteAndEndsOnlyWhenEveryClientsFindingHasCleared() {
        String key = account + "/" + DOMAIN;
        tunnel("192.0.2.10", START, 20);
        List<KeyValue<String, TunnelDetection>> first = detections.readKeyValuesToList();
        assertThat(first).as("one record when found, none for the rest of its first 20 s").hasSize(1);
        assertThat(first.get(0).key).isEqualTo(key);
        TunnelDetection detection = first.get(0).value;
        assertThat(detection.getRegisteredDomain()).isEqualTo(DOMAIN);
        assertThat(detection.getAccountId()).isEqualTo(account);
        assertThat(detection.getActiveMillis()).isEqualTo(TunnelFinding.ACTIVE.toMillis());
        assertThat(detection.getLastClient()).isEqualTo("address 192.0.2.10");
        assertThat(detection.getReasons()).isNotEmpty();

        // Two minutes on: written again with a later last minute.
        tunnel("192.0.2.10", START.plusSeconds(120), 10);
        List<KeyValue<String, TunnelDetection>> again = detections.readKeyValuesToList();
        assertThat(again).hasSize(1);
        assertThat(again.get(0).value.getLastSeen()).isAfter(detection.getLastSeen());
        assertThat(again.get(0).value.getFirstSeen()).isEqualTo(detection.getFirstSeen());

        // A second client through the same domain, five minutes later: the detection goes on.
        tunnel("192.0.2.11", START.plusSeconds(420), 10);
        assertThat(detections.readKeyValuesToList()).hasSize(1);

        // The first client's finding clears 15 min after its last minute; the second's is still active: no tombstone.
        driver.advanceWallClockTime(Duration.ofSeconds(130 + 15 * 60 + 30));
        assertThat(detections.readKeyValuesToList()).as("the second client still tunnels").isEmpty();

        // Then the second's clears too: one tombstone.
        driver.advanceWallClockTime(Duration.ofMinutes(6));
        List<KeyValue<String, TunnelDetection>> ended = detections.readKeyValuesToList();
        assertThat(ended).hasSize(1);
        assertThat(ended.get(0).key).isEqualTo(key);
        assertThat(ended.get(0).value).as("a tombstone").isNull();
    }

    @Test
    void aVideoCdnIsNotToldToDnsService() {
        for (int i = 0; i < 5_000; i++) {
            Instant at = START.plusMillis(10L * i);
            verdicts.pipeInput(account.toString(), DnsVerdict.newBuilder().setEventId(UUID.randomUUID()).setOccurredAt(at)
                    .setAccountId(account).setClientAddress("192.0.2.20").setTransport(Transport.UDP)
                    .setQueryName(TunnelNames.videoCdn(random)).setQueryType("A").setAction(Action.ALLOWED)
                    .setReason(Reason.DEFAULT_ALLOW).setResponseCode("NOERROR").setLatencyMicros(100).build(), at);
        }
        driver.advanceWallClockTime(Duration.ofMinutes(20));
        assertThat(detections.readKeyValuesToList()).isEmpty();
    }
}
