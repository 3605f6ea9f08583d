package dev.parapet.settings.commands;

import java.time.Instant;
import java.util.Optional;

import dev.parapet.schemas.v1.settings.SettingsCommand;
import dev.parapet.schemas.v1.settings.SettingsRejection;
import dev.parapet.settings.quotas.Quotas;

/**
 * Which decision applies to which command: the feature that registered the command's type
 * ({@link CommandFeatures}), on the writer it registered for.
 */
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
     * @param global whether this is the global writer (location commands, category feeds, the account registry) or an
     *               account's writer (the rest); a command sent to the wrong one is refused, never half-applied
     */
    public static Decision decide(SettingsCommand command, StateStores stores, Instant now, boolean global, Rules rules) {
        Object action = command.getAction();
        if (isGlobal(action) != global) {
            return Decision.refused(command, SettingsRejection.OTHER, 0, "command sent to the wrong writer");
        }
        Optional<Feature> feature = CommandFeatures.of(action);
        if (feature.isEmpty()) {
            return Decision.refused(command, SettingsRejection.OTHER, 0, "unknown command");
        }
        return feature.get().decide(command, stores, now, rules);
    }

    /**
     * Whether the command belongs to the global writer: locations (and their encrypted-DNS endpoints), category feeds
     * and their subscriptions, and the account registry span accounts.
     */
    public static boolean isGlobal(Object action) {
        return CommandFeatures.writerOf(action) == Feature.Writer.GLOBAL;
    }
}
