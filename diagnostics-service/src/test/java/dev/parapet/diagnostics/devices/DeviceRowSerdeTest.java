package dev.parapet.diagnostics.devices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

import dev.parapet.diagnostics.streams.JsonSerde;

class DeviceRowSerdeTest {

    private final DeviceRowSerde serde = new DeviceRowSerde();

    static DeviceRow full() {
        return full(UUID.randomUUID(), UUID.randomUUID());
    }

    static DeviceRow full(UUID accountId, UUID agentId) {
        Instant now = Instant.parse("2026-12-04T09:15:30.123456789Z");
        return new DeviceRow(accountId, agentId, "device-7", "DESKTOP-ÅÉ7", "ACTIVE", now.minusSeconds(86_400),
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

    /** The bytes of the first binary release (2026-12-04), as its changelogs hold them: written and read the same today. */
    @Test
    void theBinaryFormatIsTheOneChangelogsAlreadyHold() {
        DeviceRow row = full(UUID.fromString("6f1e0c1a-0000-4000-8000-000000000001"), UUID.fromString("6f1e0c1a-0000-4000-8000-000000000002"));
        byte[] bytes = serde.serializer().serialize("devices", row);
        assertThat(HexFormat.of().formatHex(bytes)).isEqualTo(FIRST_RELEASE);
        assertThat(serde.deserializer().deserialize("devices", HexFormat.of().parseHex(FIRST_RELEASE))).isEqualTo(row);
    }

    private static final String FIRST_RELEASE = "01016f1e0c1a000040008000000000000001016f1e0c1a000040008000000000000002000000086465766963652d37000000"
            + "0d4445534b544f502dc385c389370000000641435449564501000000006b113332075bcd1500000005312e302e3000000007"
            + "57696e646f77730000000350726f0000000731312032334832020000000950524f5445435445440000000f61646140657861"
            + "6d706c652e636f6d0000000353534f01000000006b1284b113478f1501fffffffffffffce001000000000000000c0000000b"
            + "4c4956455f53545245414d0101000000006b1276a2075bcd15010000000016616c6c6f776564206e616d653a205345525646"
            + "41494c000000020000000b446f482074696d656f75740000000e636c6f636b3a20e29883206f666601000000006b1276a207"
            + "5bcd1501000000006b1284b2075bcd150000000200000014544553545f424c4f434b494e475f4641494c45440000001f616e"
            + "20616c6c6f776564206e616d6520646964206e6f74207265736f6c766501000000006b128476075bcd150000000a434c4f43"
            + "4b5f534b45570000002074686520646576696365277320636c6f636b2069732030207320626568696e6401000000006b1284"
            + "b2075bcd15";

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
