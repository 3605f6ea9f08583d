package dev.parapet.kit.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.parapet.schemas.v1.audit.AuditEvent;
import dev.parapet.schemas.v1.audit.Outcome;
import dev.parapet.schemas.v1.common.Actor;

class RecordSizesTest {

    @Test
    void theSizeIsWhatAvroWrites() throws Exception {
        AuditEvent event = event("a".repeat(1000));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        var encoder = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
        new org.apache.avro.specific.SpecificDatumWriter<AuditEvent>(AuditEvent.class).write(event, encoder);
        encoder.flush();
        assertThat(RecordSizes.serializedSize(event)).isEqualTo(out.size());
    }

    @Test
    void aRecordOverTheLimitIsRefusedBeforeAnythingIsWritten() {
        RecordSizes.requireFits(List.of(event("small")));
        assertThatThrownBy(() -> RecordSizes.requireFits(List.of(event("small"), event("x".repeat(RecordSizes.MAX_VALUE_BYTES)))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("AuditEvent would be").hasMessageContaining("more than the " + RecordSizes.MAX_VALUE_BYTES);
    }

    private static AuditEvent event(String action) {
        return AuditEvent.newBuilder().setEventId(UUID.randomUUID()).setOccurredAt(Instant.ofEpochMilli(1))
                .setAccountId(UUID.randomUUID()).setActor(Actor.newBuilder().setSubject("test").build())
                .setAction(action).setResourceType("test").setOutcome(Outcome.SUCCESS).build();
    }
}
