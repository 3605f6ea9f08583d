package dev.parapet.settings.agentsettings;

import java.net.InetSocketAddress;
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

import dev.parapet.kit.problem.Problems;
import dev.parapet.kit.security.Admin;
import dev.parapet.kit.security.Permission;
import dev.parapet.schemas.v1.common.Actor;
import dev.parapet.schemas.v1.common.ActorKind;
import dev.parapet.schemas.v1.settings.AgentSettings;
import dev.parapet.schemas.v1.settings.SettingsCommand;
import dev.parapet.schemas.v1.settings.SettingsRejection;
import dev.parapet.schemas.v1.settings.UpdateAgentSettings;
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
        return ResponseEntity.ok().eTag(etag(settings.getVersion())).body(view(settings));
    }

    @PutMapping("/api/v1/accounts/{accountId}/agent-settings")
    public Mono<ResponseEntity<AgentSettingsView>> write(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin,
                                                         @RequestHeader(name = "If-Match", required = false) String ifMatch,
                                                         @Valid @RequestBody AgentSettingsWrite body, ServerHttpRequest http) {
        admin.require(accountId, Permission.WEB_SECURITY_WRITE);
        UpdateAgentSettings update = new UpdateAgentSettings(expectedVersion(ifMatch), body.userAuthentication(),
                body.enforceUserAuthentication(), body.manageUpdates());
        return sendCommand(state, accountId, admin, http, update).map(settings ->
                ResponseEntity.ok().eTag(etag(settings.getVersion())).body(view(settings)));
    }

    /** Sends a settings command and answers with the settings once this instance shows the change. */
    public static Mono<AgentSettings> sendCommand(SettingsState state, UUID accountId, Admin admin, ServerHttpRequest http, Object action) {
        return sendCommand(state, accountId, admin, http, action, () -> state.of(accountId).getVersion())
                .then(Mono.fromSupplier(() -> state.of(accountId)));
    }

    /**
     * Sends a settings command; completes once this instance's view of what it changed (whose version
     * {@code viewVersion} reads) shows the new version, so that the caller reads its own write.
     */
    public static Mono<Long> sendCommand(SettingsState state, UUID accountId, Admin admin, ServerHttpRequest http,
                                         Object action, java.util.function.LongSupplier viewVersion) {
        UUID commandId = UUID.randomUUID();
        SettingsCommand command = SettingsCommand.newBuilder().setCommandId(commandId).setAccountId(accountId)
                .setRequestedAt(Instant.now())
                .setActor(new Actor(admin.subject(), admin.role().name(), ActorKind.ADMIN))
                .setSourceAddress(remoteAddress(http)).setAction(action).build();
        return state.commands().send(commandId, accountId.toString(), command).flatMap(result -> {
            if (!result.getAccepted()) {
                return Mono.error(result.getRejection() == SettingsRejection.VERSION_MISMATCH
                        ? Problems.preconditionFailed("This changed since you read it (now version "
                                + result.getVersion() + "); read them again and retry with the new ETag.")
                        : Problems.badRequest("The change was refused."));
            }
            long version = result.getVersion();
            return Mono.fromFuture(state.follower().when(() -> viewVersion.getAsLong() >= version)).thenReturn(version);
        });
    }

    public static Long expectedVersion(String ifMatch) {
        if (ifMatch == null || ifMatch.isBlank() || ifMatch.trim().equals("*")) {
            return null;
        }
        String tag = ifMatch.trim().replaceFirst("^W/", "").replace("\"", "");
        try {
            return Long.parseLong(tag.startsWith("v") ? tag.substring(1) : tag);
        } catch (NumberFormatException e) {
            throw Problems.invalid("If-Match", "must be an ETag this API returned, such as \"v3\"");
        }
    }

    public static String etag(long version) {
        return "\"v" + version + "\"";
    }

    private static AgentSettingsView view(AgentSettings settings) {
        return new AgentSettingsView(settings.getVersion(), settings.getUserAuthentication(),
                settings.getEnforceUserAuthentication(), settings.getManageUpdates(), settings.getUpdatedBy(),
                settings.getUpdatedAt());
    }

    public static String remoteAddress(ServerHttpRequest http) {
        InetSocketAddress remote = http.getRemoteAddress();
        return remote == null || remote.getAddress() == null ? null : remote.getAddress().getHostAddress();
    }
}
