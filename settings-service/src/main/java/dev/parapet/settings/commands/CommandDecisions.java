package dev.parapet.settings.commands;

import java.time.Instant;

import dev.parapet.schemas.v1.settings.DeleteLocation;
import dev.parapet.schemas.v1.settings.DeletePolicy;
import dev.parapet.schemas.v1.settings.DeleteProfileGroup;
import dev.parapet.schemas.v1.settings.GenerateTamperPassword;
import dev.parapet.schemas.v1.settings.ImportCategoryFeed;
import dev.parapet.schemas.v1.settings.ImportPolicyDomains;
import dev.parapet.schemas.v1.settings.SettingsCommand;
import dev.parapet.schemas.v1.settings.SettingsRejection;
import dev.parapet.schemas.v1.settings.UpdateAgentSettings;
import dev.parapet.schemas.v1.settings.UpdateExceptions;
import dev.parapet.schemas.v1.settings.UpsertLocation;
import dev.parapet.schemas.v1.settings.UpsertPolicy;
import dev.parapet.schemas.v1.settings.UpsertProfileGroup;
import dev.parapet.settings.agentsettings.SettingsDecisions;
import dev.parapet.settings.categories.CategoryFeedDecisions;
import dev.parapet.settings.exceptions.ExceptionDecisions;
import dev.parapet.settings.groups.GroupDecisions;
import dev.parapet.settings.locations.LocationDecisions;
import dev.parapet.settings.policies.PolicyDecisions;

/** Which decision applies to which command, and what state it reads. */
public final class CommandDecisions {

    private CommandDecisions() {
    }

    /**
     * @param global whether this is the global writer (location commands, category feeds) or an account's writer (the
     *               rest); a command sent to the wrong one is refused, never half-applied
     */
    public static Decision decide(SettingsCommand command, StateStores stores, Instant now, boolean global) {
        String account = command.getAccountId().toString();
        Object action = command.getAction();
        if (isGlobal(action) != global) {
            return Decision.refused(command, SettingsRejection.OTHER, 0, "command sent to the wrong writer");
        }
        if (action instanceof UpdateAgentSettings || action instanceof GenerateTamperPassword) {
            return SettingsDecisions.decide(stores.get(SettingsCommandTopology.SETTINGS_STORE, account), command, now);
        }
        if (action instanceof UpdateExceptions update) {
            return ExceptionDecisions.decide(stores.get(SettingsCommandTopology.EXCEPTIONS_STORE, account), command, update, now);
        }
        if (action instanceof UpsertPolicy upsert) {
            return PolicyDecisions.upsert(stores.get(SettingsCommandTopology.POLICIES_STORE,
                    PolicyDecisions.key(command.getAccountId(), upsert.getPolicy().getPolicyId())), command, upsert, now);
        }
        if (action instanceof DeletePolicy delete) {
            return PolicyDecisions.delete(stores.get(SettingsCommandTopology.POLICIES_STORE,
                    PolicyDecisions.key(command.getAccountId(), delete.getPolicyId())), command, delete, now);
        }
        if (action instanceof ImportPolicyDomains imported) {
            return PolicyDecisions.importDomains(stores.get(SettingsCommandTopology.POLICIES_STORE,
                    PolicyDecisions.key(command.getAccountId(), imported.getPolicyId())), command, imported, now);
        }
        if (action instanceof UpsertProfileGroup upsert) {
            return GroupDecisions.upsert(stores.get(SettingsCommandTopology.GROUPS_STORE,
                    GroupDecisions.key(command.getAccountId(), upsert.getGroup().getGroupId())), command, upsert, now);
        }
        if (action instanceof DeleteProfileGroup delete) {
            return GroupDecisions.delete(stores.get(SettingsCommandTopology.GROUPS_STORE,
                    GroupDecisions.key(command.getAccountId(), delete.getGroupId())), command, delete, now);
        }
        if (action instanceof UpsertLocation upsert) {
            return LocationDecisions.upsert(stores, command, upsert, now);
        }
        if (action instanceof DeleteLocation delete) {
            return LocationDecisions.delete(stores, command, delete, now);
        }
        if (action instanceof ImportCategoryFeed feed) {
            return CategoryFeedDecisions.importFeed(stores, command, feed, now);
        }
        return Decision.refused(command, SettingsRejection.OTHER, 0, "unknown command");
    }

    /** Whether the command belongs to the global writer: locations and category feeds span accounts. */
    public static boolean isGlobal(Object action) {
        return action instanceof UpsertLocation || action instanceof DeleteLocation || action instanceof ImportCategoryFeed;
    }
}
