package dev.parapet.settings.locations;

import java.time.Instant;
import java.util.UUID;

import org.springframework.http.CacheControl;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

import dev.parapet.kit.net.LocationEndpoints;
import dev.parapet.kit.problem.Problems;
import dev.parapet.kit.secrets.Secrets;
import dev.parapet.kit.security.Admin;
import dev.parapet.kit.security.Permission;
import dev.parapet.schemas.v1.locations.EncryptedDns;
import dev.parapet.schemas.v1.locations.Location;
import dev.parapet.schemas.v1.settings.SetLocationEncryptedDns;
import dev.parapet.settings.SettingsProperties;
import dev.parapet.settings.agentsettings.SettingsState;
import dev.parapet.settings.commands.Commands;
import reactor.core.publisher.Mono;

/**
 * A location's own encrypted-DNS endpoints, for offices and devices without a static address: a DNS
 * over HTTPS path with a secret in it, and a DNS over TLS host name. Creating them again rotates both
 * (the old path and host name stop attributing at once); deleting turns them off. The secret is made
 * here, returned in this one answer ({@code Cache-Control: no-store}) and never kept: the command, the
 * location record and the audit carry only its SHA-256 verifier (the audit not even that). Changed
 * through the global writer, as the location's other changes are ({@link LocationDecisions#setEncryptedDns}).
 */
@RestController
public class LocationEncryptedDnsController {

    /**
     * New endpoints, as shown once.
     *
     * @param dohPath   the location's DoH path on dns-service, secret included: {@code /dns-query/l/<secret>}
     * @param dohSecret the secret alone (base64url, 32 characters)
     * @param dotHost   the DoT host name: {@code <dotLabel>.<location DoT domain>}
     * @param version   the location's new version (its ETag)
     */
    public record EncryptedDnsIssued(UUID locationId, long version, String dohPath, String dohSecret, String dotLabel,
                                     String dotHost, Instant rotatedAt) {
    }

    private final SettingsState state;
    private final String dotDomain;

    public LocationEncryptedDnsController(SettingsState state, SettingsProperties properties) {
        this.state = state;
        this.dotDomain = LocationController.dotDomain(properties);
    }

    /** Creates or rotates the endpoints; 200 with the secret, which is never shown again. */
    @PostMapping("/api/v1/accounts/{accountId}/locations/{locationId}/encrypted-dns")
    public Mono<ResponseEntity<EncryptedDnsIssued>> rotate(@PathVariable UUID accountId, @PathVariable UUID locationId,
                                                           @AuthenticationPrincipal Admin admin,
                                                           @RequestHeader(name = "If-Match", required = false) String ifMatch,
                                                           ServerHttpRequest http) {
        admin.require(accountId, Permission.WEB_SECURITY_WRITE);
        Long expected = Commands.expectedVersion(ifMatch);
        String secret = LocationEndpoints.newSecret();
        String label = LocationEndpoints.newLabel();
        EncryptedDns endpoints = new EncryptedDns(Secrets.verifier(secret), label, Instant.now());
        return Commands.send(state, accountId, admin, http, new SetLocationEncryptedDns(locationId, expected, endpoints),
                        version -> state.locations().version(accountId, locationId, Location::getVersion) >= version)
                .map(version -> {
                    EncryptedDns stored = state.locations().get(accountId, locationId).map(Location::getEncryptedDns)
                            .filter(shown -> shown.getDotLabel().equals(label))
                            .orElseThrow(() -> Problems.conflict("The endpoints were rotated or turned off again meanwhile; "
                                    + "read the location and rotate again if needed."));
                    return ResponseEntity.ok().eTag(Commands.etag(version)).cacheControl(CacheControl.noStore())
                            .body(new EncryptedDnsIssued(locationId, version, LocationEndpoints.DOH_PATH_PREFIX + secret, secret,
                                    label, label + "." + dotDomain, stored.getRotatedAt()));
                });
    }

    /** Turns the endpoints off: the DoH path and DoT host name stop attributing queries to the location. */
    @DeleteMapping("/api/v1/accounts/{accountId}/locations/{locationId}/encrypted-dns")
    public Mono<ResponseEntity<Void>> delete(@PathVariable UUID accountId, @PathVariable UUID locationId,
                                             @AuthenticationPrincipal Admin admin,
                                             @RequestHeader(name = "If-Match", required = false) String ifMatch,
                                             ServerHttpRequest http) {
        admin.require(accountId, Permission.WEB_SECURITY_WRITE);
        return Commands.send(state, accountId, admin, http,
                        new SetLocationEncryptedDns(locationId, Commands.expectedVersion(ifMatch), null),
                        version -> state.locations().version(accountId, locationId, Location::getVersion) >= version)
                .map(version -> ResponseEntity.noContent().eTag(Commands.etag(version)).build());
    }
}
