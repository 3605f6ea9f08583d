package dev.parapet.kit.kafka;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.support.serializer.DeserializationException;
import org.springframework.util.backoff.FixedBackOff;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * Invariant 4: a record that cannot be deserialised or processed goes to {@code <topic>.dlt} with
 * the reason in its headers, is counted, and the consumer moves on to the next record.
 */
public final class DeadLetters {

    /** Header naming, in one line a person can read, why the record was set aside. */
    public static final String REASON_HEADER = "parapet-dlt-reason";

    /** Counter of dead-lettered records, tagged with the source topic. */
    public static final String METRIC = "parapet.kafka.dead.letters";

    private DeadLetters() {
    }

    public static DefaultErrorHandler errorHandler(DeadLetterPublishingRecoverer recoverer) {
        // Processing failures are retried twice (a broker hiccup); bad data is not retried at all.
        DefaultErrorHandler handler = new DefaultErrorHandler(recoverer, new FixedBackOff(200L, 2L));
        handler.addNotRetryableExceptions(DeserializationException.class, IllegalArgumentException.class);
        return handler;
    }

    /** Publishes a failed record to {@code <topic>.dlt}; also usable by Kafka Streams' deserialisation handler. */
    public static DeadLetterPublishingRecoverer recoverer(KafkaOperations<?, ?> bytesTemplate, MeterRegistry meters) {
        DeadLetterPublishingRecoverer recoverer = new DeadLetterPublishingRecoverer(bytesTemplate,
                (record, exception) -> new TopicPartition(record.topic() + ".dlt", -1));
        recoverer.setHeadersFunction((record, exception) -> {
            meters.counter(METRIC, "topic", record.topic()).increment();
            Headers headers = new RecordHeaders();
            headers.add(REASON_HEADER, reason(exception).getBytes(StandardCharsets.UTF_8));
            return headers;
        });
        return recoverer;
    }

    /** Header naming the state follower that set a record aside (followers read outside consumer groups). */
    public static final String FOLLOWER_HEADER = "parapet-dlt-follower";

    /** A {@link dev.parapet.kit.state.TopicFollower}'s dead-letter sink that publishes through the recoverer. */
    public static dev.parapet.kit.state.TopicFollower.DeadLetterSink followerSink(DeadLetterPublishingRecoverer recoverer,
                                                                                 String follower) {
        return (record, error) -> {
            ConsumerRecord<String, byte[]> marked = new ConsumerRecord<>(record.topic(), record.partition(), record.offset(),
                    record.key(), record.value());
            record.headers().forEach(header -> marked.headers().add(header));
            marked.headers().add(FOLLOWER_HEADER, follower.getBytes(StandardCharsets.UTF_8));
            recoverer.accept(marked, error);
        };
    }

    /**
     * Whether a failure says nothing about the record: the schema registry or the broker could not be
     * reached (an I/O error or a retriable Kafka error somewhere in its causes). Such a record is read
     * again later, never dead-lettered. Avro's decoder also reports a body cut short or a malformed number
     * as an I/O error ({@code EOFException}, {@code InvalidNumberEncodingException}): those are the record's.
     */
    public static boolean isTransient(Throwable failure) {
        boolean unreachable = false;
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof java.io.EOFException || cause.getClass().getName().equals("org.apache.avro.InvalidNumberEncodingException")) {
                return false;
            }
            unreachable |= cause instanceof java.io.IOException || cause instanceof java.util.concurrent.TimeoutException
                    || cause instanceof org.apache.kafka.common.errors.RetriableException;
        }
        return unreachable;
    }

    static String reason(Exception exception) {
        Throwable cause = exception;
        while (cause.getCause() != null && cause.getCause() != cause
                && !(cause instanceof DeserializationException)) {
            cause = cause.getCause();
        }
        String kind = cause instanceof DeserializationException ? "cannot deserialise" : "cannot process";
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName()
                : root.getClass().getSimpleName() + ": " + root.getMessage();
        return kind + ": " + message;
    }

    /** The reason recorded on a dead-lettered record, if any. */
    public static String reasonOf(ConsumerRecord<?, ?> deadLetter) {
        var header = deadLetter.headers().lastHeader(REASON_HEADER);
        return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }
}
