package dev.parapet.diagnostics.devices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

import dev.parapet.diagnostics.streams.JsonSerde;

class DeviceRowSerdeTest {

    private final DeviceRowSerde serde = new DeviceRowSerde();

    static DeviceRow full() {
        Instant now = Instant.parse("2026-12-04T09:15:30.123456789Z");
        return new DeviceRow(UUID.randomUUID(), UUID.randomUUID(), "device-7", "DESKTOP-ÅÉ7", "ACTIVE", now.minusSeconds(86_400),
                "1.0.0", "Windows", "Pro", "11 23H2", true, "PROTECTED", "ada@example.com", "SSO", now.minusMillis(800), -800L, 12L,
                "LIVE_STREAM", new DeviceRow.TestBlocking(now.minusSeconds(3600), true, false, "allowed name: SERVFAIL"),
                List.of("DoH timeout", "clock: ☃ off"), now.minusSeconds(3600), now,
                List.of(new Finding(FindingCode.TEST_BLOCKING_FAILED, "an allowed name did not resolve", now.minusSeconds(60)),
                        new Finding(FindingCode.CLOCK_SKEW, "the device's clock is 0 s behind", now)));
    }

    @Test
    void aRowReadsBackEqualToWhatWasWritten() {
        DeviceRow row = full();
        byte[] bytes = serde.serializer().serialize("devices", row);
        assertThat(serde.deserializer().deserialize("devices", bytes)).isEqualTo(row);
        assertThat(bytes.length).isLessThan(new JsonSerde<>(DeviceRow.class).serializer().serialize("devices", row).length);
    }

    @Test
    void aRowWithEveryOptionalFieldMissingReadsBackEqual() {
        DeviceRow row = new DeviceRow(UUID.randomUUID(), UUID.randomUUID(), null, null, "REVOKED", null, null, null, null, null, false,
                null, null, null, null, null, null, null, null, null, null, null, null);
        assertThat(serde.deserializer().deserialize("devices", serde.serializer().serialize("devices", row))).isEqualTo(row);
        DeviceRow unknownEnabled = new DeviceRow(row.accountId(), row.agentId(), null, null, "ACTIVE", null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, List.of(), null, null, List.of());
        assertThat(serde.deserializer().deserialize("devices", serde.serializer().serialize("devices", unknownEnabled)))
                .isEqualTo(unknownEnabled);
    }

    @Test
    void aRowWrittenAsJsonByAnEarlierReleaseIsStillRead() {
        DeviceRow row = full();
        byte[] json = new JsonSerde<>(DeviceRow.class).serializer().serialize("devices", row);
        assertThat(serde.deserializer().deserialize("devices", json)).isEqualTo(row);
    }

    @Test
    void damagedBytesAreRefusedWithASerializationErrorNotAWrongRow() {
        byte[] bytes = serde.serializer().serialize("devices", full());
        assertThatThrownBy(() -> serde.deserializer().deserialize("devices", Arrays.copyOf(bytes, bytes.length - 5)))
                .isInstanceOf(SerializationException.class);
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        assertThatThrownBy(() -> serde.deserializer().deserialize("devices", longer)).isInstanceOf(SerializationException.class);
        byte[] otherVersion = bytes.clone();
        otherVersion[0] = 9;
        assertThatThrownBy(() -> serde.deserializer().deserialize("devices", otherVersion)).isInstanceOf(SerializationException.class);
        assertThat(serde.deserializer().deserialize("devices", null)).isNull();
    }
}
