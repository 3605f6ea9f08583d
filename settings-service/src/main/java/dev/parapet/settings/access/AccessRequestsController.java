package dev.parapet.settings.access;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.parapet.kit.problem.Problems;
import dev.parapet.kit.security.Admin;
import dev.parapet.kit.security.Permission;
import dev.parapet.schemas.v1.access.AccessRequest;
import dev.parapet.schemas.v1.access.AccessRequestStatus;
import dev.parapet.schemas.v1.access.DecideAccessRequest;
import dev.parapet.settings.agentsettings.SettingsState;
import dev.parapet.settings.commands.Commands;
import reactor.core.publisher.Mono;

/**
 * Access requests (docs/access-requests.md): what users asked for from block pages, newest first, and the
 * administrator's decision on each: approve for a time (the requester only) or decline; declining an approved one
 * ends its allow at once.
 */
@RestController
public class AccessRequestsController {

    /** Who asked, as the resolver knew them. */
    public record RequesterView(String userEmail, UUID agentId, String clientAddress, UUID locationId) {
    }

    /**
     * A request. {@code status} is PENDING, APPROVED (allowed until {@code allowUntil}), EXPIRED (approved, its time
     * over) or DECLINED.
     */
    public record AccessRequestView(UUID requestId, String name, String reason, RequesterView requester, String policyName,
                                    Instant requestedAt, String status, String decidedBy, Instant decidedAt, Instant allowUntil,
                                    String note, long version) {
    }

    /** An approval: how long the allow lasts, and an optional note for the record. */
    public record Approval(Integer minutes, String note) {
    }

    /** A refusal's optional note. */
    public record Refusal(String note) {
    }

    static final int MAX_LISTED = 500;

    private final SettingsState state;

    public AccessRequestsController(SettingsState state) {
        this.state = state;
    }

    /** {@code status}: all (the default), pending, approved (still allowed), expired or declined; newest first, at most 500. */
    @GetMapping("/api/v1/accounts/{accountId}/access-requests")
    public List<AccessRequestView> list(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin,
                                        @RequestParam(required = false) String status) {
        admin.require(accountId, Permission.WEB_SECURITY_READ);
        String wanted = status == null || status.isBlank() ? "all" : status.strip().toLowerCase(Locale.ROOT);
        if (!List.of("all", "pending", "approved", "expired", "declined").contains(wanted)) {
            throw Problems.invalid("status", "is one of all, pending, approved, expired, declined");
        }
        Instant now = Instant.now();
        return state.accessRequests().of(accountId).stream()
                .sorted(Comparator.comparing(AccessRequest::getRequestedAt).reversed())
                .map(request -> view(request, now))
                .filter(view -> wanted.equals("all") || view.status().equalsIgnoreCase(wanted))
                .limit(MAX_LISTED).toList();
    }

    @GetMapping("/api/v1/accounts/{accountId}/access-requests/{requestId}")
    public ResponseEntity<AccessRequestView> read(@PathVariable UUID accountId, @PathVariable UUID requestId,
                                                  @AuthenticationPrincipal Admin admin) {
        admin.require(accountId, Permission.WEB_SECURITY_READ);
        AccessRequest request = state.accessRequests().get(accountId, requestId)
                .orElseThrow(() -> Problems.notFound("Access request " + requestId + " does not exist."));
        return ResponseEntity.ok().eTag(Commands.etag(request.getVersion())).body(view(request, Instant.now()));
    }

    @PostMapping("/api/v1/accounts/{accountId}/access-requests/{requestId}/approve")
    public Mono<ResponseEntity<AccessRequestView>> approve(@PathVariable UUID accountId, @PathVariable UUID requestId,
                                                           @AuthenticationPrincipal Admin admin,
                                                           @RequestHeader(name = "If-Match", required = false) String ifMatch,
                                                           @RequestBody(required = false) Approval body, ServerHttpRequest http) {
        admin.require(accountId, Permission.WEB_SECURITY_WRITE);
        List<Problems.FieldError> errors = new ArrayList<>();
        Integer minutes = body == null ? null : body.minutes();
        if (minutes == null || minutes < AccessRequestDecisions.MIN_MINUTES || minutes > AccessRequestDecisions.MAX_MINUTES) {
            errors.add(new Problems.FieldError("minutes", "is required, from " + AccessRequestDecisions.MIN_MINUTES + " to "
                    + AccessRequestDecisions.MAX_MINUTES + " (a week)"));
        }
        return decide(accountId, requestId, admin, http, ifMatch, true, minutes, body == null ? null : body.note(), errors);
    }

    @PostMapping("/api/v1/accounts/{accountId}/access-requests/{requestId}/decline")
    public Mono<ResponseEntity<AccessRequestView>> decline(@PathVariable UUID accountId, @PathVariable UUID requestId,
                                                           @AuthenticationPrincipal Admin admin,
                                                           @RequestHeader(name = "If-Match", required = false) String ifMatch,
                                                           @RequestBody(required = false) Refusal body, ServerHttpRequest http) {
        admin.require(accountId, Permission.WEB_SECURITY_WRITE);
        return decide(accountId, requestId, admin, http, ifMatch, false, null, body == null ? null : body.note(), new ArrayList<>());
    }

    /** The decision, once its note (and what the caller found wrong already) is checked. */
    private Mono<ResponseEntity<AccessRequestView>> decide(UUID accountId, UUID requestId, Admin admin, ServerHttpRequest http,
                                                           String ifMatch, boolean approve, Integer minutes, String noteText,
                                                           List<Problems.FieldError> errors) {
        String note = note(noteText, errors);
        if (!errors.isEmpty()) {
            return Mono.error(Problems.invalid(errors));
        }
        DecideAccessRequest decision = new DecideAccessRequest(requestId, approve, minutes, note, Commands.expectedVersion(ifMatch));
        return Commands.send(state, accountId, admin, http, decision,
                        version -> state.accessRequests().version(accountId, requestId, AccessRequest::getVersion) >= version)
                .map(version -> {
                    AccessRequest request = state.accessRequests().get(accountId, requestId).orElseThrow();
                    return ResponseEntity.ok().eTag(Commands.etag(request.getVersion())).body(view(request, Instant.now()));
                });
    }

    private static String note(String note, List<Problems.FieldError> errors) {
        if (note == null || note.isBlank()) {
            return null;
        }
        String stripped = note.strip();
        if (stripped.length() > AccessRequestDecisions.MAX_NOTE || stripped.chars().anyMatch(c -> Character.isISOControl(c) && c != '\n')) {
            errors.add(new Problems.FieldError("note", "is at most " + AccessRequestDecisions.MAX_NOTE + " characters without control characters"));
        }
        return stripped;
    }

    static AccessRequestView view(AccessRequest request, Instant now) {
        String status = request.getStatus() == AccessRequestStatus.APPROVED && request.getAllowUntil() != null
                && !request.getAllowUntil().isAfter(now) ? "EXPIRED" : request.getStatus().name();
        var requester = request.getRequester();
        return new AccessRequestView(request.getRequestId(), request.getName(), request.getReason(),
                new RequesterView(requester.getUserEmail(), requester.getAgentId(), requester.getClientAddress(), requester.getLocationId()),
                request.getPolicyName(), request.getRequestedAt(), status, request.getDecidedBy(), request.getDecidedAt(),
                request.getAllowUntil(), request.getNote(), request.getVersion());
    }
}
