package dev.parapet.settings.groups;

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

import dev.parapet.kit.problem.Problems;
import dev.parapet.kit.security.Admin;
import dev.parapet.kit.security.Permission;
import dev.parapet.schemas.v1.groups.ProfileGroup;
import dev.parapet.schemas.v1.settings.DeleteProfileGroup;
import dev.parapet.schemas.v1.settings.UpsertProfileGroup;
import dev.parapet.settings.Inputs;
import dev.parapet.settings.agentsettings.SettingsState;
import dev.parapet.settings.commands.Commands;
import reactor.core.publisher.Mono;

/**
 * Profile groups: named groups of users by email address, that policies target. Readable with the
 * directory permissions (profile-groups:read or directory-groups:read); changed with web-security:write.
 */
@RestController
public class ProfileGroupController {

    /** A group as administrators see it. */
    public record GroupView(UUID groupId, String name, long version, List<String> members, List<String> directoryGroups,
                            String updatedBy, Instant updatedAt) {
    }

    /**
     * A create or replace: the name, all members by email, and the directory groups (names as the identity
     * provider puts them in users' tokens) whose verified members belong to the group too; omitted lists are empty.
     */
    public record GroupWrite(String name, List<String> members, List<String> directoryGroups) {
    }

    static final int MAX_MEMBERS = 50_000;
    static final int MAX_DIRECTORY_GROUPS = 1_000;

    private final SettingsState state;

    public ProfileGroupController(SettingsState state) {
        this.state = state;
    }

    @GetMapping("/api/v1/accounts/{accountId}/profile-groups")
    public List<GroupView> list(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin) {
        requireRead(admin, accountId);
        return state.groups().of(accountId).stream().sorted(Comparator.comparing(ProfileGroup::getName))
                .map(ProfileGroupController::view).toList();
    }

    @GetMapping("/api/v1/accounts/{accountId}/profile-groups/{groupId}")
    public ResponseEntity<GroupView> read(@PathVariable UUID accountId, @PathVariable UUID groupId, @AuthenticationPrincipal Admin admin) {
        requireRead(admin, accountId);
        ProfileGroup group = state.groups().get(accountId, groupId)
                .orElseThrow(() -> Problems.notFound("There is no profile group " + groupId + " in this account."));
        return ResponseEntity.ok().eTag(Commands.etag(group.getVersion())).body(view(group));
    }

    @PostMapping("/api/v1/accounts/{accountId}/profile-groups")
    public Mono<ResponseEntity<GroupView>> create(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin,
                                                  @RequestBody GroupWrite body, ServerHttpRequest http) {
        admin.require(accountId, Permission.WEB_SECURITY_WRITE);
        UUID groupId = UUID.randomUUID();
        return write(accountId, groupId, admin, true, null, body, http).map(view -> ResponseEntity
                .created(URI.create("/api/v1/accounts/" + accountId + "/profile-groups/" + groupId))
                .eTag(Commands.etag(view.version())).body(view));
    }

    @PutMapping("/api/v1/accounts/{accountId}/profile-groups/{groupId}")
    public Mono<ResponseEntity<GroupView>> replace(@PathVariable UUID accountId, @PathVariable UUID groupId,
                                                   @AuthenticationPrincipal Admin admin,
                                                   @RequestHeader(name = "If-Match", required = false) String ifMatch,
                                                   @RequestBody GroupWrite body, ServerHttpRequest http) {
        admin.require(accountId, Permission.WEB_SECURITY_WRITE);
        return write(accountId, groupId, admin, false, Commands.expectedVersion(ifMatch), body, http)
                .map(view -> ResponseEntity.ok().eTag(Commands.etag(view.version())).body(view));
    }

    @DeleteMapping("/api/v1/accounts/{accountId}/profile-groups/{groupId}")
    public Mono<ResponseEntity<Void>> delete(@PathVariable UUID accountId, @PathVariable UUID groupId,
                                             @AuthenticationPrincipal Admin admin,
                                             @RequestHeader(name = "If-Match", required = false) String ifMatch,
                                             ServerHttpRequest http) {
        admin.require(accountId, Permission.WEB_SECURITY_WRITE);
        return Commands.send(state, accountId, admin, http, new DeleteProfileGroup(groupId, Commands.expectedVersion(ifMatch)),
                        version -> state.groups().get(accountId, groupId).isEmpty())
                .thenReturn(ResponseEntity.noContent().build());
    }

    private Mono<GroupView> write(UUID accountId, UUID groupId, Admin admin, boolean create, Long expected, GroupWrite body,
                                  ServerHttpRequest http) {
        if (body == null) {
            return Mono.error(Problems.badRequest("A body with name and members is required."));
        }
        List<Problems.FieldError> errors = new ArrayList<>();
        String name = Inputs.name(body.name(), "name", errors);
        List<String> members = Inputs.all(body.members(), "members", MAX_MEMBERS, false, errors, Inputs::email);
        List<String> directoryGroups = Inputs.all(body.directoryGroups(), "directoryGroups", MAX_DIRECTORY_GROUPS, false, errors,
                Inputs::directoryGroup);
        if (!errors.isEmpty()) {
            return Mono.error(Problems.invalid(errors));
        }
        ProfileGroup group = ProfileGroup.newBuilder().setAccountId(accountId).setGroupId(groupId).setName(name)
                .setVersion(0).setMemberEmails(members).setDirectoryGroups(directoryGroups).setUpdatedBy(admin.subject()).setUpdatedAt(Instant.now()).build();
        return Commands.send(state, accountId, admin, http, new UpsertProfileGroup(create, expected, group),
                        version -> state.groups().version(accountId, groupId, ProfileGroup::getVersion) >= version)
                .map(version -> view(state.groups().get(accountId, groupId).orElseThrow()));
    }

    private static void requireRead(Admin admin, UUID accountId) {
        admin.requireAccount(accountId);
        if (!admin.has(Permission.PROFILE_GROUPS_READ) && !admin.has(Permission.DIRECTORY_GROUPS_READ)) {
            throw Problems.forbidden("Reading profile groups needs the permission 'profile-groups:read' or 'directory-groups:read'.");
        }
    }

    static GroupView view(ProfileGroup group) {
        return new GroupView(group.getGroupId(), group.getName(), group.getVersion(), group.getMemberEmails(),
                group.getDirectoryGroups(), group.getUpdatedBy(), group.getUpdatedAt());
    }
}
