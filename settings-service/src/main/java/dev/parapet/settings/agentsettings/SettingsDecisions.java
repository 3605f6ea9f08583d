package dev.parapet.settings.agentsettings;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import dev.parapet.kit.audit.AuditJson;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.settings.AgentSettings;
import dev.parapet.schemas.v1.settings.GenerateTamperPassword;
import dev.parapet.schemas.v1.settings.SettingsCommand;
import dev.parapet.schemas.v1.settings.SettingsRejection;
import dev.parapet.schemas.v1.settings.TamperProtection;
import dev.parapet.schemas.v1.settings.UpdateAgentSettings;
import dev.parapet.settings.commands.Decision;
import dev.parapet.settings.commands.Feature;
import dev.parapet.settings.commands.SettingsCommandTopology;

/** Agent settings and tamper protection as a pure function of the current settings and one command. */
public final class SettingsDecisions {

    /** Agent settings and tamper passwords: the account's writer, one record per account. */
    public static final Feature FEATURE = Feature.of("agent settings and tamper protection", Feature.Writer.ACCOUNT)
            .store(SettingsCommandTopology.SETTINGS_STORE, Topics.AGENT_SETTINGS)
            .command(UpdateAgentSettings.class, (command, update, stores, now, rules) -> decide(
                    stores.get(SettingsCommandTopology.SETTINGS_STORE, command.getAccountId().toString()), command, now))
            .command(GenerateTamperPassword.class, (command, generate, stores, now, rules) -> decide(
                    stores.get(SettingsCommandTopology.SETTINGS_STORE, command.getAccountId().toString()), command, now))
            .build();

    private SettingsDecisions() {
    }

    /** The settings of an account nobody has configured yet: the product's defaults, version 0. */
    public static AgentSettings defaults(UUID accountId) {
        return AgentSettings.newBuilder().setAccountId(accountId).setVersion(0).setUserAuthentication(true)
                .setEnforceUserAuthentication(false).setManageUpdates(false).setTamperProtection(null)
                .setUpdatedBy("defaults").setUpdatedAt(Instant.EPOCH).build();
    }

    public static Decision decide(AgentSettings stored, SettingsCommand command, Instant now) {
        AgentSettings current = stored == null ? defaults(command.getAccountId()) : stored;
        Object action = command.getAction();
        AgentSettings next;
        String auditAction;
        if (action instanceof UpdateAgentSettings update) {
            if (update.getExpectedVersion() != null && update.getExpectedVersion() != current.getVersion()) {
                return Decision.refused(command, SettingsRejection.VERSION_MISMATCH, current.getVersion(), null);
            }
            next = AgentSettings.newBuilder(current).setUserAuthentication(update.getUserAuthentication())
                    .setEnforceUserAuthentication(update.getEnforceUserAuthentication())
                    .setManageUpdates(update.getManageUpdates()).build();
            auditAction = "agent-settings.update";
        } else if (action instanceof GenerateTamperPassword generate) {
            TamperProtection previous = current.getTamperProtection();
            TamperProtection rotated = TamperProtection.newBuilder()
                    .setCurrent(generate.getVerifier())
                    .setEncryptedCurrent(generate.getEncrypted())
                    .setPrevious(previous == null ? null : previous.getCurrent())
                    .setEncryptedPrevious(previous == null ? null : previous.getEncryptedCurrent())
                    .setGeneratedAt(now)
                    .build();
            next = AgentSettings.newBuilder(current).setTamperProtection(rotated).build();
            auditAction = "tamper-password.generate";
        } else {
            return Decision.refused(command, SettingsRejection.OTHER, current.getVersion(), "not an agent settings command");
        }
        next = AgentSettings.newBuilder(next).setVersion(current.getVersion() + 1)
                .setUpdatedBy(dev.parapet.kit.audit.Actors.name(command.getActor())).setUpdatedAt(now).build();
        String account = command.getAccountId().toString();
        return Decision.accepted(command, Topics.AGENT_SETTINGS.name(), account, next, next.getVersion(),
                Decision.audit(command, auditAction, "agent-settings", account, describe(current), describe(next), now));
    }

    /** The settings as the audit trail shows them: never a password, a verifier or a ciphertext. */
    static String describe(AgentSettings settings) {
        TamperProtection tamper = settings.getTamperProtection();
        return AuditJson.write(AuditJson.object().put("version", settings.getVersion())
                .put("userAuthentication", settings.getUserAuthentication())
                .put("enforceUserAuthentication", settings.getEnforceUserAuthentication())
                .put("manageUpdates", settings.getManageUpdates())
                .put("tamperPasswordGeneratedAt", tamper == null ? null : tamper.getGeneratedAt().toString())
                .put("tamperPreviousPassword", tamper != null && tamper.getPrevious() != null));
    }
}
