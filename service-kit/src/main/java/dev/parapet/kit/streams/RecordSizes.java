package dev.parapet.kit.streams;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

import dev.parapet.schemas.Topic;

/**
 * Sizes of records before they are written. A writer running exactly-once cannot skip an output that
 * the producer refuses as too large: the refusal aborts the whole transaction, and the command would
 * be replayed for ever. So a writer checks its outputs first ({@link #requireFits}) and refuses the
 * command before changing anything; the refusal is a processing failure, which is dead-lettered.
 */
public final class RecordSizes {

    /** Room left under the topic limit for the key, headers, the wire format's prefix and batch overhead. */
    static final int HEADROOM = 64 * 1024;

    /** The largest value a writer may produce. */
    public static final int MAX_VALUE_BYTES = Topic.MAX_RECORD_BYTES - HEADROOM;

    private RecordSizes() {
    }

    /** The record's size in Avro's binary encoding (what the serializer writes after its 5-byte prefix). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static long serializedSize(SpecificRecord record) {
        Counting counting = new Counting();
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(counting, null);
        try {
            new SpecificDatumWriter(record.getSchema()).write(record, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return counting.bytes;
    }

    /** Throws if any of the records would be too large to write, naming it and its size. */
    public static void requireFits(Iterable<? extends SpecificRecord> records) {
        for (SpecificRecord record : records) {
            if (record == null) {
                continue;
            }
            long size = serializedSize(record);
            if (size > MAX_VALUE_BYTES) {
                throw new IllegalArgumentException("its " + record.getSchema().getName() + " would be " + size
                        + " bytes, more than the " + MAX_VALUE_BYTES + " a record may have");
            }
        }
    }

    private static final class Counting extends OutputStream {
        private long bytes;

        @Override
        public void write(int b) {
            bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes += len;
        }
    }
}
