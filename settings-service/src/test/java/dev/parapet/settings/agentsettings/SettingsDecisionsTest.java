package dev.parapet.settings.agentsettings;

import static dev.parapet.settings.commands.InMemoryStores.command;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.parapet.kit.secrets.Secrets;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.audit.AuditEvent;
import dev.parapet.schemas.v1.common.EncryptedSecret;
import dev.parapet.schemas.v1.common.Verifier;
import dev.parapet.schemas.v1.settings.AgentSettings;
import dev.parapet.schemas.v1.settings.GenerateTamperPassword;
import dev.parapet.schemas.v1.settings.SettingsRejection;
import dev.parapet.schemas.v1.settings.UpdateAgentSettings;
import dev.parapet.schemas.v1.settings.UpdateExceptions;
import dev.parapet.settings.commands.Decision;

/** Agent settings and tamper passwords, decided from the stored settings alone. */
class SettingsDecisionsTest {

    private static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");

    private final UUID account = UUID.randomUUID();

    private static AgentSettings published(Decision decision) {
        assertThat(decision.outputs()).extracting(Decision.Output::topic).containsExactly(Topics.AGENT_SETTINGS.name(), Topics.AUDIT.name());
        return (AgentSettings) decision.outputs().get(0).value();
    }

    private static AuditEvent audit(Decision decision) {
        return (AuditEvent) decision.outputs().get(1).value();
    }

    private static EncryptedSecret encrypted(String label) {
        return new EncryptedSecret(label, ByteBuffer.wrap(new byte[12]), ByteBuffer.wrap(label.getBytes()));
    }

    @Test
    void theFirstUpdateOfAnAccountStartsFromTheDefaultsAndIsVersionOne() {
        Decision decision = SettingsDecisions.decide(null, command(account, new UpdateAgentSettings(null, false, true, true)), NOW);

        assertThat(decision.result().getAccepted()).isTrue();
        assertThat(decision.result().getVersion()).isEqualTo(1);
        AgentSettings next = published(decision);
        assertThat(decision.outputs().get(0).key()).isEqualTo(account.toString());
        assertThat(next.getAccountId()).isEqualTo(account);
        assertThat(next.getVersion()).isEqualTo(1);
        assertThat(next.getUserAuthentication()).isFalse();
        assertThat(next.getEnforceUserAuthentication()).isTrue();
        assertThat(next.getManageUpdates()).isTrue();
        assertThat(next.getUpdatedBy()).isEqualTo("admin@example.com");
        assertThat(next.getUpdatedAt()).isEqualTo(NOW);
        assertThat(audit(decision).getAction()).isEqualTo("agent-settings.update");
        assertThat(audit(decision).getBefore()).contains("\"version\":0");
        assertThat(audit(decision).getAfter()).contains("\"version\":1").contains("\"manageUpdates\":true");
    }

    @Test
    void anUpdateNamingAnOlderVersionIsRefusedWithTheCurrentOneAndChangesNothing() {
        AgentSettings stored = AgentSettings.newBuilder(SettingsDecisions.defaults(account)).setVersion(3).build();

        Decision stale = SettingsDecisions.decide(stored, command(account, new UpdateAgentSettings(2L, true, false, false)), NOW);
        assertThat(stale.result().getAccepted()).isFalse();
        assertThat(stale.result().getRejection()).isEqualTo(SettingsRejection.VERSION_MISMATCH);
        assertThat(stale.result().getVersion()).isEqualTo(3);
        assertThat(stale.outputs()).isEmpty();

        Decision current = SettingsDecisions.decide(stored, command(account, new UpdateAgentSettings(3L, true, false, false)), NOW);
        assertThat(current.result().getAccepted()).isTrue();
        assertThat(published(current).getVersion()).isEqualTo(4);
    }

    @Test
    void aNewTamperPasswordKeepsThePreviousOneAndTheSettingsAndTheAuditShowsNeitherSecret() {
        Verifier first = Secrets.verifier("first-password");
        Verifier second = Secrets.verifier("second-password");
        AgentSettings withSettings = published(SettingsDecisions.decide(null,
                command(account, new UpdateAgentSettings(null, false, false, true)), NOW));
        AgentSettings once = published(SettingsDecisions.decide(withSettings,
                command(account, new GenerateTamperPassword(first, encrypted("one"))), NOW));
        assertThat(once.getTamperProtection().getCurrent()).isEqualTo(first);
        assertThat(once.getTamperProtection().getPrevious()).isNull();

        Decision rotated = SettingsDecisions.decide(once, command(account, new GenerateTamperPassword(second, encrypted("two"))),
                NOW.plusSeconds(60));
        AgentSettings twice = published(rotated);
        assertThat(twice.getVersion()).isEqualTo(3);
        assertThat(twice.getTamperProtection().getCurrent()).isEqualTo(second);
        assertThat(twice.getTamperProtection().getPrevious()).isEqualTo(first);
        assertThat(twice.getTamperProtection().getEncryptedCurrent().getKeyId()).isEqualTo("two");
        assertThat(twice.getTamperProtection().getEncryptedPrevious().getKeyId()).isEqualTo("one");
        assertThat(twice.getTamperProtection().getGeneratedAt()).isEqualTo(NOW.plusSeconds(60));
        assertThat(twice.getManageUpdates()).as("the settings stay").isTrue();
        assertThat(twice.getUserAuthentication()).isFalse();
        AuditEvent audit = audit(rotated);
        assertThat(audit.getAction()).isEqualTo("tamper-password.generate");
        assertThat(audit.getAfter()).contains("\"tamperPreviousPassword\":true").doesNotContain("one").doesNotContain("two")
                .doesNotContain("hash").doesNotContain("salt");
    }

    @Test
    void aCommandOfAnotherFeatureIsRefusedNotApplied() {
        Decision decision = SettingsDecisions.decide(null, command(account, new UpdateExceptions(null, java.util.List.of(),
                java.util.List.of())), NOW);
        assertThat(decision.result().getAccepted()).isFalse();
        assertThat(decision.result().getRejection()).isEqualTo(SettingsRejection.OTHER);
        assertThat(decision.outputs()).isEmpty();
    }
}
