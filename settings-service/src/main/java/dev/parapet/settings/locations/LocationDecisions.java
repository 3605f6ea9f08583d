package dev.parapet.settings.locations;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import dev.parapet.kit.audit.AuditJson;
import dev.parapet.kit.net.Cidr;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.locations.Location;
import dev.parapet.schemas.v1.settings.DeleteLocation;
import dev.parapet.schemas.v1.settings.SettingsCommand;
import dev.parapet.schemas.v1.settings.SettingsRejection;
import dev.parapet.schemas.v1.settings.UpsertLocation;
import dev.parapet.settings.commands.Decision;
import dev.parapet.settings.commands.SettingsCommandTopology;
import dev.parapet.settings.commands.StateStores;

/**
 * Locations, decided by the one global writer: a location's ranges may overlap no range of any other
 * location of any account, so that a query's source address names exactly one account.
 */
public final class LocationDecisions {

    private LocationDecisions() {
    }

    public static String key(UUID accountId, UUID locationId) {
        return accountId + "/" + locationId;
    }

    public static Decision upsert(StateStores stores, SettingsCommand command, UpsertLocation upsert, Instant now) {
        Location wanted = upsert.getLocation();
        String key = key(command.getAccountId(), wanted.getLocationId());
        Location stored = stores.get(SettingsCommandTopology.LOCATIONS_STORE, key);
        long current = stored == null ? 0 : stored.getVersion();
        Decision refused = Decision.checkVersion(command, upsert.getCreate(), stored != null, upsert.getExpectedVersion(),
                current, "location " + wanted.getLocationId());
        if (refused != null) {
            return refused;
        }
        List<Cidr> ranges = wanted.getCidrs().stream().map(text -> Cidr.parse(text).cidr().orElseThrow()).toList();
        List<String> overlaps = new ArrayList<>();
        stores.<Location>forEach(SettingsCommandTopology.LOCATIONS_STORE, other -> {
            if (other.getAccountId().equals(command.getAccountId()) && other.getLocationId().equals(wanted.getLocationId())) {
                return;
            }
            for (String text : other.getCidrs()) {
                Cidr range = Cidr.parse(text).cidr().orElseThrow();
                // Another account's ranges are never shown: a refusal must not map other customers' offices.
                ranges.stream().filter(range::overlaps).forEach(mine -> overlaps.add(
                        other.getAccountId().equals(command.getAccountId())
                                ? mine + " overlaps " + range + " of location '" + other.getName() + "' (" + other.getLocationId() + ")"
                                : mine + " overlaps another account's location"));
            }
        });
        if (!overlaps.isEmpty()) {
            return Decision.refused(command, SettingsRejection.CONFLICT, current,
                    String.join("; ", overlaps.stream().distinct().toList()));
        }
        Location next = Location.newBuilder(wanted).setAccountId(command.getAccountId()).setVersion(current + 1)
                .setUpdatedBy(command.getActor().getSubject()).setUpdatedAt(now).build();
        return Decision.accepted(command, Topics.LOCATIONS.name(), key, next, next.getVersion(),
                Decision.audit(command, upsert.getCreate() ? "location.create" : "location.update", "location",
                        wanted.getLocationId().toString(), AuditJson.describe(stored), AuditJson.describe(next), now));
    }

    public static Decision delete(StateStores stores, SettingsCommand command, DeleteLocation delete, Instant now) {
        String key = key(command.getAccountId(), delete.getLocationId());
        Location stored = stores.get(SettingsCommandTopology.LOCATIONS_STORE, key);
        long current = stored == null ? 0 : stored.getVersion();
        Decision refused = Decision.checkVersion(command, false, stored != null, delete.getExpectedVersion(), current,
                "location " + delete.getLocationId());
        if (refused != null) {
            return refused;
        }
        return Decision.accepted(command, Topics.LOCATIONS.name(), key, null, current,
                Decision.audit(command, "location.delete", "location", delete.getLocationId().toString(),
                        AuditJson.describe(stored), null, now));
    }
}
