package dev.parapet.schemas;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;

/**
 * Schemas as they were released before a change, kept in test resources ({@code /<release>/<name>.avsc}),
 * and what today's generated classes read of a record written with one of them.
 */
final class ReleasedSchemas {

    private ReleasedSchemas() {
    }

    static Schema read(String release, String name) throws IOException {
        try (InputStream in = ReleasedSchemas.class.getResourceAsStream("/" + release + "/" + name + ".avsc")) {
            return new Schema.Parser().parse(in);
        }
    }

    /** Writes the record with its own (released) schema and reads it as the current schema's class. */
    static <T> T readAsCurrent(GenericRecord written, Schema current) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
        new GenericDatumWriter<GenericRecord>(written.getSchema()).write(written, encoder);
        encoder.flush();
        return new SpecificDatumReader<T>(written.getSchema(), current)
                .read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
    }
}
