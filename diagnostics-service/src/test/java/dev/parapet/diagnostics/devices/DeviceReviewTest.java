package dev.parapet.diagnostics.devices;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.parapet.diagnostics.streams.DiagnosticsTopology;
import dev.parapet.schemas.v1.agents.AgentState;
import dev.parapet.schemas.v1.agents.AgentStatus;
import dev.parapet.schemas.v1.common.Verifier;
import dev.parapet.schemas.v1.telemetry.AgentStatusReport;
import dev.parapet.schemas.v1.telemetry.AgentTelemetry;
import dev.parapet.schemas.v1.telemetry.ConfigurationSource;
import dev.parapet.schemas.v1.telemetry.ProtectionState;
import dev.parapet.schemas.v1.telemetry.UserIdentification;
import dev.parapet.schemas.v1.telemetry.TelemetryKind;

/**
 * The review of time-driven findings as Kafka Streams runs it (a TopologyTestDriver over the
 * processor and its stores): a silent device gets NO_HEARTBEAT once its deadline passes on the wall
 * clock, not before, and a device that reports again in time is not flagged.
 */
class DeviceReviewTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    @TempDir
    Path state;
    private TopologyTestDriver driver;
    private final FindingEvents findings = new FindingEvents();
    private final List<FindingEvents.FindingEvent> seen = new CopyOnWriteArrayList<>();
    private final UUID account = UUID.randomUUID();

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
    }

    @Test
    void aSilentDeviceIsFlaggedWhenItsDeadlinePassesAndOneThatReportedIsNot() {
        Instant start = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        TestInputTopic<String, SpecificRecord> input = start(start);
        UUID silent = UUID.randomUUID();
        UUID talking = UUID.randomUUID();
        for (UUID agent : List.of(silent, talking)) {
            input.pipeInput(account.toString(), agent(agent, start));
            input.pipeInput(account.toString(), heartbeat(agent, start));
        }
        driver.advanceWallClockTime(TIMEOUT.minusSeconds(5));
        input.pipeInput(account.toString(), heartbeat(talking, start.plus(TIMEOUT).minusSeconds(5)));
        assertThat(seen).isEmpty();

        driver.advanceWallClockTime(Duration.ofSeconds(6));
        assertThat(seen).singleElement().satisfies(event -> {
            assertThat(event.agentId()).isEqualTo(silent);
            assertThat(event.code()).isEqualTo(FindingCode.NO_HEARTBEAT);
            assertThat(event.raised()).isTrue();
        });

        driver.advanceWallClockTime(TIMEOUT.minusSeconds(10));
        assertThat(seen).hasSize(1);
        driver.advanceWallClockTime(Duration.ofSeconds(10));
        assertThat(seen).hasSize(2);
        assertThat(seen.get(1).agentId()).isEqualTo(talking);
    }

    private TestInputTopic<String, SpecificRecord> start(Instant wallClock) {
        findings.of(account).subscribe(seen::add);
        HealthRules rules = new HealthRules(TIMEOUT, Duration.ofMinutes(2), Duration.ofMinutes(2), "1.0.0");
        StreamsBuilder builder = new StreamsBuilder();
        DiagnosticsTopology.deviceStores(builder);
        builder.stream("devices-in", Consumed.with(Serdes.String(), new RecordSerde()))
                .process(() -> new DeviceProcessor(rules, Duration.ofSeconds(1), findings, 2_000), DeviceProcessor.STORES);
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "device-review-test");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        config.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        driver = new TopologyTestDriver(builder.build(), config, wallClock);
        return driver.createInputTopic("devices-in", new StringSerializer(), new RecordSerde().serializer());
    }

    private AgentState agent(UUID agent, Instant at) {
        return AgentState.newBuilder().setAgentId(agent).setAccountId(account).setDeviceId("device-" + agent).setHostname("host")
                .setOsName("macOS").setOsVersion("14.4").setAgentVersion("1.0.0").setKeyId(account).setKeyGeneration(1)
                .setCredentialVerifier(new Verifier("PBKDF2", ByteBuffer.wrap(new byte[16]), 1, ByteBuffer.wrap(new byte[32]))).setStatus(AgentStatus.ACTIVE)
                .setEnrolledAt(at).setLastEnrolledAt(at).build();
    }

    private AgentTelemetry heartbeat(UUID agent, Instant at) {
        return AgentTelemetry.newBuilder().setEventId(UUID.randomUUID()).setAccountId(account).setAgentId(agent).setReceivedAt(at)
                .setKind(TelemetryKind.HEARTBEAT).setLastErrors(List.of())
                .setStatus(AgentStatusReport.newBuilder().setAgentVersion("1.0.0").setOsName("macOS").setOsVersion("14.4.1").setEnabled(true)
                        .setProtectionState(ProtectionState.PROTECTED).setAgentClock(at).setLastConfigVersionApplied(0)
                        .setConfigurationSource(ConfigurationSource.LIVE_STREAM).setUserIdentifiedBy(UserIdentification.NONE).build())
                .build();
    }

    /** The record's class and its Avro single-object encoding: the test needs no registry. */
    private static final class RecordSerde implements Serde<SpecificRecord> {
        @Override
        public Serializer<SpecificRecord> serializer() {
            return (topic, record) -> {
                try {
                    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                    DataOutputStream out = new DataOutputStream(bytes);
                    out.writeUTF(record.getClass().getName());
                    ByteBuffer encoded = (ByteBuffer) record.getClass().getMethod("toByteBuffer").invoke(record);
                    out.write(encoded.array(), encoded.arrayOffset() + encoded.position(), encoded.remaining());
                    return bytes.toByteArray();
                } catch (ReflectiveOperationException | IOException e) {
                    throw new IllegalStateException(e);
                }
            };
        }

        @Override
        public Deserializer<SpecificRecord> deserializer() {
            return (topic, bytes) -> {
                try {
                    DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes));
                    Class<?> type = Class.forName(in.readUTF());
                    return (SpecificRecord) type.getMethod("fromByteBuffer", ByteBuffer.class).invoke(null, ByteBuffer.wrap(in.readAllBytes()));
                } catch (ReflectiveOperationException | IOException e) {
                    throw new IllegalStateException(e);
                }
            };
        }
    }
}
