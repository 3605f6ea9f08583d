package dev.parapet.settings.agentsettings;

import java.time.Instant;
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

import dev.parapet.kit.security.Admin;
import dev.parapet.kit.security.Permission;
import dev.parapet.schemas.v1.settings.AgentSettings;
import dev.parapet.schemas.v1.settings.UpdateAgentSettings;
import dev.parapet.settings.commands.Commands;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import reactor.core.publisher.Mono;

/**
 * The agent settings of an account, versioned: reads carry an ETag, writes honour If-Match (412 when
 * stale), and every write goes through the account's single writer.
 */
@RestController
public class AgentSettingsController {

    /** The settings as administrators see and write them. */
    public record AgentSettingsView(long version, boolean userAuthentication, boolean enforceUserAuthentication,
                                    boolean manageUpdates, String updatedBy, Instant updatedAt) {
    }

    /** A write: all three settings. */
    public record AgentSettingsWrite(@NotNull Boolean userAuthentication, @NotNull Boolean enforceUserAuthentication,
                                     @NotNull Boolean manageUpdates) {
    }

    private final SettingsState state;

    public AgentSettingsController(SettingsState state) {
        this.state = state;
    }

    @GetMapping("/api/v1/accounts/{accountId}/agent-settings")
    public ResponseEntity<AgentSettingsView> read(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin) {
        admin.require(accountId, Permission.WEB_SECURITY_READ);
        AgentSettings settings = state.of(accountId);
        return ResponseEntity.ok().eTag(Commands.etag(settings.getVersion())).body(view(settings));
    }

    @PutMapping("/api/v1/accounts/{accountId}/agent-settings")
    public Mono<ResponseEntity<AgentSettingsView>> write(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin,
                                                         @RequestHeader(name = "If-Match", required = false) String ifMatch,
                                                         @Valid @RequestBody AgentSettingsWrite body, ServerHttpRequest http) {
        admin.require(accountId, Permission.WEB_SECURITY_WRITE);
        UpdateAgentSettings update = new UpdateAgentSettings(Commands.expectedVersion(ifMatch), body.userAuthentication(),
                body.enforceUserAuthentication(), body.manageUpdates());
        return sendCommand(state, accountId, admin, http, update).map(settings ->
                ResponseEntity.ok().eTag(Commands.etag(settings.getVersion())).body(view(settings)));
    }

    /** Sends a settings command and answers with the settings once this instance shows the change. */
    public static Mono<AgentSettings> sendCommand(SettingsState state, UUID accountId, Admin admin, ServerHttpRequest http, Object action) {
        return Commands.send(state, accountId, admin, http, action, version -> state.of(accountId).getVersion() >= version)
                .then(Mono.fromSupplier(() -> state.of(accountId)));
    }

    private static AgentSettingsView view(AgentSettings settings) {
        return new AgentSettingsView(settings.getVersion(), settings.getUserAuthentication(),
                settings.getEnforceUserAuthentication(), settings.getManageUpdates(), settings.getUpdatedBy(),
                settings.getUpdatedAt());
    }
}
