package dev.parapet.settings.siem;

import java.time.Instant;

import dev.parapet.kit.audit.Actors;
import dev.parapet.kit.audit.AuditJson;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.settings.DeleteSiemDestination;
import dev.parapet.schemas.v1.settings.SetSiemDestination;
import dev.parapet.schemas.v1.settings.SettingsCommand;
import dev.parapet.schemas.v1.settings.SettingsRejection;
import dev.parapet.schemas.v1.siem.SiemDestination;
import dev.parapet.settings.commands.Decision;
import dev.parapet.settings.commands.Feature;

/**
 * An account's SIEM destination (docs/siem.md) as a pure function of the stored one and one command: set creates or
 * replaces it (an If-Match version must be the current one), delete removes it. One per account, keyed by the account.
 */
public final class SiemDestinationDecisions {

    /** The store that mirrors {@code parapet.siem-destinations.v1}. */
    public static final String STORE = "siem-destinations";

    /** SIEM destinations: the account's writer, one record per account. */
    public static final Feature FEATURE = Feature.of("SIEM destinations", Feature.Writer.ACCOUNT)
            .store(STORE, Topics.SIEM_DESTINATIONS)
            .command(SetSiemDestination.class, (command, set, stores, now, rules) -> set(
                    stores.get(STORE, command.getAccountId().toString()), command, set, now))
            .command(DeleteSiemDestination.class, (command, delete, stores, now, rules) -> delete(
                    stores.get(STORE, command.getAccountId().toString()), command, delete, now))
            .build();

    private SiemDestinationDecisions() {
    }

    public static Decision set(SiemDestination stored, SettingsCommand command, SetSiemDestination set, Instant now) {
        long current = stored == null ? 0 : stored.getVersion();
        if (set.getExpectedVersion() != null && set.getExpectedVersion() != current) {
            return Decision.refused(command, SettingsRejection.VERSION_MISMATCH, current, null);
        }
        // A new destination's version starts at its creation's milliseconds: an ETag read before a removal never matches it.
        SiemDestination next = SiemDestination.newBuilder(set.getDestination()).setAccountId(command.getAccountId())
                .setCreatedAt(stored == null ? now : stored.getCreatedAt())
                .setVersion(stored == null ? Math.max(1, now.toEpochMilli()) : current + 1)
                .setUpdatedBy(Actors.name(command.getActor())).setUpdatedAt(now).build();
        return Decision.accepted(command, Topics.SIEM_DESTINATIONS.name(), command.getAccountId().toString(), next, next.getVersion(),
                Decision.audit(command, stored == null ? "siem-destination.create" : "siem-destination.update", "siem-destination",
                        command.getAccountId().toString(), AuditJson.describe(stored), AuditJson.describe(next), now));
    }

    public static Decision delete(SiemDestination stored, SettingsCommand command, DeleteSiemDestination delete, Instant now) {
        long current = stored == null ? 0 : stored.getVersion();
        Decision refused = Decision.checkVersion(command, false, stored != null, delete.getExpectedVersion(), current,
                "the account's SIEM destination");
        if (refused != null) {
            return refused;
        }
        return Decision.accepted(command, Topics.SIEM_DESTINATIONS.name(), command.getAccountId().toString(), null, current,
                Decision.audit(command, "siem-destination.delete", "siem-destination", command.getAccountId().toString(),
                        AuditJson.describe(stored), null, now));
    }
}
