package dev.parapet.diagnostics.devices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.junit.jupiter.api.Test;

class DeviceKeyTest {

    private static final UUID ACCOUNT = UUID.fromString("0a1b2c3d-4e5f-4a6b-8c7d-8e9fa0b1c2d3");
    private static final UUID AGENT = UUID.fromString("ffffffff-0000-4fff-bfff-00000000000f");

    @Test
    void itsBytesAreTheTextEarlierReleasesStoredSoAnUpgradeReadsTheStoreItFinds() {
        DeviceKey key = new DeviceKey(ACCOUNT, AGENT);
        byte[] earlier = new StringSerializer().serialize("devices", ACCOUNT + "/" + AGENT);
        assertThat(DeviceKey.SERDE.serializer().serialize("devices", key)).isEqualTo(earlier).hasSize(DeviceKey.LENGTH);
        assertThat(DeviceKey.SERDE.deserializer().deserialize("devices", earlier)).isEqualTo(key);
        assertThat(key.accountId()).isEqualTo(ACCOUNT);
        assertThat(key.agentId()).isEqualTo(AGENT);
        assertThat(key).hasToString(ACCOUNT + "/" + AGENT);
        assertThat(DeviceKey.accountPrefix(ACCOUNT)).isEqualTo((ACCOUNT + "/").getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void keysSortAsTheirStoredBytesDoAndAreEqualByTheirUuids() {
        Random random = new Random(7);
        List<DeviceKey> keys = new ArrayList<>();
        for (int i = 0; i < 500; i++) {   // signed and unsigned halves both, so a signed comparison would be caught
            keys.add(new DeviceKey(new UUID(random.nextLong(), random.nextLong()), new UUID(random.nextLong(), random.nextLong())));
        }
        keys.add(new DeviceKey(ACCOUNT, AGENT));
        keys.add(new DeviceKey(ACCOUNT, new UUID(0, 1)));
        List<DeviceKey> byBytes = new ArrayList<>(keys);
        byBytes.sort(Comparator.comparing(key -> Bytes.wrap(key.bytes())));
        Collections.sort(keys);
        assertThat(keys).containsExactlyElementsOf(byBytes);

        DeviceKey copy = new DeviceKey(UUID.fromString(ACCOUNT.toString()), UUID.fromString(AGENT.toString()));
        assertThat(copy).isEqualTo(new DeviceKey(ACCOUNT, AGENT)).hasSameHashCodeAs(new DeviceKey(ACCOUNT, AGENT));
        assertThat(new DeviceKey(AGENT, ACCOUNT)).isNotEqualTo(copy);
    }

    @Test
    void bytesThatAreNotAnAccountAndAnAgentAreRefusedRatherThanReadAsSomeDevice() {
        String good = ACCOUNT + "/" + AGENT;
        for (String bad : List.of("", good.substring(1), good + "x", good.replace('/', '-'), good.toUpperCase(),
                good.replace("0a1b", "0a1g"), ACCOUNT + "/" + "not-a-uuid-at-all-but-36-characters!")) {
            assertThatThrownBy(() -> DeviceKey.parse(bad.getBytes(StandardCharsets.UTF_8))).as(bad)
                    .isInstanceOf(SerializationException.class);
        }
    }
}
