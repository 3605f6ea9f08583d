package dev.parapet.schemas;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;

import org.apache.avro.Schema;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.specific.SpecificRecord;

import io.apicurio.registry.serde.avro.DefaultAvroDatumProvider;

/**
 * Apicurio's datum provider, with its readers and writers found by the schema object itself.
 * The default looks them up by the schema's parsing fingerprint, which it computes again for
 * every record read or written (the schema's whole canonical form, each time): a tenth of the
 * aggregation's time in diagnostics-service. A specific record's schema and a schema the registry
 * resolved are the same objects every time, so identity finds them; a bounded number are kept,
 * and anything past that bound is served by the default as before. Bytes on the wire do not change.
 */
public class SchemaIdentityDatumProvider<T> extends DefaultAvroDatumProvider<T> {

    static final int MAX_SCHEMAS = 256;

    private final Map<Schema, DatumWriter<T>> writers = Collections.synchronizedMap(new IdentityHashMap<>());
    private final Map<Schema, DatumReader<T>> readers = Collections.synchronizedMap(new IdentityHashMap<>());

    public SchemaIdentityDatumProvider() {
    }

    public SchemaIdentityDatumProvider(boolean useSpecificAvroReader) {
        super(useSpecificAvroReader);
    }

    @Override
    public DatumWriter<T> createDatumWriter(T data, Schema schema) {
        if (!(data instanceof SpecificRecord)) {
            return super.createDatumWriter(data, schema);
        }
        DatumWriter<T> writer = writers.get(schema);
        if (writer == null) {
            writer = super.createDatumWriter(data, schema);
            if (writers.size() < MAX_SCHEMAS) {
                writers.put(schema, writer);
            }
        }
        return writer;
    }

    @Override
    public DatumReader<T> createDatumReader(Schema schema) {
        DatumReader<T> reader = readers.get(schema);
        if (reader == null) {
            reader = super.createDatumReader(schema);
            if (readers.size() < MAX_SCHEMAS) {
                readers.put(schema, reader);
            }
        }
        return reader;
    }

    /** How many readers are kept by identity (for tests). */
    int readersKept() {
        return readers.size();
    }
}
