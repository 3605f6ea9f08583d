package dev.parapet.settings.groups;

import java.time.Instant;
import java.util.UUID;

import dev.parapet.kit.audit.AuditJson;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.groups.ProfileGroup;
import dev.parapet.schemas.v1.settings.DeleteProfileGroup;
import dev.parapet.schemas.v1.settings.SettingsCommand;
import dev.parapet.schemas.v1.settings.UpsertProfileGroup;
import dev.parapet.settings.commands.Decision;
import dev.parapet.settings.commands.Feature;
import dev.parapet.settings.commands.SettingsCommandTopology;
import dev.parapet.settings.quotas.Quotas;

/** Profile groups as a pure function of the stored group and one command. */
public final class GroupDecisions {

    /** Profile groups: the account's writer, one record per group, within the account's quota. */
    public static final Feature FEATURE = Feature.of("profile groups", Feature.Writer.ACCOUNT)
            .store(SettingsCommandTopology.GROUPS_STORE, Topics.PROFILE_GROUPS)
            .command(UpsertProfileGroup.class, (command, upsert, stores, now, rules) -> {
                ProfileGroup stored = stores.get(SettingsCommandTopology.GROUPS_STORE,
                        key(command.getAccountId(), upsert.getGroup().getGroupId()));
                // Counting the account's groups reads all of them: only a creation needs it.
                int groups = stored == null && upsert.getCreate()
                        ? stores.countOfAccount(SettingsCommandTopology.GROUPS_STORE, command.getAccountId()) : 0;
                return upsert(stored, groups, rules.quotas(), command, upsert, now);
            })
            .command(DeleteProfileGroup.class, (command, delete, stores, now, rules) -> delete(
                    stores.get(SettingsCommandTopology.GROUPS_STORE, key(command.getAccountId(), delete.getGroupId())),
                    command, delete, now))
            .build();

    private GroupDecisions() {
    }

    public static String key(UUID accountId, UUID groupId) {
        return accountId + "/" + groupId;
    }

    /**
     * Creates or replaces a group; a creation beyond the account's group quota is refused.
     *
     * @param groups how many groups the account has (read only for a creation)
     */
    public static Decision upsert(ProfileGroup stored, int groups, Quotas quotas, SettingsCommand command,
                                  UpsertProfileGroup upsert, Instant now) {
        ProfileGroup wanted = upsert.getGroup();
        long current = stored == null ? 0 : stored.getVersion();
        Decision refused = Decision.checkVersion(command, upsert.getCreate(), stored != null, upsert.getExpectedVersion(),
                current, "profile group " + wanted.getGroupId());
        if (refused != null) {
            return refused;
        }
        if (stored == null && groups >= quotas.profileGroupsPerAccount()) {
            return Decision.quotaExceeded(command, 0, "profile-groups-per-account", quotas.profileGroupsPerAccount(), groups,
                    "the account has " + groups + " profile groups, the most it may have");
        }
        ProfileGroup next = ProfileGroup.newBuilder(wanted).setAccountId(command.getAccountId()).setVersion(current + 1)
                .setUpdatedBy(dev.parapet.kit.audit.Actors.name(command.getActor())).setUpdatedAt(now).build();
        return Decision.accepted(command, Topics.PROFILE_GROUPS.name(), key(command.getAccountId(), wanted.getGroupId()), next,
                next.getVersion(), Decision.audit(command, upsert.getCreate() ? "profile-group.create" : "profile-group.update",
                        "profile-group", wanted.getGroupId().toString(), AuditJson.describe(stored),
                        AuditJson.describe(next), now));
    }

    public static Decision delete(ProfileGroup stored, SettingsCommand command, DeleteProfileGroup delete, Instant now) {
        long current = stored == null ? 0 : stored.getVersion();
        Decision refused = Decision.checkVersion(command, false, stored != null, delete.getExpectedVersion(), current,
                "profile group " + delete.getGroupId());
        if (refused != null) {
            return refused;
        }
        return Decision.accepted(command, Topics.PROFILE_GROUPS.name(), key(command.getAccountId(), delete.getGroupId()), null,
                current, Decision.audit(command, "profile-group.delete", "profile-group", delete.getGroupId().toString(),
                        AuditJson.describe(stored), null, now));
    }
}
