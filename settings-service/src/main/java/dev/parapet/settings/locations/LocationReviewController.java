package dev.parapet.settings.locations;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.parapet.kit.net.Cidr;
import dev.parapet.kit.problem.Problems;
import dev.parapet.kit.security.Admin;
import dev.parapet.schemas.v1.locations.Location;
import dev.parapet.schemas.v1.settings.ReviewLocationRanges;
import dev.parapet.settings.Inputs;
import dev.parapet.settings.SettingsProperties;
import dev.parapet.settings.agentsettings.SettingsState;
import dev.parapet.settings.commands.Commands;
import dev.parapet.settings.locations.LocationController.LocationView;
import reactor.core.publisher.Mono;

/**
 * The platform operator's review of location ranges that accounts claimed: the ranges pending
 * approval (or approved), with any other account's approved range each overlaps, and the approval
 * or rejection of some of one location's ranges. Only the Super and Full Administrators of
 * {@code parapet.settings.operator-accounts} may use it; every review is audited in the location's
 * account and in the operator's. How ownership is verified before approving is in docs/settings.md.
 */
@RestController
public class LocationReviewController {

    /**
     * One claimed range: whose, which location, its status ({@code PENDING_APPROVAL} or {@code APPROVED}),
     * who changed the location last and when, and what approved ranges of other accounts it overlaps.
     */
    public record RangeClaim(UUID accountId, UUID locationId, String locationName, String cidr, String status,
                             String claimedBy, Instant claimedAt, List<String> overlapsApproved) {
    }

    /** Pending ranges of one location to approve, and ranges (pending or approved) to reject. */
    public record Review(List<String> approve, List<String> reject) {
    }

    private final SettingsState state;
    private final SettingsProperties properties;

    public LocationReviewController(SettingsState state, SettingsProperties properties) {
        this.state = state;
        this.properties = properties;
    }

    /** The claimed ranges of every account, oldest change first: {@code status=pending} (the default), {@code approved} or {@code all}. */
    @GetMapping("/api/v1/operator/location-ranges")
    public List<RangeClaim> ranges(@AuthenticationPrincipal Admin admin,
                                   @RequestParam(defaultValue = "pending") String status) {
        properties.requireOperator(admin, "review location ranges");
        boolean pendingWanted = !status.equals("approved");
        boolean approvedWanted = !status.equals("pending");
        if (!List.of("pending", "approved", "all").contains(status)) {
            throw Problems.invalid("status", "must be pending, approved or all");
        }
        List<Location> all = state.locations().all();
        List<RangeClaim> claims = new ArrayList<>();
        for (Location location : all) {
            for (String range : location.getCidrs()) {
                boolean pending = location.getPendingCidrs().contains(range);
                if (pending ? pendingWanted : approvedWanted) {
                    claims.add(new RangeClaim(location.getAccountId(), location.getLocationId(), location.getName(), range,
                            pending ? "PENDING_APPROVAL" : "APPROVED", location.getUpdatedBy(), location.getUpdatedAt(),
                            overlapsApproved(all, location.getAccountId(), range)));
                }
            }
        }
        claims.sort(Comparator.comparing(RangeClaim::claimedAt));
        return claims;
    }

    @PostMapping("/api/v1/operator/accounts/{accountId}/locations/{locationId}/review")
    public Mono<ResponseEntity<LocationView>> review(@PathVariable UUID accountId, @PathVariable UUID locationId,
                                                     @AuthenticationPrincipal Admin admin, @RequestBody Review body,
                                                     ServerHttpRequest http) {
        properties.requireOperator(admin, "review location ranges");
        if (body == null) {
            return Mono.error(Problems.badRequest("A body with approve and reject (lists of pending ranges) is required."));
        }
        List<Problems.FieldError> errors = new ArrayList<>();
        List<String> approve = Inputs.all(body.approve(), "approve", 10_000, false, errors, Inputs::cidr);
        List<String> reject = Inputs.all(body.reject(), "reject", 10_000, false, errors, Inputs::cidr);
        if (!errors.isEmpty()) {
            return Mono.error(Problems.invalid(errors));
        }
        ReviewLocationRanges command = new ReviewLocationRanges(locationId, approve, reject, admin.accountId());
        return Commands.send(state, accountId, admin, http, command,
                        version -> state.locations().version(accountId, locationId, Location::getVersion) >= version)
                .map(version -> ResponseEntity.ok().eTag(Commands.etag(version))
                        .body(LocationController.view(state.locations().get(accountId, locationId).orElseThrow(),
                                LocationController.dotDomain(properties))));
    }

    /** The approved ranges of other accounts that overlap a range, as "account/location range". */
    private static List<String> overlapsApproved(List<Location> all, UUID accountId, String text) {
        Cidr range = Cidr.parse(text).cidr().orElseThrow();
        List<String> overlaps = new ArrayList<>();
        for (Location other : all) {
            if (other.getAccountId().equals(accountId)) {
                continue;
            }
            LocationDecisions.approved(other).stream().filter(approved -> Cidr.parse(approved).cidr().orElseThrow().overlaps(range))
                    .forEach(approved -> overlaps.add(other.getAccountId() + "/" + other.getLocationId() + " " + approved));
        }
        return overlaps;
    }
}
