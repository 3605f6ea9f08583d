package dev.parapet.settings.exceptions;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

import dev.parapet.kit.problem.Problems;
import dev.parapet.kit.security.Admin;
import dev.parapet.kit.security.Permission;
import dev.parapet.schemas.v1.exceptions.AccountExceptions;
import dev.parapet.schemas.v1.settings.UpdateExceptions;
import dev.parapet.settings.Inputs;
import dev.parapet.settings.agentsettings.SettingsState;
import dev.parapet.settings.commands.Commands;
import reactor.core.publisher.Mono;

/**
 * Exceptions: trusted domains (with their subdomains) and IP ranges that bypass filtering. A new
 * account starts with the internal TLDs of PRODUCT.md. Every entry is validated and normalised; a
 * write with any bad entry changes nothing and lists each bad entry with its reason.
 */
@RestController
public class ExceptionsController {

    /** The exceptions as administrators see and write them. */
    public record ExceptionsView(long version, List<String> domains, List<String> ipRanges, String updatedBy, Instant updatedAt) {
    }

    /** A write: the whole lists. */
    public record ExceptionsWrite(List<String> domains, List<String> ipRanges) {
    }

    private static final int MAX_ENTRIES = 10_000;

    private final SettingsState state;

    public ExceptionsController(SettingsState state) {
        this.state = state;
    }

    @GetMapping("/api/v1/accounts/{accountId}/exceptions")
    public ResponseEntity<ExceptionsView> read(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin) {
        admin.require(accountId, Permission.WEB_SECURITY_READ);
        AccountExceptions exceptions = state.exceptionsOf(accountId);
        return ResponseEntity.ok().eTag(Commands.etag(exceptions.getVersion())).body(view(exceptions));
    }

    @PutMapping("/api/v1/accounts/{accountId}/exceptions")
    public Mono<ResponseEntity<ExceptionsView>> write(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin,
                                                      @RequestHeader(name = "If-Match", required = false) String ifMatch,
                                                      @RequestBody ExceptionsWrite body, ServerHttpRequest http) {
        admin.require(accountId, Permission.WEB_SECURITY_WRITE);
        List<Problems.FieldError> errors = new ArrayList<>();
        List<String> domains = Inputs.all(body.domains(), "domains", MAX_ENTRIES, true, errors, Inputs::domain);
        List<String> ranges = Inputs.all(body.ipRanges(), "ipRanges", MAX_ENTRIES, true, errors, Inputs::cidr);
        if (!errors.isEmpty()) {
            return Mono.error(Problems.invalid(errors));
        }
        UpdateExceptions update = new UpdateExceptions(Commands.expectedVersion(ifMatch), domains, ranges);
        return Commands.send(state, accountId, admin, http, update,
                        version -> state.exceptionsOf(accountId).getVersion() >= version)
                .map(version -> {
                    AccountExceptions exceptions = state.exceptionsOf(accountId);
                    return ResponseEntity.ok().eTag(Commands.etag(exceptions.getVersion())).body(view(exceptions));
                });
    }

    private static ExceptionsView view(AccountExceptions exceptions) {
        return new ExceptionsView(exceptions.getVersion(), exceptions.getDomains(), exceptions.getIpRanges(),
                exceptions.getUpdatedBy(), exceptions.getUpdatedAt());
    }
}
