package dev.parapet.settings.locations;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

import dev.parapet.kit.net.Cidr;
import dev.parapet.kit.net.LocationEndpoints;
import dev.parapet.kit.problem.Problems;
import dev.parapet.kit.security.Admin;
import dev.parapet.kit.security.Permission;
import dev.parapet.schemas.v1.locations.EncryptedDns;
import dev.parapet.schemas.v1.locations.Location;
import dev.parapet.schemas.v1.settings.DeleteLocation;
import dev.parapet.schemas.v1.settings.UpsertLocation;
import dev.parapet.settings.Inputs;
import dev.parapet.settings.SettingsProperties;
import dev.parapet.settings.agentsettings.SettingsState;
import dev.parapet.settings.commands.Commands;
import reactor.core.publisher.Mono;

/**
 * Locations: a name and the static egress ranges of a site. Ranges must be public (private and
 * loopback ranges only where {@code parapet.settings.allow-private-ranges} is set, as in the local
 * stack). A new public range is pending the platform operator's approval and attributes no query
 * until then; the global writer decides overlaps and quotas ({@link LocationDecisions}). A location
 * may have no range: an office without a static address is reached through its own encrypted-DNS
 * endpoints instead ({@link LocationEncryptedDnsController}); one with neither attributes nothing.
 */
@RestController
public class LocationController {

    /**
     * A location as administrators see it.
     *
     * @param cidrs        every range the location claims
     * @param pendingCidrs those of them awaiting the operator's approval (they attribute no query yet)
     * @param encryptedDns its own encrypted-DNS endpoints, never its DoH secret
     */
    public record LocationView(UUID locationId, String name, long version, List<String> cidrs, List<String> pendingCidrs,
                               String updatedBy, Instant updatedAt, EncryptedDnsView encryptedDns) {
    }

    /**
     * Whether a location has its own encrypted-DNS endpoints and, if so, its DoT host name and when they were
     * made. The DoH secret is shown once, when made ({@link LocationEncryptedDnsController}), never here.
     */
    public record EncryptedDnsView(boolean enabled, String dotLabel, String dotHost, Instant rotatedAt) {
    }

    /** A create or replace: the name and all ranges. */
    public record LocationWrite(String name, List<String> cidrs) {
    }

    /**
     * The widest range one location may claim: an office egresses from a few addresses, and a wide
     * range would attribute other organisations' queries to this account (and keep them from
     * registering their own offices).
     */
    static final int MIN_PREFIX_IPV4 = 22;
    static final int MIN_PREFIX_IPV6 = 40;

    private final SettingsState state;
    private final boolean allowPrivateRanges;
    private final int rangesPerLocation;
    private final String dotDomain;

    public LocationController(SettingsState state, SettingsProperties properties) {
        this.state = state;
        this.allowPrivateRanges = properties.allowPrivateRanges();
        this.rangesPerLocation = properties.quotas().rangesPerLocation();
        this.dotDomain = dotDomain(properties);
    }

    /** The configured DoT domain, normalised; a start-up failure naming the property when it is no DNS name. */
    static String dotDomain(SettingsProperties properties) {
        return LocationEndpoints.domain(properties.locationDotDomain(), "parapet.settings.location-dot-domain");
    }

    @GetMapping("/api/v1/accounts/{accountId}/locations")
    public List<LocationView> list(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin) {
        admin.require(accountId, Permission.WEB_SECURITY_READ);
        return state.locations().of(accountId).stream().sorted(Comparator.comparing(Location::getName))
                .map(location -> view(location, dotDomain)).toList();
    }

    @GetMapping("/api/v1/accounts/{accountId}/locations/{locationId}")
    public ResponseEntity<LocationView> read(@PathVariable UUID accountId, @PathVariable UUID locationId,
                                             @AuthenticationPrincipal Admin admin) {
        admin.require(accountId, Permission.WEB_SECURITY_READ);
        Location location = state.locations().get(accountId, locationId)
                .orElseThrow(() -> Problems.notFound("There is no location " + locationId + " in this account."));
        return ResponseEntity.ok().eTag(Commands.etag(location.getVersion())).body(view(location, dotDomain));
    }

    @PostMapping("/api/v1/accounts/{accountId}/locations")
    public Mono<ResponseEntity<LocationView>> create(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin,
                                                     @RequestBody LocationWrite body, ServerHttpRequest http) {
        admin.require(accountId, Permission.WEB_SECURITY_WRITE);
        UUID locationId = UUID.randomUUID();
        return write(accountId, locationId, admin, true, null, body, http).map(view -> ResponseEntity
                .created(URI.create("/api/v1/accounts/" + accountId + "/locations/" + locationId))
                .eTag(Commands.etag(view.version())).body(view));
    }

    @PutMapping("/api/v1/accounts/{accountId}/locations/{locationId}")
    public Mono<ResponseEntity<LocationView>> replace(@PathVariable UUID accountId, @PathVariable UUID locationId,
                                                      @AuthenticationPrincipal Admin admin,
                                                      @RequestHeader(name = "If-Match", required = false) String ifMatch,
                                                      @RequestBody LocationWrite body, ServerHttpRequest http) {
        admin.require(accountId, Permission.WEB_SECURITY_WRITE);
        return write(accountId, locationId, admin, false, Commands.expectedVersion(ifMatch), body, http)
                .map(view -> ResponseEntity.ok().eTag(Commands.etag(view.version())).body(view));
    }

    @DeleteMapping("/api/v1/accounts/{accountId}/locations/{locationId}")
    public Mono<ResponseEntity<Void>> delete(@PathVariable UUID accountId, @PathVariable UUID locationId,
                                             @AuthenticationPrincipal Admin admin,
                                             @RequestHeader(name = "If-Match", required = false) String ifMatch,
                                             ServerHttpRequest http) {
        admin.require(accountId, Permission.WEB_SECURITY_WRITE);
        return Commands.send(state, accountId, admin, http, new DeleteLocation(locationId, Commands.expectedVersion(ifMatch)),
                        version -> state.locations().get(accountId, locationId).isEmpty())
                .thenReturn(ResponseEntity.noContent().build());
    }

    private Mono<LocationView> write(UUID accountId, UUID locationId, Admin admin, boolean create, Long expected,
                                     LocationWrite body, ServerHttpRequest http) {
        if (body == null) {
            return Mono.error(Problems.badRequest("A body with name and cidrs is required."));
        }
        if (body.cidrs() != null && body.cidrs().size() > rangesPerLocation) {
            return Mono.error(Commands.quotaProblem("ranges-per-location", rangesPerLocation,
                    state.locations().get(accountId, locationId).map(stored -> stored.getCidrs().size()).orElse(0),
                    "a location may have " + rangesPerLocation + " ranges"));
        }
        List<Problems.FieldError> errors = new ArrayList<>();
        String name = Inputs.name(body.name(), "name", errors);
        List<String> cidrs = Inputs.all(body.cidrs(), "cidrs", rangesPerLocation, true, errors, this::egressRange);
        for (int i = 0; i < cidrs.size(); i++) {
            for (int j = i + 1; j < cidrs.size(); j++) {
                if (Cidr.parse(cidrs.get(i)).cidr().orElseThrow().overlaps(Cidr.parse(cidrs.get(j)).cidr().orElseThrow())) {
                    errors.add(new Problems.FieldError("cidrs", cidrs.get(i) + " overlaps " + cidrs.get(j)));
                }
            }
        }
        if (!errors.isEmpty()) {
            return Mono.error(Problems.invalid(errors));
        }
        Location location = Location.newBuilder().setAccountId(accountId).setLocationId(locationId).setName(name)
                .setVersion(0).setCidrs(cidrs).setUpdatedBy(admin.subject()).setUpdatedAt(Instant.now()).build();
        return Commands.send(state, accountId, admin, http, new UpsertLocation(create, expected, location),
                        version -> state.locations().version(accountId, locationId, Location::getVersion) >= version)
                .map(version -> view(state.locations().get(accountId, locationId).orElseThrow(), dotDomain));
    }

    private Inputs.Normalised egressRange(String text) {
        Cidr.Result parsed = Cidr.parse(text);
        if (parsed.cidr().isEmpty()) {
            return new Inputs.Normalised(java.util.Optional.empty(), parsed.error());
        }
        Cidr range = parsed.cidr().get();
        if (!allowPrivateRanges && range.nonPublicOverlap().isPresent()) {
            return new Inputs.Normalised(java.util.Optional.empty(), java.util.Optional.of("is not a public egress range (it overlaps "
                    + range.nonPublicOverlap().get() + "); use the public address your office's traffic leaves from"));
        }
        boolean ipv4 = range.network().getAddress().length == 4;
        int shortest = ipv4 ? MIN_PREFIX_IPV4 : MIN_PREFIX_IPV6;
        boolean insidePrivateRange = range.nonPublicOverlap().filter(wide -> wide.prefixLength() <= range.prefixLength()).isPresent();
        if (range.prefixLength() < shortest && !(allowPrivateRanges && insidePrivateRange)) {
            return new Inputs.Normalised(java.util.Optional.empty(), java.util.Optional.of("is wider than an office's egress range: "
                    + "at most /" + shortest + " (" + (ipv4 ? "IPv4" : "IPv6") + ") per range"));
        }
        return new Inputs.Normalised(java.util.Optional.of(range.toString()), java.util.Optional.empty());
    }

    static LocationView view(Location location, String dotDomain) {
        EncryptedDns endpoints = location.getEncryptedDns();
        EncryptedDnsView encryptedDns = endpoints == null ? new EncryptedDnsView(false, null, null, null)
                : new EncryptedDnsView(true, endpoints.getDotLabel(), endpoints.getDotLabel() + "." + dotDomain,
                        endpoints.getRotatedAt());
        return new LocationView(location.getLocationId(), location.getName(), location.getVersion(), location.getCidrs(),
                location.getPendingCidrs(), location.getUpdatedBy(), location.getUpdatedAt(), encryptedDns);
    }
}
