package dev.parapet.kit.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.parapet.schemas.v1.common.EncryptedSecret;
import dev.parapet.schemas.v1.groups.ProfileGroup;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class AuditJsonTest {

    /** Everything a hand-built JSON string gets wrong: quotes, backslashes, control characters, U+2028 and U+2029, a NUL. */
    public static final String HOSTILE = "a\"b\\c\n\r\t\b\f\u0000\u0001\u001f\u007f\u2028\u2029\"}, \"injected\": \"yes";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void anyTextRoundTripsThroughAJsonParserExactly() {
        String written = AuditJson.write(AuditJson.object().put("hostname", HOSTILE).put("count", 3));
        JsonNode read = JSON.readTree(written);
        assertThat(read.get("hostname").asString()).isEqualTo(HOSTILE);
        assertThat(read.get("count").asLong()).isEqualTo(3);
        assertThat(read.properties()).hasSize(2);
    }

    @Test
    void anAvroRecordIsWrittenFieldByFieldWithItsTextIntact() {
        UUID account = UUID.randomUUID();
        ProfileGroup group = new ProfileGroup(account, UUID.randomUUID(), HOSTILE, 3L, List.of(HOSTILE, "b@example.com"), List.of(),
                "ann@example.com", Instant.parse("2026-01-02T03:04:05.678Z"));
        JsonNode read = JSON.readTree(AuditJson.describe(group));
        assertThat(read.get("name").asString()).isEqualTo(HOSTILE);
        assertThat(read.get("memberEmails").get(0).asString()).isEqualTo(HOSTILE);
        assertThat(read.get("accountId").asString()).isEqualTo(account.toString());
        assertThat(read.get("version").asLong()).isEqualTo(3);
        assertThat(read.get("updatedAt").asString()).isEqualTo("2026-01-02T03:04:05.678Z");
        assertThat(AuditJson.describe(null)).isNull();
    }

    @Test
    void bytesAreNeverWrittenOnlyTheirLength() {
        EncryptedSecret secret = new EncryptedSecret("k1", ByteBuffer.wrap(new byte[12]), ByteBuffer.wrap("secret!".getBytes()));
        String written = AuditJson.describe(secret);
        assertThat(written).doesNotContain("secret!").contains("(7 bytes)");
    }
}
