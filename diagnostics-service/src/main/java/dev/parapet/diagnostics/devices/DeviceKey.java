package dev.parapet.diagnostics.devices;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A device's key in the inventory: its account and its agent.
 *
 * <p>In the store and its changelog it is the text {@code account/agent} in ASCII (73 bytes), exactly as earlier releases
 * wrote it as a string, so an upgraded instance reads the store and changelog it finds. In memory it is the two UUIDs:
 * every heartbeat looks its device up in the rows held and the deadlines, and building and hashing that text for each one
 * was a tenth of a heartbeat's processing. The order is the text's order (the UUIDs' bits compared unsigned), so what the
 * store returns in key order comes in the same order as before.
 */
public final class DeviceKey implements Comparable<DeviceKey> {

    /** The bytes of a key: two UUIDs of 36 characters and the slash between them. */
    public static final int LENGTH = 73;
    private static final int UUID_LENGTH = 36;
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    public static final Serde<DeviceKey> SERDE = Serdes.serdeFrom(
            (Serializer<DeviceKey>) (topic, key) -> key == null ? null : key.bytes(),
            (Deserializer<DeviceKey>) (topic, bytes) -> bytes == null ? null : parse(bytes));

    // The bits themselves rather than two UUID objects: a lookup among 100 000 keys then reads one object, not three.
    private final long accountHigh;
    private final long accountLow;
    private final long agentHigh;
    private final long agentLow;
    private final int hash;

    public DeviceKey(UUID accountId, UUID agentId) {
        this(accountId.getMostSignificantBits(), accountId.getLeastSignificantBits(), agentId.getMostSignificantBits(),
                agentId.getLeastSignificantBits());
    }

    private DeviceKey(long accountHigh, long accountLow, long agentHigh, long agentLow) {
        this.accountHigh = accountHigh;
        this.accountLow = accountLow;
        this.agentHigh = agentHigh;
        this.agentLow = agentLow;
        this.hash = Long.hashCode(accountHigh ^ accountLow) * 31 + Long.hashCode(agentHigh ^ agentLow);
    }

    public UUID accountId() {
        return new UUID(accountHigh, accountLow);
    }

    public UUID agentId() {
        return new UUID(agentHigh, agentLow);
    }

    /** What every key of the account's devices starts with in the store, for a prefix scan. */
    public static byte[] accountPrefix(UUID accountId) {
        byte[] prefix = new byte[UUID_LENGTH + 1];
        writeUuid(accountId.getMostSignificantBits(), accountId.getLeastSignificantBits(), prefix, 0);
        prefix[UUID_LENGTH] = '/';
        return prefix;
    }

    /** The serializer of {@link #accountPrefix} for {@code prefixScan}. */
    public static Serializer<UUID> accountPrefixSerializer() {
        return (topic, accountId) -> accountPrefix(accountId);
    }

    public byte[] bytes() {
        byte[] bytes = new byte[LENGTH];
        writeUuid(accountHigh, accountLow, bytes, 0);
        bytes[UUID_LENGTH] = '/';
        writeUuid(agentHigh, agentLow, bytes, UUID_LENGTH + 1);
        return bytes;
    }

    /** A key from the store's bytes; anything that is not {@code uuid/uuid} fails rather than being read as some other device. */
    public static DeviceKey parse(byte[] bytes) {
        if (bytes.length != LENGTH || bytes[UUID_LENGTH] != '/') {
            throw new SerializationException("not a device key (account/agent): " + bytes.length + " bytes");
        }
        String text = new String(bytes, StandardCharsets.US_ASCII);
        try {
            UUID account = UUID.fromString(text.substring(0, UUID_LENGTH));
            UUID agent = UUID.fromString(text.substring(UUID_LENGTH + 1));
            if (!account.toString().equals(text.substring(0, UUID_LENGTH)) || !agent.toString().equals(text.substring(UUID_LENGTH + 1))) {
                throw new IllegalArgumentException("not in the canonical form");
            }
            return new DeviceKey(account, agent);
        } catch (IllegalArgumentException e) {
            throw new SerializationException("not a device key (account/agent)", e);
        }
    }

    /** The order of the text: the UUIDs' bits compared unsigned (UUID.compareTo compares them signed). */
    @Override
    public int compareTo(DeviceKey other) {
        int order = Long.compareUnsigned(accountHigh, other.accountHigh);
        order = order != 0 ? order : Long.compareUnsigned(accountLow, other.accountLow);
        order = order != 0 ? order : Long.compareUnsigned(agentHigh, other.agentHigh);
        return order != 0 ? order : Long.compareUnsigned(agentLow, other.agentLow);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof DeviceKey key && hash == key.hash && agentLow == key.agentLow && agentHigh == key.agentHigh
                && accountLow == key.accountLow && accountHigh == key.accountHigh;
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return accountId() + "/" + agentId();
    }

    /** A UUID's canonical text (8-4-4-4-12 lower-case hex digits) into {@code out} at {@code at}, as UUID.toString writes it. */
    private static void writeUuid(long high, long low, byte[] out, int at) {
        hex(high >>> 32, 8, out, at);
        out[at + 8] = '-';
        hex(high >>> 16, 4, out, at + 9);
        out[at + 13] = '-';
        hex(high, 4, out, at + 14);
        out[at + 18] = '-';
        hex(low >>> 48, 4, out, at + 19);
        out[at + 23] = '-';
        hex(low, 12, out, at + 24);
    }

    private static void hex(long value, int digits, byte[] out, int at) {
        for (int i = digits - 1; i >= 0; i--) {
            out[at + i] = HEX[(int) (value & 0xF)];
            value >>>= 4;
        }
    }
}
