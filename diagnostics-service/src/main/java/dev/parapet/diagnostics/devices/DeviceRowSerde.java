package dev.parapet.diagnostics.devices;

import java.io.EOFException;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import dev.parapet.diagnostics.streams.JsonSerde;

/**
 * The device rows in their store and changelog, in a compact binary form: a row is read and written
 * on every heartbeat, and JSON (text dates parsed and printed, field names matched) cost most of a
 * heartbeat's processing. Fields in {@link DeviceRow}'s order, each nullable one behind a presence byte;
 * instants as epoch seconds and nanoseconds, so a row reads back equal to what was written.
 *
 * <p>The first byte is the format's version ({@value #VERSION}). A value starting with '{' is a row
 * written as JSON by an earlier release (still in a changelog being restored): it is read as JSON, and
 * written back in binary the next time the device changes.
 */
public final class DeviceRowSerde implements Serde<DeviceRow> {

    static final byte VERSION = 1;
    private static final JsonSerde<DeviceRow> JSON = new JsonSerde<>(DeviceRow.class);

    @Override
    public Serializer<DeviceRow> serializer() {
        return (topic, row) -> row == null ? null : write(row);
    }

    @Override
    public Deserializer<DeviceRow> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            if (bytes.length > 0 && bytes[0] == '{') {
                return JSON.deserializer().deserialize(topic, bytes);
            }
            try {
                return read(bytes);
            } catch (IOException | RuntimeException e) {
                throw new SerializationException("Unreadable device row in " + topic, e);
            }
        };
    }

    /** Each stream thread's buffer: a row is written on every commit of every changed device. */
    private static final ThreadLocal<Out> BUFFERS = ThreadLocal.withInitial(Out::new);

    static byte[] write(DeviceRow row) {
        Out out = BUFFERS.get();
        out.length = 0;
        out.writeByte(VERSION);
        out.uuid(row.accountId());
        out.uuid(row.agentId());
        out.string(row.deviceId());
        out.string(row.hostname());
        out.string(row.status());
        out.instant(row.enrolledAt());
        out.string(row.agentVersion());
        out.string(row.osName());
        out.string(row.osEdition());
        out.string(row.osVersion());
        out.writeByte(row.enabled() == null ? 0 : row.enabled() ? 2 : 1);
        out.string(row.protectionState());
        out.string(row.signedInUser());
        out.string(row.userIdentifiedBy());
        out.instant(row.agentClock());
        out.number(row.clockSkewMillis());
        out.number(row.lastConfigVersionApplied());
        out.string(row.configurationSource());
        DeviceRow.TestBlocking test = row.lastTestBlocking();
        out.writeBoolean(test != null);
        if (test != null) {
            out.instant(test.testedAt());
            out.writeBoolean(test.blockedNameBlocked());
            out.writeBoolean(test.allowedNameResolved());
            out.string(test.detail());
        }
        out.writeInt(row.lastErrors().size());
        for (String error : row.lastErrors()) {
            out.string(error);
        }
        out.instant(row.firstSeen());
        out.instant(row.lastSeen());
        out.writeInt(row.findings().size());
        for (Finding finding : row.findings()) {
            out.string(finding.code().name());
            out.string(finding.detail());
            out.instant(finding.since());
        }
        return out.bytes();
    }

    static DeviceRow read(byte[] bytes) throws IOException {
        In in = new In(bytes);
        byte version = in.readByte();
        if (version != VERSION) {
            throw new IOException("device row format " + version + ", this release reads " + VERSION);
        }
        UUID accountId = in.uuid();
        UUID agentId = in.uuid();
        String deviceId = in.string();
        String hostname = in.string();
        String status = Interned.VALUES.of(in.string());
        Instant enrolledAt = in.instant();
        String agentVersion = Interned.VALUES.of(in.string());
        String osName = Interned.VALUES.of(in.string());
        String osEdition = Interned.VALUES.of(in.string());
        String osVersion = Interned.VALUES.of(in.string());
        byte enabledByte = in.readByte();
        Boolean enabled = enabledByte == 0 ? null : enabledByte == 2;
        String protectionState = Interned.VALUES.of(in.string());
        String signedInUser = in.string();
        String userIdentifiedBy = Interned.VALUES.of(in.string());
        Instant agentClock = in.instant();
        Long clockSkewMillis = in.number();
        Long lastConfigVersionApplied = in.number();
        String configurationSource = Interned.VALUES.of(in.string());
        DeviceRow.TestBlocking test = null;
        if (in.readBoolean()) {
            test = new DeviceRow.TestBlocking(in.instant(), in.readBoolean(), in.readBoolean(), in.string());
        }
        int errorCount = in.count();
        List<String> errors = new ArrayList<>(errorCount);
        for (int i = 0; i < errorCount; i++) {
            errors.add(in.string());
        }
        Instant firstSeen = in.instant();
        Instant lastSeen = in.instant();
        int findingCount = in.count();
        List<Finding> findings = new ArrayList<>(findingCount);
        for (int i = 0; i < findingCount; i++) {
            findings.add(new Finding(FindingCode.valueOf(in.string()), in.string(), in.instant()));
        }
        if (in.available() != 0) {
            throw new IOException(in.available() + " bytes after the device row");
        }
        return new DeviceRow(accountId, agentId, deviceId, hostname, status, enrolledAt, agentVersion, osName, osEdition, osVersion,
                enabled, protectionState, signedInUser, userIdentifiedBy, agentClock, clockSkewMillis, lastConfigVersionApplied,
                configurationSource, test, errors, firstSeen, lastSeen, findings);
    }

    /**
     * Big-endian writes into a growing array, the bytes {@link java.io.DataOutputStream} wrote in the first binary release
     * (a row is written on every heartbeat: its streams' synchronised byte-at-a-time calls were most of the cost).
     */
    private static final class Out {
        private byte[] buffer = new byte[320];
        private int length;

        private void ensure(int more) {
            if (length + more > buffer.length) {
                buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + more));
            }
        }

        void writeByte(int value) {
            ensure(1);
            buffer[length++] = (byte) value;
        }

        void writeBoolean(boolean value) {
            writeByte(value ? 1 : 0);
        }

        void writeInt(int value) {
            ensure(4);
            INT.set(buffer, length, value);
            length += 4;
        }

        void writeLong(long value) {
            ensure(8);
            LONG.set(buffer, length, value);
            length += 8;
        }

        void uuid(UUID value) {
            writeBoolean(value != null);
            if (value != null) {
                writeLong(value.getMostSignificantBits());
                writeLong(value.getLeastSignificantBits());
            }
        }

        void string(String value) {
            if (value == null) {
                writeInt(-1);
                return;
            }
            int chars = value.length();
            ensure(4 + chars);
            int start = length + 4;
            int i = 0;
            for (; i < chars; i++) {     // ASCII, nearly every field, written as it is read
                char c = value.charAt(i);
                if (c >= 0x80) {
                    break;
                }
                buffer[start + i] = (byte) c;
            }
            if (i == chars) {
                writeInt(chars);
                length += chars;
                return;
            }
            byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
            writeInt(utf8.length);
            ensure(utf8.length);
            System.arraycopy(utf8, 0, buffer, length, utf8.length);
            length += utf8.length;
        }

        void instant(Instant value) {
            writeBoolean(value != null);
            if (value != null) {
                writeLong(value.getEpochSecond());
                writeInt(value.getNano());
            }
        }

        void number(Long value) {
            writeBoolean(value != null);
            if (value != null) {
                writeLong(value);
            }
        }

        byte[] bytes() {
            return Arrays.copyOf(buffer, length);
        }
    }

    /** The reads of {@link Out}'s writes; every length checked against what is left, so damaged bytes fail instead of reading past. */
    private static final class In {
        private final byte[] bytes;
        private int position;

        In(byte[] bytes) {
            this.bytes = bytes;
        }

        int available() {
            return bytes.length - position;
        }

        private void need(int count) throws IOException {
            if (count > available()) {
                throw new EOFException(count + " bytes needed, " + available() + " left");
            }
        }

        byte readByte() throws IOException {
            need(1);
            return bytes[position++];
        }

        boolean readBoolean() throws IOException {
            return readByte() != 0;
        }

        int readInt() throws IOException {
            need(4);
            int value = (int) INT.get(bytes, position);
            position += 4;
            return value;
        }

        long readLong() throws IOException {
            need(8);
            long value = (long) LONG.get(bytes, position);
            position += 8;
            return value;
        }

        UUID uuid() throws IOException {
            return readBoolean() ? new UUID(readLong(), readLong()) : null;
        }

        String string() throws IOException {
            int length = readInt();
            if (length == -1) {
                return null;
            }
            if (length < 0 || length > available()) {
                throw new IOException("string of " + length + " bytes, " + available() + " left");
            }
            String value = new String(bytes, position, length, StandardCharsets.UTF_8);
            position += length;
            return value;
        }

        Instant instant() throws IOException {
            return readBoolean() ? Instant.ofEpochSecond(readLong(), readInt()) : null;
        }

        Long number() throws IOException {
            return readBoolean() ? readLong() : null;
        }

        int count() throws IOException {
            int count = readInt();
            if (count < 0 || count > available()) {
                throw new IOException("a list of " + count + " with " + available() + " bytes left");
            }
            return count;
        }
    }

    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
}
