package dev.parapet.settings.locations;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import dev.parapet.kit.audit.AuditJson;
import dev.parapet.kit.net.Cidr;
import dev.parapet.kit.net.LocationEndpoints;
import dev.parapet.kit.secrets.Secrets;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.audit.AuditEvent;
import dev.parapet.schemas.v1.common.Verifier;
import dev.parapet.schemas.v1.locations.EncryptedDns;
import dev.parapet.schemas.v1.locations.Location;
import dev.parapet.schemas.v1.settings.DeleteLocation;
import dev.parapet.schemas.v1.settings.ReviewLocationRanges;
import dev.parapet.schemas.v1.settings.SettingsCommand;
import dev.parapet.schemas.v1.settings.SetLocationEncryptedDns;
import dev.parapet.schemas.v1.settings.SettingsRejection;
import dev.parapet.schemas.v1.settings.UpsertLocation;
import dev.parapet.settings.commands.CommandDecisions;
import dev.parapet.settings.commands.Decision;
import dev.parapet.settings.commands.Feature;
import dev.parapet.settings.commands.SettingsCommandTopology;
import dev.parapet.settings.commands.StateStores;
import dev.parapet.settings.quotas.Quotas;

/**
 * Locations, decided by the one global writer, which sees every account's ranges.
 *
 * <p>Claiming a range does not prove that the account's offices egress from it, so a new public range
 * is PENDING_APPROVAL ({@link Location#getPendingCidrs()}) and attributes no query until the platform
 * operator approves it ({@link #review}); ranges inside one the location already had approved stay
 * approved, and private or loopback ranges are approved at once where they are allowed at all (the
 * local stack and tests). Approved ranges of different accounts never overlap, so a query's source
 * address names at most one account. A pending claim blocks nobody: squatting a range gains nothing.
 *
 * <p>A claim that overlaps another account's approved range is refused with the same words as any
 * range the account may not claim, naming only the caller's own range, never the other account, its
 * location or its exact range, so refusals cannot map other customers' offices.
 */
public final class LocationDecisions {

    /** The one answer for a range the account may not claim, whatever the reason. */
    static final String UNCLAIMABLE = "cannot be claimed by this account; if your organisation's traffic leaves from it, "
            + "ask support to verify it";

    /**
     * Locations, their ranges' review and their encrypted-DNS endpoints: the global writer, which sees every account's
     * ranges, endpoints' hosts and secrets, so that none is claimed twice.
     */
    public static final Feature FEATURE = Feature.of("locations", Feature.Writer.GLOBAL)
            .store(SettingsCommandTopology.LOCATIONS_STORE, Topics.LOCATIONS)
            .command(UpsertLocation.class, (command, upsert, stores, now, rules) -> upsert(stores, rules, command, upsert, now))
            .command(DeleteLocation.class, (command, delete, stores, now, rules) -> delete(stores, command, delete, now))
            .command(ReviewLocationRanges.class, (command, review, stores, now, rules) -> review(stores, command, review, now))
            .command(SetLocationEncryptedDns.class, (command, set, stores, now, rules) -> setEncryptedDns(stores, command, set, now))
            .build();

    private LocationDecisions() {
    }

    public static String key(UUID accountId, UUID locationId) {
        return accountId + "/" + locationId;
    }

    /** What the account's other locations hold, and where the wanted ranges collide with anything. */
    private static final class Survey {
        int locations;
        int ranges;
        final List<String> ownOverlaps = new ArrayList<>();
        final Set<String> unclaimable = new LinkedHashSet<>();
    }

    public static Decision upsert(StateStores stores, CommandDecisions.Rules rules, SettingsCommand command,
                                  UpsertLocation upsert, Instant now) {
        Location wanted = upsert.getLocation();
        UUID account = command.getAccountId();
        String key = key(account, wanted.getLocationId());
        Location stored = stores.get(SettingsCommandTopology.LOCATIONS_STORE, key);
        long current = stored == null ? 0 : stored.getVersion();
        Decision refused = Decision.checkVersion(command, upsert.getCreate(), stored != null, upsert.getExpectedVersion(),
                current, "location " + wanted.getLocationId());
        if (refused != null) {
            return refused;
        }
        Quotas quotas = rules.quotas();
        int storedRanges = stored == null ? 0 : stored.getCidrs().size();
        int wantedRanges = wanted.getCidrs().size();
        if (wantedRanges > quotas.rangesPerLocation()) {
            return Decision.quotaExceeded(command, current, "ranges-per-location", quotas.rangesPerLocation(), storedRanges,
                    "a location may have " + quotas.rangesPerLocation() + " ranges");
        }
        List<Cidr> ranges = wanted.getCidrs().stream().map(LocationDecisions::cidr).toList();
        Survey survey = survey(stores, account, wanted.getLocationId(), ranges);
        if (stored == null && survey.locations >= quotas.locationsPerAccount()) {
            return Decision.quotaExceeded(command, current, "locations-per-account", quotas.locationsPerAccount(),
                    survey.locations, "the account has " + survey.locations + " locations, the most it may have");
        }
        if (wantedRanges > storedRanges && survey.ranges + wantedRanges > quotas.rangesPerAccount()) {
            return Decision.quotaExceeded(command, current, "ranges-per-account", quotas.rangesPerAccount(),
                    survey.ranges + storedRanges, "the account's locations would have " + (survey.ranges + wantedRanges)
                            + " ranges; it may have " + quotas.rangesPerAccount());
        }
        if (!survey.ownOverlaps.isEmpty()) {
            return Decision.refused(command, SettingsRejection.CONFLICT, current,
                    String.join("; ", survey.ownOverlaps.stream().distinct().toList()));
        }
        if (!survey.unclaimable.isEmpty()) {
            return Decision.refused(command, SettingsRejection.CONFLICT, current,
                    String.join("; ", survey.unclaimable.stream().map(range -> range + " " + UNCLAIMABLE).toList()));
        }
        List<String> pending = new ArrayList<>();
        for (Cidr range : ranges) {
            if (!keepsApproval(stored, range) && !(rules.allowPrivateRanges() && nonPublic(range))) {
                pending.add(range.toString());
            }
        }
        // The encrypted-DNS endpoints are not part of a create or replace: they change only through setEncryptedDns.
        Location next = Location.newBuilder(wanted).setAccountId(account).setVersion(current + 1).setPendingCidrs(pending)
                .setEncryptedDns(stored == null ? null : stored.getEncryptedDns())
                .setUpdatedBy(dev.parapet.kit.audit.Actors.name(command.getActor())).setUpdatedAt(now).build();
        return Decision.accepted(command, Topics.LOCATIONS.name(), key, next, next.getVersion(),
                Decision.audit(command, upsert.getCreate() ? "location.create" : "location.update", "location",
                        wanted.getLocationId().toString(), AuditJson.describe(stored), AuditJson.describe(next), now));
    }

    /**
     * Counts the account's other locations and their ranges, and finds where the wanted ranges overlap:
     * another location of the account (any range: shown in full, it is the account's own), or another
     * account's approved range (shown as the caller's range only). Other accounts' pending claims are
     * not looked at.
     */
    private static Survey survey(StateStores stores, UUID account, UUID locationId, List<Cidr> ranges) {
        Survey survey = new Survey();
        stores.<Location>forEach(SettingsCommandTopology.LOCATIONS_STORE, other -> {
            boolean own = other.getAccountId().equals(account);
            if (own && other.getLocationId().equals(locationId)) {
                return;
            }
            if (own) {
                survey.locations++;
                survey.ranges += other.getCidrs().size();
            }
            for (String text : own ? other.getCidrs() : approved(other)) {
                Cidr range = cidr(text);
                for (Cidr mine : ranges) {
                    if (!mine.overlaps(range)) {
                        continue;
                    }
                    if (own) {
                        survey.ownOverlaps.add(mine + " overlaps " + range + " of location '" + other.getName() + "' ("
                                + other.getLocationId() + ")");
                    } else {
                        survey.unclaimable.add(mine.toString());
                    }
                }
            }
        });
        return survey;
    }

    /** A range inside one of the stored location's approved ranges stays approved: its owner was verified. */
    private static boolean keepsApproval(Location stored, Cidr range) {
        return stored != null && approved(stored).stream().map(LocationDecisions::cidr).anyMatch(approved -> contains(approved, range));
    }

    private static boolean nonPublic(Cidr range) {
        return range.nonPublicOverlap().filter(wide -> contains(wide, range)).isPresent();
    }

    private static boolean contains(Cidr outer, Cidr inner) {
        return outer.prefixLength() <= inner.prefixLength() && outer.overlaps(inner);
    }

    /** The ranges of a location that attribute queries: those not pending approval. */
    public static List<String> approved(Location location) {
        Set<String> pending = Set.copyOf(location.getPendingCidrs());
        return location.getCidrs().stream().filter(range -> !pending.contains(range)).toList();
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

    /**
     * Creates, rotates (both replaced) or turns off a location's encrypted-DNS endpoints. The command carries the
     * SHA-256 verifier of the DoH secret, never the secret; a DoT label or verifier another location already has is
     * refused (80 and 192 random bits: never in practice, but attribution must name one location). The audit
     * shows the label and that the secret changed, not its hash ({@link AuditJson} writes no bytes).
     */
    public static Decision setEncryptedDns(StateStores stores, SettingsCommand command, SetLocationEncryptedDns set, Instant now) {
        String key = key(command.getAccountId(), set.getLocationId());
        Location stored = stores.get(SettingsCommandTopology.LOCATIONS_STORE, key);
        long current = stored == null ? 0 : stored.getVersion();
        Decision refused = Decision.checkVersion(command, false, stored != null, set.getExpectedVersion(), current,
                "location " + set.getLocationId());
        if (refused != null) {
            return refused;
        }
        EncryptedDns wanted = set.getEncryptedDns();
        String action;
        if (wanted == null) {
            if (stored.getEncryptedDns() == null) {
                return Decision.refused(command, SettingsRejection.NOT_FOUND, current,
                        "location " + set.getLocationId() + " has no encrypted-DNS endpoints");
            }
            action = "location.encrypted-dns.delete";
        } else {
            Verifier verifier = wanted.getDohVerifier();
            if (!LocationEndpoints.isLabel(wanted.getDotLabel()) || !Secrets.VERIFIER_ALGORITHM.equals(verifier.getAlgorithm())
                    || verifier.getHash().remaining() != 32) {
                return Decision.refused(command, SettingsRejection.INVALID, current, "malformed encrypted-DNS endpoints");
            }
            String fingerprint = Secrets.fingerprint(verifier);
            boolean[] taken = {false};
            stores.<Location>forEach(SettingsCommandTopology.LOCATIONS_STORE, other -> {
                EncryptedDns theirs = other.getEncryptedDns();
                if (theirs != null && !key(other.getAccountId(), other.getLocationId()).equals(key)
                        && (theirs.getDotLabel().equals(wanted.getDotLabel())
                        || Secrets.fingerprint(theirs.getDohVerifier()).equals(fingerprint))) {
                    taken[0] = true;
                }
            });
            if (taken[0]) {
                return Decision.refused(command, SettingsRejection.CONFLICT, current,
                        "the endpoints drawn are another location's; try again");
            }
            action = stored.getEncryptedDns() == null ? "location.encrypted-dns.create" : "location.encrypted-dns.rotate";
        }
        Location next = Location.newBuilder(stored)
                .setEncryptedDns(wanted == null ? null : EncryptedDns.newBuilder(wanted).setRotatedAt(now).build())
                .setVersion(current + 1).setUpdatedBy(dev.parapet.kit.audit.Actors.name(command.getActor())).setUpdatedAt(now)
                .build();
        return Decision.accepted(command, Topics.LOCATIONS.name(), key, next, next.getVersion(),
                Decision.audit(command, action, "location", set.getLocationId().toString(),
                        AuditJson.describe(stored), AuditJson.describe(next), now));
    }

    /**
     * The platform operator's review of a location's ranges: pending ones approved start attributing
     * queries; rejected ones, pending or approved (a range found not to be the account's, or one
     * approved before approval existed), leave the location. An approval overlapping another account's approved range is
     * refused, and this detail, which goes to the operator only, names that account and location.
     * Audited in the location's account and in the operator's.
     */
    public static Decision review(StateStores stores, SettingsCommand command, ReviewLocationRanges review, Instant now) {
        UUID account = command.getAccountId();
        String key = key(account, review.getLocationId());
        Location stored = stores.get(SettingsCommandTopology.LOCATIONS_STORE, key);
        if (stored == null) {
            return Decision.refused(command, SettingsRejection.NOT_FOUND, 0,
                    "location " + review.getLocationId() + " of account " + account + " does not exist");
        }
        Set<String> pending = new LinkedHashSet<>(stored.getPendingCidrs());
        List<String> problems = new ArrayList<>();
        review.getApprove().stream().filter(range -> !pending.contains(range))
                .forEach(range -> problems.add(range + " is not pending approval in this location"));
        review.getReject().stream().filter(range -> !stored.getCidrs().contains(range))
                .forEach(range -> problems.add(range + " is not a range of this location"));
        review.getApprove().stream().filter(review.getReject()::contains)
                .forEach(range -> problems.add(range + " cannot be both approved and rejected"));
        if (review.getApprove().isEmpty() && review.getReject().isEmpty()) {
            problems.add("name at least one range to approve or reject");
        }
        if (!problems.isEmpty()) {
            return Decision.refused(command, SettingsRejection.INVALID, stored.getVersion(), String.join("; ", problems)
                    + " (ranges: " + String.join(", ", stored.getCidrs()) + "; pending: " + String.join(", ", pending) + ")");
        }
        List<String> conflicts = new ArrayList<>();
        List<Cidr> approving = review.getApprove().stream().map(LocationDecisions::cidr).toList();
        stores.<Location>forEach(SettingsCommandTopology.LOCATIONS_STORE, other -> {
            if (other.getAccountId().equals(account)) {
                return;
            }
            for (String text : approved(other)) {
                Cidr range = cidr(text);
                approving.stream().filter(range::overlaps).forEach(mine -> conflicts.add(mine + " overlaps " + range
                        + " of account " + other.getAccountId() + ", location " + other.getLocationId()));
            }
        });
        if (!conflicts.isEmpty()) {
            return Decision.refused(command, SettingsRejection.CONFLICT, stored.getVersion(),
                    "already approved for another account: " + String.join("; ", conflicts));
        }
        pending.removeAll(review.getApprove());
        pending.removeAll(review.getReject());
        List<String> kept = stored.getCidrs().stream().filter(range -> !review.getReject().contains(range)).toList();
        Location next = Location.newBuilder(stored).setCidrs(kept).setPendingCidrs(List.copyOf(pending))
                .setVersion(stored.getVersion() + 1).setUpdatedBy(dev.parapet.kit.audit.Actors.name(command.getActor())).setUpdatedAt(now).build();
        String change = "{\"approved\":" + review.getApprove().stream().map(r -> "\"" + r + "\"").toList()
                + ",\"rejected\":" + review.getReject().stream().map(r -> "\"" + r + "\"").toList() + "}";
        Decision accepted = Decision.accepted(command, Topics.LOCATIONS.name(), key, next, next.getVersion(),
                Decision.audit(command, "location.review", "location", review.getLocationId().toString(),
                        stored.toString(), change, now));
        List<Decision.Output> outputs = new ArrayList<>(accepted.outputs());
        outputs.add(new Decision.Output(Topics.AUDIT.name(), review.getOperatorAccountId().toString(),
                AuditEvent.newBuilder(Decision.audit(command, "operator.location-review", "location", key, stored.toString(),
                        change, now)).setAccountId(review.getOperatorAccountId()).build()));
        return new Decision(accepted.result(), outputs);
    }

    private static Cidr cidr(String text) {
        return Cidr.parse(text).cidr().orElseThrow(() -> new IllegalArgumentException("not a CIDR range: " + text));
    }
}
