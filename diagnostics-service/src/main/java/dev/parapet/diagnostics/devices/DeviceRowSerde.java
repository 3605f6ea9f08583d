package dev.parapet.diagnostics.devices;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
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

    static byte[] write(DeviceRow row) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            uuid(out, row.accountId());
            uuid(out, row.agentId());
            string(out, row.deviceId());
            string(out, row.hostname());
            string(out, row.status());
            instant(out, row.enrolledAt());
            string(out, row.agentVersion());
            string(out, row.osName());
            string(out, row.osEdition());
            string(out, row.osVersion());
            out.writeByte(row.enabled() == null ? 0 : row.enabled() ? 2 : 1);
            string(out, row.protectionState());
            string(out, row.signedInUser());
            string(out, row.userIdentifiedBy());
            instant(out, row.agentClock());
            number(out, row.clockSkewMillis());
            number(out, row.lastConfigVersionApplied());
            string(out, row.configurationSource());
            DeviceRow.TestBlocking test = row.lastTestBlocking();
            out.writeBoolean(test != null);
            if (test != null) {
                instant(out, test.testedAt());
                out.writeBoolean(test.blockedNameBlocked());
                out.writeBoolean(test.allowedNameResolved());
                string(out, test.detail());
            }
            out.writeInt(row.lastErrors().size());
            for (String error : row.lastErrors()) {
                string(out, error);
            }
            instant(out, row.firstSeen());
            instant(out, row.lastSeen());
            out.writeInt(row.findings().size());
            for (Finding finding : row.findings()) {
                string(out, finding.code().name());
                string(out, finding.detail());
                instant(out, finding.since());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static DeviceRow read(byte[] bytes) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        byte version = in.readByte();
        if (version != VERSION) {
            throw new IOException("device row format " + version + ", this release reads " + VERSION);
        }
        UUID accountId = uuid(in);
        UUID agentId = uuid(in);
        String deviceId = string(in);
        String hostname = string(in);
        String status = string(in);
        Instant enrolledAt = instant(in);
        String agentVersion = string(in);
        String osName = string(in);
        String osEdition = string(in);
        String osVersion = string(in);
        byte enabledByte = in.readByte();
        Boolean enabled = enabledByte == 0 ? null : enabledByte == 2;
        String protectionState = string(in);
        String signedInUser = string(in);
        String userIdentifiedBy = string(in);
        Instant agentClock = instant(in);
        Long clockSkewMillis = number(in);
        Long lastConfigVersionApplied = number(in);
        String configurationSource = string(in);
        DeviceRow.TestBlocking test = null;
        if (in.readBoolean()) {
            test = new DeviceRow.TestBlocking(instant(in), in.readBoolean(), in.readBoolean(), string(in));
        }
        int errorCount = count(in);
        List<String> errors = new ArrayList<>(errorCount);
        for (int i = 0; i < errorCount; i++) {
            errors.add(string(in));
        }
        Instant firstSeen = instant(in);
        Instant lastSeen = instant(in);
        int findingCount = count(in);
        List<Finding> findings = new ArrayList<>(findingCount);
        for (int i = 0; i < findingCount; i++) {
            findings.add(new Finding(FindingCode.valueOf(string(in)), string(in), instant(in)));
        }
        if (in.available() != 0) {
            throw new IOException(in.available() + " bytes after the device row");
        }
        return new DeviceRow(accountId, agentId, deviceId, hostname, status, enrolledAt, agentVersion, osName, osEdition, osVersion,
                enabled, protectionState, signedInUser, userIdentifiedBy, agentClock, clockSkewMillis, lastConfigVersionApplied,
                configurationSource, test, errors, firstSeen, lastSeen, findings);
    }

    private static void uuid(DataOutputStream out, UUID value) throws IOException {
        out.writeBoolean(value != null);
        if (value != null) {
            out.writeLong(value.getMostSignificantBits());
            out.writeLong(value.getLeastSignificantBits());
        }
    }

    private static UUID uuid(DataInputStream in) throws IOException {
        return in.readBoolean() ? new UUID(in.readLong(), in.readLong()) : null;
    }

    private static void string(DataOutputStream out, String value) throws IOException {
        if (value == null) {
            out.writeInt(-1);
            return;
        }
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static String string(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length == -1) {
            return null;
        }
        if (length < 0 || length > in.available()) {
            throw new IOException("string of " + length + " bytes, " + in.available() + " left");
        }
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    private static void instant(DataOutputStream out, Instant value) throws IOException {
        out.writeBoolean(value != null);
        if (value != null) {
            out.writeLong(value.getEpochSecond());
            out.writeInt(value.getNano());
        }
    }

    private static Instant instant(DataInputStream in) throws IOException {
        return in.readBoolean() ? Instant.ofEpochSecond(in.readLong(), in.readInt()) : null;
    }

    private static void number(DataOutputStream out, Long value) throws IOException {
        out.writeBoolean(value != null);
        if (value != null) {
            out.writeLong(value);
        }
    }

    private static Long number(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readLong() : null;
    }

    private static int count(DataInputStream in) throws IOException {
        int count = in.readInt();
        if (count < 0 || count > in.available()) {
            throw new IOException("a list of " + count + " with " + in.available() + " bytes left");
        }
        return count;
    }
}
