package dev.parapet.diagnostics.querylog;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;

import dev.parapet.kit.kafka.DeadLetters;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;
import io.micrometer.core.instrument.Counter;

/**
 * Reads the verdict of a record of {@code parapet.verdicts.v1} for a consumer that writes verdicts somewhere (the query
 * log, a SIEM): a record that is not a readable verdict is skipped, logged and counted, never retried for ever. A
 * failure that is not the record's fault (the registry did not answer) is thrown as {@link ReadAgain}, so the
 * consumer reads the record again from its last commit, at most {@value #READ_ATTEMPTS} times in a row for one
 * record; after that it too is skipped, so one record can never stop a consumer for good. One per consuming thread.
 */
public final class VerdictReader {

    public static final int READ_ATTEMPTS = 5;

    /** Read the record again, from the last commit: the failure was not the record's. */
    public static final class ReadAgain extends Exception {

        ReadAgain(RuntimeException cause) {
            super(cause.toString(), cause);
        }

        /** What failed (the deserialiser's exception). */
        public RuntimeException failure() {
            return (RuntimeException) getCause();
        }
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(VerdictReader.class);

    private final Deserializer<SpecificRecord> values;
    private final Counter unreadable;
    private final String reader;
    private String retried;
    private int retries;

    /**
     * @param reader what reads, for the log ("query log", "SIEM host:port")
     */
    public VerdictReader(Deserializer<SpecificRecord> values, Counter unreadable, String reader) {
        this.values = values;
        this.unreadable = unreadable;
        this.reader = reader;
    }

    /** The record's verdict, or null (skipped and counted) for a record that is none. */
    public DnsVerdict read(ConsumerRecord<?, byte[]> record) throws ReadAgain {
        try {
            if (record.value() != null && values.deserialize(record.topic(), record.value()) instanceof DnsVerdict verdict) {
                return verdict;
            }
        } catch (RuntimeException e) {
            if (DeadLetters.isTransient(e)) {
                String where = record.topic() + "-" + record.partition() + "@" + record.offset();
                retries = where.equals(retried) ? retries + 1 : 1;
                retried = where;
                if (retries < READ_ATTEMPTS) {
                    throw new ReadAgain(e);
                }
            }
            LOG.warn("{}: skipped unreadable verdict {}-{}@{}: {}", reader, record.topic(), record.partition(), record.offset(),
                    e.toString());
        }
        unreadable.increment();
        return null;
    }
}
