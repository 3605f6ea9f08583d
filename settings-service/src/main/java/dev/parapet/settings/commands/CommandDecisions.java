package dev.parapet.settings.commands;

import java.time.Instant;
import java.util.UUID;

import dev.parapet.schemas.v1.access.AccessRequest;
import dev.parapet.schemas.v1.access.DecideAccessRequest;
import dev.parapet.schemas.v1.access.RequestAccess;
import dev.parapet.schemas.v1.groups.ProfileGroup;
import dev.parapet.schemas.v1.settings.DeleteCategoryFeedSubscription;
import dev.parapet.schemas.v1.settings.DeleteLocation;
import dev.parapet.schemas.v1.settings.DeletePolicy;
import dev.parapet.schemas.v1.settings.DeleteProfileGroup;
import dev.parapet.schemas.v1.settings.GenerateTamperPassword;
import dev.parapet.schemas.v1.settings.ImportCategoryFeed;
import dev.parapet.schemas.v1.settings.ImportPolicyDomains;
import dev.parapet.schemas.v1.settings.RecordCategoryFeedCheck;
import dev.parapet.schemas.v1.settings.ReviewLocationRanges;
import dev.parapet.schemas.v1.settings.SetLocationEncryptedDns;
import dev.parapet.schemas.v1.settings.SettingsCommand;
import dev.parapet.schemas.v1.settings.SettingsRejection;
import dev.parapet.schemas.v1.settings.UpdateAgentSettings;
import dev.parapet.schemas.v1.settings.UpdateExceptions;
import dev.parapet.schemas.v1.settings.UpsertCategoryFeedSubscription;
import dev.parapet.schemas.v1.settings.UpsertLocation;
import dev.parapet.schemas.v1.settings.UpsertPolicy;
import dev.parapet.schemas.v1.settings.UpsertProfileGroup;
import dev.parapet.settings.access.AccessRequestDecisions;
import dev.parapet.settings.accounts.AccountDecisions;
import dev.parapet.settings.agentsettings.SettingsDecisions;
import dev.parapet.settings.categories.CategoryFeedDecisions;
import dev.parapet.settings.exceptions.ExceptionDecisions;
import dev.parapet.settings.feeds.FeedSubscriptionDecisions;
import dev.parapet.settings.groups.GroupDecisions;
import dev.parapet.settings.locations.LocationDecisions;
import dev.parapet.settings.policies.PolicyDecisions;
import dev.parapet.settings.quotas.Quotas;

/** Which decision applies to which command, and what state it reads. */
public final class CommandDecisions {

    private CommandDecisions() {
    }

    /**
     * What the writers enforce beyond a command's own content.
     *
     * @param quotas             what one account may hold
     * @param allowPrivateRanges private and loopback location ranges are accepted (local stack, tests) and, as they
     *                           cannot be anyone's public egress, approved at once
     */
    public record Rules(Quotas quotas, boolean allowPrivateRanges) {
    }

    /**
     * @param global whether this is the global writer (location commands, category feeds) or an account's writer (the
     *               rest); a command sent to the wrong one is refused, never half-applied
     */
    public static Decision decide(SettingsCommand command, StateStores stores, Instant now, boolean global, Rules rules) {
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
            UUID policyId = upsert.getPolicy().getPolicyId();
            return PolicyDecisions.upsert(stores.get(SettingsCommandTopology.POLICIES_STORE,
                    PolicyDecisions.key(command.getAccountId(), policyId)), PolicyDecisions.usage(stores, command.getAccountId(), policyId),
                    rules.quotas(), command, upsert, now);
        }
        if (action instanceof DeletePolicy delete) {
            return PolicyDecisions.delete(stores.get(SettingsCommandTopology.POLICIES_STORE,
                    PolicyDecisions.key(command.getAccountId(), delete.getPolicyId())), command, delete, now);
        }
        if (action instanceof ImportPolicyDomains imported) {
            return PolicyDecisions.importDomains(stores.get(SettingsCommandTopology.POLICIES_STORE,
                    PolicyDecisions.key(command.getAccountId(), imported.getPolicyId())),
                    PolicyDecisions.usage(stores, command.getAccountId(), imported.getPolicyId()), rules.quotas(), command, imported, now);
        }
        if (action instanceof UpsertProfileGroup upsert) {
            ProfileGroup stored = stores.get(SettingsCommandTopology.GROUPS_STORE,
                    GroupDecisions.key(command.getAccountId(), upsert.getGroup().getGroupId()));
            int groups = stored == null && upsert.getCreate()
                    ? stores.countOfAccount(SettingsCommandTopology.GROUPS_STORE, command.getAccountId()) : 0;
            return GroupDecisions.upsert(stored, groups, rules.quotas(), command, upsert, now);
        }
        if (action instanceof DeleteProfileGroup delete) {
            return GroupDecisions.delete(stores.get(SettingsCommandTopology.GROUPS_STORE,
                    GroupDecisions.key(command.getAccountId(), delete.getGroupId())), command, delete, now);
        }
        if (action instanceof UpsertLocation upsert) {
            return LocationDecisions.upsert(stores, rules, command, upsert, now);
        }
        if (action instanceof DeleteLocation delete) {
            return LocationDecisions.delete(stores, command, delete, now);
        }
        if (action instanceof ReviewLocationRanges review) {
            return LocationDecisions.review(stores, command, review, now);
        }
        if (action instanceof SetLocationEncryptedDns set) {
            return LocationDecisions.setEncryptedDns(stores, command, set, now);
        }
        if (action instanceof ImportCategoryFeed feed) {
            if (feed.getFetch() != null) {
                return FeedSubscriptionDecisions.importFetched(stores, command, feed, now);
            }
            var subscription = FeedSubscriptionDecisions.stored(stores, feed.getCategoryId());
            if (subscription != null) {
                // The next fetch would undo a one-off import, or a 304 would keep it for ever: one source per category.
                return Decision.refused(command, SettingsRejection.CONFLICT, 0, "category " + feed.getCategoryId()
                        + " follows its feed subscription (" + subscription.getSource()
                        + "); change or delete the subscription instead (/api/v1/operator/category-feeds)");
            }
            return CategoryFeedDecisions.importFeed(stores, command, feed, now);
        }
        if (action instanceof UpsertCategoryFeedSubscription upsert) {
            return FeedSubscriptionDecisions.upsert(stores, command, upsert, now);
        }
        if (action instanceof DeleteCategoryFeedSubscription delete) {
            return FeedSubscriptionDecisions.delete(stores, command, delete, now);
        }
        if (action instanceof RecordCategoryFeedCheck check) {
            return FeedSubscriptionDecisions.recordCheck(stores, command, check, now);
        }
        if (AccountDecisions.isAccountCommand(action)) {
            return AccountDecisions.decide(stores, command, now);
        }
        if (action instanceof RequestAccess request) {
            java.util.List<AccessRequest> ofAccount = new java.util.ArrayList<>();
            stores.<AccessRequest>forEachOfAccount(SettingsCommandTopology.ACCESS_REQUESTS_STORE, command.getAccountId(), ofAccount::add);
            return AccessRequestDecisions.raise(stores.get(SettingsCommandTopology.ACCESS_REQUESTS_STORE,
                    AccessRequestDecisions.key(command.getAccountId(), request.getRaised().getRequestId())), ofAccount, command, request, now);
        }
        if (action instanceof DecideAccessRequest decision) {
            return AccessRequestDecisions.decide(stores.get(SettingsCommandTopology.ACCESS_REQUESTS_STORE,
                    AccessRequestDecisions.key(command.getAccountId(), decision.getRequestId())), command, decision, now);
        }
        return Decision.refused(command, SettingsRejection.OTHER, 0, "unknown command");
    }

    /** Whether the command belongs to the global writer: locations (and their encrypted-DNS endpoints), category feeds and their subscriptions, and the account registry span accounts. */
    public static boolean isGlobal(Object action) {
        return action instanceof UpsertLocation || action instanceof DeleteLocation || action instanceof ReviewLocationRanges
                || action instanceof SetLocationEncryptedDns || action instanceof ImportCategoryFeed
                || action instanceof UpsertCategoryFeedSubscription || action instanceof DeleteCategoryFeedSubscription || action instanceof RecordCategoryFeedCheck
                || AccountDecisions.isAccountCommand(action);
    }
}
