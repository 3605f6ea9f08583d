package dev.parapet.diagnostics.querylog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.UUID;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Test;

import dev.parapet.diagnostics.Feed;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * What the query log and the SIEM export do with a record they cannot read: a registry that does not answer is
 * read again, at most five times in a row for one record, then skipped like a record that is no verdict, so one
 * record never stops a consumer for good; every skipped record is counted.
 */
class VerdictReaderTest {

    final Deque<Object> answers = new ArrayDeque<>();
    final Deserializer<SpecificRecord> values = (topic, bytes) -> {
        Object next = answers.pop();
        if (next instanceof RuntimeException failure) {
            throw failure;
        }
        return (SpecificRecord) next;
    };
    final Counter unreadable = new SimpleMeterRegistry().counter("unreadable");
    final VerdictReader reader = new VerdictReader(values, unreadable, "test");

    static ConsumerRecord<String, byte[]> record(long offset) {
        return new ConsumerRecord<>("parapet.verdicts.v1", 0, offset, "key", new byte[] {0, 1, 2});
    }

    static RuntimeException registryDown() {
        return new SerializationException("schema", new java.net.ConnectException("registry did not answer"));
    }

    @Test
    void aVerdictIsReadAndARecordThatIsNoneIsSkippedAndCounted() throws Exception {
        DnsVerdict verdict = Feed.verdict(UUID.randomUUID(), Instant.now(), Action.ALLOWED, "www.example.com", List.of(), null, null, null);
        answers.add(verdict);
        answers.add(new SerializationException("not Avro at all"));
        assertThat(reader.read(record(1))).isEqualTo(verdict);
        assertThat(reader.read(record(2))).isNull();
        assertThat(reader.read(new ConsumerRecord<>("parapet.verdicts.v1", 0, 3, "key", null))).as("a tombstone").isNull();
        assertThat(unreadable.count()).isEqualTo(2);
    }

    @Test
    void anUnansweredRegistryIsReadAgainFourTimesForOneRecordThenTheRecordIsSkipped() throws Exception {
        for (int i = 0; i < VerdictReader.READ_ATTEMPTS; i++) {
            answers.add(registryDown());
        }
        for (int attempt = 1; attempt < VerdictReader.READ_ATTEMPTS; attempt++) {
            assertThatThrownBy(() -> reader.read(record(7))).isInstanceOf(VerdictReader.ReadAgain.class)
                    .hasRootCauseMessage("registry did not answer");
        }
        assertThat(reader.read(record(7))).as("the fifth time: skipped, not a stop for good").isNull();
        assertThat(unreadable.count()).isEqualTo(1);

        answers.add(registryDown());
        answers.add(registryDown());
        assertThatThrownBy(() -> reader.read(record(8))).isInstanceOf(VerdictReader.ReadAgain.class);
        assertThatThrownBy(() -> reader.read(record(9))).as("another record starts its own count").isInstanceOf(VerdictReader.ReadAgain.class);
    }
}
