package dev.parapet.settings.commands;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.apache.avro.specific.SpecificRecord;

import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.audit.AuditEvent;
import dev.parapet.schemas.v1.audit.Outcome;
import dev.parapet.schemas.v1.settings.QuotaExceeded;
import dev.parapet.schemas.v1.settings.SettingsCommand;
import dev.parapet.schemas.v1.settings.SettingsCommandResult;
import dev.parapet.schemas.v1.settings.SettingsRejection;

/**
 * What one command does: the records it publishes (a null value is a tombstone; a record whose topic
 * has a state store is also written there under the same key) and its result.
 */
public record Decision(SettingsCommandResult result, List<Output> outputs) {

    /** One record to publish. */
    public record Output(String topic, String key, SpecificRecord value) {
    }

    public static Decision refused(SettingsCommand command, SettingsRejection why, long currentVersion, String detail) {
        return new Decision(result(command, false, why, currentVersion, detail), List.of());
    }

    /**
     * A refusal because the account would exceed a quota: the result names the quota (as its property
     * is named), its limit and the account's current use, which the API answers as a 409.
     */
    public static Decision quotaExceeded(SettingsCommand command, long currentVersion, String quota, long limit, long current,
                                         String detail) {
        SettingsCommandResult result = result(command, false, SettingsRejection.QUOTA_EXCEEDED, currentVersion, detail);
        result.setQuota(new QuotaExceeded(quota, limit, current));
        return new Decision(result, List.of());
    }

    /** An accepted change: the record (or tombstone) on its topic, the audit event, and the result. */
    public static Decision accepted(SettingsCommand command, String topic, String key, SpecificRecord value, long version,
                                    AuditEvent audit) {
        List<Output> outputs = new ArrayList<>();
        outputs.add(new Output(topic, key, value));
        outputs.add(new Output(Topics.AUDIT.name(), command.getAccountId().toString(), audit));
        return new Decision(result(command, true, null, version, null), outputs);
    }

    public static SettingsCommandResult result(SettingsCommand command, boolean accepted, SettingsRejection rejection,
                                               long version, String detail) {
        return SettingsCommandResult.newBuilder().setCommandId(command.getCommandId()).setAccountId(command.getAccountId())
                .setAccepted(accepted).setRejection(rejection).setDetail(detail).setVersion(version).build();
    }

    public static AuditEvent audit(SettingsCommand command, String action, String resourceType, String resourceId,
                                   String before, String after, Instant now) {
        return AuditEvent.newBuilder().setEventId(UUID.randomUUID()).setOccurredAt(now)
                .setAccountId(command.getAccountId()).setActor(command.getActor()).setAction(action)
                .setResourceType(resourceType).setResourceId(resourceId).setBefore(before).setAfter(after)
                .setOutcome(Outcome.SUCCESS).setSourceAddress(command.getSourceAddress()).build();
    }

    /**
     * The common checks of a versioned resource: create needs it absent, replace and delete need it
     * present, and an expected version must be the current one. Null when the command may go ahead.
     */
    public static Decision checkVersion(SettingsCommand command, boolean create, boolean exists, Long expected,
                                        long current, String what) {
        if (create && exists) {
            return refused(command, SettingsRejection.ALREADY_EXISTS, current, what + " already exists");
        }
        if (!create && !exists) {
            return refused(command, SettingsRejection.NOT_FOUND, 0, what + " does not exist");
        }
        if (expected != null && expected != current) {
            return refused(command, SettingsRejection.VERSION_MISMATCH, current, null);
        }
        return null;
    }
}
