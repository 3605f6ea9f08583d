package dev.parapet.keys.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.parapet.schemas.v1.audit.AuditEvent;
import dev.parapet.schemas.v1.common.Actor;
import dev.parapet.schemas.v1.common.ActorKind;
import dev.parapet.schemas.v1.common.EncryptedSecret;
import dev.parapet.schemas.v1.common.Region;
import dev.parapet.schemas.v1.common.Verifier;
import dev.parapet.schemas.v1.keys.AccountKeyState;
import dev.parapet.schemas.v1.keys.DeleteKey;
import dev.parapet.schemas.v1.keys.EnrolAgent;
import dev.parapet.schemas.v1.keys.KeyCommand;
import dev.parapet.schemas.v1.keys.KeyStatus;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The audit trail's JSON holds what an agent sent, whatever it sent (the hostname is free text). */
class KeyDecisionsAuditTest {

    private static final String HOSTILE = "a\"b\\c\n\r\t\u0000\u001f\u2028\u2029\"}, \"injected\": \"yes";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final UUID ACCOUNT = UUID.randomUUID();
    private static final Verifier VERIFIER = new Verifier("sha256", ByteBuffer.wrap(new byte[0]), 1, ByteBuffer.wrap(new byte[32]));
    private static final AccountKeyState KEY = AccountKeyState.newBuilder().setAccountId(ACCOUNT).setKeyId(UUID.randomUUID())
            .setGeneration(2).setStatus(KeyStatus.ACTIVE).setRegion(Region.EU)
            .setEncryptedKey(new EncryptedSecret("k1", ByteBuffer.wrap(new byte[12]), ByteBuffer.wrap(new byte[40])))
            .setVerifier(VERIFIER).setIssuedBy("ann@example.com").setIssuedAt(Instant.now()).build();

    private static KeyCommand command(Object action) {
        return KeyCommand.newBuilder().setCommandId(UUID.randomUUID()).setAccountId(ACCOUNT).setRequestedAt(Instant.now())
                .setActor(new Actor(HOSTILE, "", ActorKind.AGENT, null)).setSourceAddress("192.0.2.1").setAction(action).build();
    }

    @Test
    void anEnrolmentsHostileHostnameAndDeviceIdRoundTripThroughAJsonParser() {
        EnrolAgent enrol = EnrolAgent.newBuilder().setKeyId(KEY.getKeyId()).setDeviceId(HOSTILE).setHostname(HOSTILE)
                .setOsName("Linux").setOsVersion("6").setAgentVersion("1.0.0").setProposedAgentId(UUID.randomUUID())
                .setCredentialVerifier(VERIFIER).build();
        AuditEvent audit = KeyDecisions.decide(KEY, List.of(), command(enrol), Instant.now()).audit().get(0);
        JsonNode after = JSON.readTree(audit.getAfter());
        assertThat(after.get("hostname").asString()).isEqualTo(HOSTILE);
        assertThat(after.get("deviceId").asString()).isEqualTo(HOSTILE);
        assertThat(after.get("keyGeneration").asLong()).isEqualTo(2);
        assertThat(after.has("injected")).isFalse();
    }

    @Test
    void aDeletionsBeforeAndAfterAreJson() {
        AuditEvent audit = KeyDecisions.decide(KEY, List.of(), command(new DeleteKey(KEY.getKeyId())), Instant.now()).audit().get(0);
        JsonNode before = JSON.readTree(audit.getBefore());
        JsonNode after = JSON.readTree(audit.getAfter());
        assertThat(before.get("status").asString()).isEqualTo("ACTIVE");
        assertThat(after.get("status").asString()).isEqualTo("REVOKED");
        assertThat(after.get("agentsRevoked").asLong()).isZero();
        assertThat(after.get("keyId").asString()).isEqualTo(KEY.getKeyId().toString());
    }
}
