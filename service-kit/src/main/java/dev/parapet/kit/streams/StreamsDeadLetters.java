package dev.parapet.kit.streams;

import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.support.serializer.DeserializationException;

import dev.parapet.kit.kafka.DeadLetters;


/**
 * Invariant 4 for Kafka Streams writers: a record that cannot be deserialised, whose processing throws, or whose output cannot be
 * produced (too large, unserialisable), is published as it was read (raw key and value, headers) to
 * {@code <source topic>.dlt} with the reason, and the writer goes on with the next record. Without
 * these, Streams stops the client on the first such record, and exactly-once replays it after every
 * restart: one bad command would stop its partition for good.
 *
 * <p>If the dead letter cannot be written (the broker is unreachable), the handler answers FAIL: the
 * thread dies, is replaced ({@link StreamsSupervision}), and the record is read again, so nothing is
 * skipped unrecorded. Records of Streams' internal topics (repartition, changelog), which have no
 * dead-letter topic, are logged instead.
 */
public final class StreamsDeadLetters {

    /** The configuration key under which the {@link DeadLetterPublishingRecoverer} is handed to the handlers. */
    public static final String RECOVERER = "parapet.streams.dead-letter-recoverer";

    private static final Logger LOG = LoggerFactory.getLogger(StreamsDeadLetters.class);

    private StreamsDeadLetters() {
    }

    /**
     * Records that cannot be deserialised: dead-lettered as read, with a "cannot deserialise" reason,
     * and the writer goes on. A failure that says nothing about the record (the registry did not
     * answer) fails the thread instead, so that the record is read again once it answers.
     */
    public static final class Deserialization implements DeserializationExceptionHandler {

        private DeadLetterPublishingRecoverer recoverer;

        @Override
        public DeserializationHandlerResponse handle(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
                                                     Exception exception) {
            if (DeadLetters.isTransient(exception)) {
                LOG.warn("Could not deserialise {}-{}@{} for now ({}); it will be read again", record.topic(),
                        record.partition(), record.offset(), exception.toString());
                return DeserializationHandlerResponse.FAIL;
            }
            try {
                recoverer.accept(record, new DeserializationException("cannot deserialise", record.value(), false, exception));
                return DeserializationHandlerResponse.CONTINUE;
            } catch (RuntimeException e) {
                LOG.error("Could not dead-letter {}-{}@{}; failing the thread so that it is read again", record.topic(),
                        record.partition(), record.offset(), e);
                return DeserializationHandlerResponse.FAIL;
            }
        }

        @Override
        public void configure(Map<String, ?> configs) {
            recoverer = recoverer(configs);
        }
    }

    /** Processing failures: dead-letter the source record and continue. */
    public static final class Processing implements ProcessingExceptionHandler {

        private DeadLetterPublishingRecoverer recoverer;

        @Override
        public ProcessingHandlerResponse handle(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
            return deadLetter(recoverer, context, exception) ? ProcessingHandlerResponse.CONTINUE : ProcessingHandlerResponse.FAIL;
        }

        @Override
        public void configure(Map<String, ?> configs) {
            recoverer = recoverer(configs);
        }
    }

    /** Production failures (a record too large, one that cannot be serialised): dead-letter the source record and continue. */
    public static final class Production implements ProductionExceptionHandler {

        private DeadLetterPublishingRecoverer recoverer;

        @Override
        public ProductionExceptionHandlerResponse handle(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record,
                                                         Exception exception) {
            // A retriable error is the producer's to retry; under exactly-once the transaction fails and is replayed.
            return !(exception instanceof org.apache.kafka.common.errors.RetriableException) && deadLetter(recoverer, context, exception)
                    ? ProductionExceptionHandlerResponse.CONTINUE : ProductionExceptionHandlerResponse.FAIL;
        }

        @Override
        @SuppressWarnings("rawtypes")
        public ProductionExceptionHandlerResponse handleSerializationException(ErrorHandlerContext context, ProducerRecord record,
                                                                               Exception exception,
                                                                               SerializationExceptionOrigin origin) {
            return deadLetter(recoverer, context, exception) ? ProductionExceptionHandlerResponse.CONTINUE
                    : ProductionExceptionHandlerResponse.FAIL;
        }

        @Override
        public void configure(Map<String, ?> configs) {
            recoverer = recoverer(configs);
        }
    }

    private static DeadLetterPublishingRecoverer recoverer(Map<String, ?> configs) {
        Object recoverer = configs.get(RECOVERER);
        if (!(recoverer instanceof DeadLetterPublishingRecoverer found)) {
            throw new IllegalStateException("No dead-letter recoverer under " + RECOVERER);
        }
        return found;
    }

    /** Whether the source record was set aside (dead-lettered, or logged for an internal topic). */
    static boolean deadLetter(DeadLetterPublishingRecoverer recoverer, ErrorHandlerContext context, Exception exception) {
        String topic = context.topic();
        if (topic == null || topic.endsWith("-repartition") || topic.endsWith("-changelog")) {
            LOG.error("Skipping a record of {} (task {}, offset {}) that failed in {}: {}", topic, context.taskId(),
                    context.offset(), context.processorNodeId(), exception.toString());
            return true;
        }
        ConsumerRecord<byte[], byte[]> source = new ConsumerRecord<>(topic, context.partition(), context.offset(),
                context.timestamp(), TimestampType.CREATE_TIME, ConsumerRecord.NULL_SIZE, ConsumerRecord.NULL_SIZE,
                context.sourceRawKey(), context.sourceRawValue(), new org.apache.kafka.common.header.internals.RecordHeaders(
                        context.headers() == null ? new Header[0] : context.headers().toArray()),
                java.util.Optional.empty());
        try {
            recoverer.accept(source, exception);
            LOG.warn("Dead-lettered {}-{}@{} after it failed in {}: {}", topic, context.partition(), context.offset(),
                    context.processorNodeId(), exception.toString());
            return true;
        } catch (RuntimeException e) {
            LOG.error("Could not dead-letter {}-{}@{}; failing the thread so that it is read again", topic,
                    context.partition(), context.offset(), e);
            return false;
        }
    }
}
