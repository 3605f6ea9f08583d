package dev.parapet.settings.access;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

import dev.parapet.kit.audit.AuditJson;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.access.AccessRequest;
import dev.parapet.schemas.v1.access.AccessRequestRaised;
import dev.parapet.schemas.v1.access.AccessRequestStatus;
import dev.parapet.schemas.v1.access.AccessRequester;
import dev.parapet.schemas.v1.access.DecideAccessRequest;
import dev.parapet.schemas.v1.access.RequestAccess;
import dev.parapet.schemas.v1.common.Actor;
import dev.parapet.schemas.v1.common.ActorKind;
import dev.parapet.schemas.v1.settings.SettingsCommand;
import dev.parapet.schemas.v1.settings.SettingsRejection;
import dev.parapet.settings.Inputs;
import dev.parapet.settings.commands.Decision;
import dev.parapet.settings.commands.Feature;
import dev.parapet.settings.commands.SettingsCommandTopology;

/**
 * Access requests as pure functions of what the account's writer holds: a request raised on a block page is
 * recorded PENDING (unless malformed, a repeat of one that already waits, or one too many); an administrator
 * approves it for a time (the requester only) or declines it, and may decline an approved one to end it early.
 */
public final class AccessRequestDecisions {

    /** Waiting requests one account may hold: a user cannot flood the administrators' queue. */
    public static final int MAX_PENDING_PER_ACCOUNT = 200;
    public static final int MAX_REASON = 500;
    public static final int MAX_NOTE = 500;
    public static final int MIN_MINUTES = 5;
    public static final int MAX_MINUTES = 7 * 24 * 60;
    /** What a repeated command (the same raised request read again) answers: nothing changed. */
    public static final String UNCHANGED = "unchanged";

    /**
     * Access requests: the account's writer, one record per request. Raised requests reach it from dns-service's topic
     * as {@link #command commands} (SettingsCommandTopology merges them into the account's commands).
     */
    public static final Feature FEATURE = Feature.of("access requests", Feature.Writer.ACCOUNT)
            .store(SettingsCommandTopology.ACCESS_REQUESTS_STORE, Topics.ACCESS_REQUESTS)
            .command(RequestAccess.class, (command, request, stores, now, rules) -> {
                List<AccessRequest> ofAccount = new java.util.ArrayList<>();
                stores.<AccessRequest>forEachOfAccount(SettingsCommandTopology.ACCESS_REQUESTS_STORE, command.getAccountId(), ofAccount::add);
                return raise(stores.get(SettingsCommandTopology.ACCESS_REQUESTS_STORE,
                        key(command.getAccountId(), request.getRaised().getRequestId())), ofAccount, command, request, now);
            })
            .command(DecideAccessRequest.class, (command, decision, stores, now, rules) -> decide(stores.get(
                    SettingsCommandTopology.ACCESS_REQUESTS_STORE, key(command.getAccountId(), decision.getRequestId())),
                    command, decision, now))
            .build();

    private AccessRequestDecisions() {
    }

    public static String key(UUID accountId, UUID requestId) {
        return accountId + "/" + requestId;
    }

    /**
     * The command a raised request becomes: its id is the request's (a record read twice is one request), its
     * actor whoever asked.
     */
    public static SettingsCommand command(AccessRequestRaised raised) {
        AccessRequester requester = raised.getRequester();
        return SettingsCommand.newBuilder().setCommandId(raised.getRequestId()).setAccountId(raised.getAccountId())
                .setRequestedAt(raised.getRaisedAt()).setActor(actor(requester))
                .setSourceAddress(requester == null ? null : requester.getClientAddress())
                .setAction(new RequestAccess(raised)).build();
    }

    private static Actor actor(AccessRequester requester) {
        if (requester == null) {
            return new Actor("unknown", "", ActorKind.SYSTEM, null);
        }
        if (requester.getUserEmail() != null) {
            return new Actor(requester.getUserEmail(), "USER", requester.getAgentId() != null ? ActorKind.AGENT : ActorKind.SYSTEM,
                    requester.getUserEmail());
        }
        if (requester.getAgentId() != null) {
            return new Actor(requester.getAgentId().toString(), "", ActorKind.AGENT, null);
        }
        return new Actor(requester.getClientAddress(), "", ActorKind.SYSTEM, null);
    }

    /**
     * @param stored    the request with this id, if already recorded
     * @param ofAccount every request of the account (to find a repeat and count those waiting)
     */
    public static Decision raise(AccessRequest stored, List<AccessRequest> ofAccount, SettingsCommand command, RequestAccess request,
                                 Instant now) {
        AccessRequestRaised raised = request.getRaised();
        if (stored != null) {
            return Decision.refused(command, SettingsRejection.ALREADY_EXISTS, stored.getVersion(), UNCHANGED);
        }
        String invalid = invalid(raised, command);
        if (invalid != null) {
            return Decision.refused(command, SettingsRejection.INVALID, 0, invalid);
        }
        String name = Inputs.domain(raised.getName()).value().orElseThrow();
        AccessRequester requester = raised.getRequester();
        long pending = ofAccount.stream().filter(r -> r.getStatus() == AccessRequestStatus.PENDING).count();
        for (AccessRequest other : ofAccount) {
            if (other.getStatus() == AccessRequestStatus.PENDING && other.getName().equals(name)
                    && sameRequester(other.getRequester(), requester)) {
                return Decision.refused(command, SettingsRejection.CONFLICT, other.getVersion(),
                        "the same requester already waits for " + name + " (request " + other.getRequestId() + ")");
            }
        }
        if (pending >= MAX_PENDING_PER_ACCOUNT) {
            return Decision.quotaExceeded(command, 0, "pending-access-requests-per-account", MAX_PENDING_PER_ACCOUNT, pending,
                    "the account already has " + pending + " access requests waiting for a decision");
        }
        AccessRequest next = AccessRequest.newBuilder().setAccountId(raised.getAccountId()).setRequestId(raised.getRequestId())
                .setName(name).setReason(raised.getReason().strip()).setRequester(requester).setPolicyName(raised.getPolicyName())
                .setRequestedAt(raised.getRaisedAt()).setStatus(AccessRequestStatus.PENDING).setVersion(1).build();
        String key = key(next.getAccountId(), next.getRequestId());
        return Decision.accepted(command, Topics.ACCESS_REQUESTS.name(), key, next, next.getVersion(),
                Decision.audit(command, "access-request.create", "access-request", next.getRequestId().toString(), null,
                        AuditJson.describe(next), now));
    }

    /** Why a raised request (from Kafka: hostile until checked) cannot be recorded, or null. */
    static String invalid(AccessRequestRaised raised, SettingsCommand command) {
        if (raised == null || !Objects.equals(raised.getAccountId(), command.getAccountId())) {
            return "the request names another account";
        }
        if (raised.getName() == null || Inputs.domain(raised.getName()).value().isEmpty()) {
            return "the name is not a domain name";
        }
        String reason = raised.getReason();
        if (reason == null || reason.isBlank() || reason.length() > MAX_REASON || hasControl(reason)) {
            return "the reason must be 1 to " + MAX_REASON + " characters without control characters";
        }
        AccessRequester requester = raised.getRequester();
        if (requester == null || requester.getClientAddress() == null || requester.getClientAddress().isBlank()
                || requester.getClientAddress().length() > 64
                || requester.getUserEmail() != null && Inputs.email(requester.getUserEmail()).value().isEmpty()) {
            return "the requester is not a client address with an optional user's email address";
        }
        if (raised.getPolicyName() != null && raised.getPolicyName().length() > 200) {
            return "the policy name is too long";
        }
        return null;
    }

    private static boolean hasControl(String text) {
        return text.chars().anyMatch(c -> Character.isISOControl(c) && c != '\n');
    }

    /** Whom an approval allows: the signed-in user, else the device, else the client address. */
    static boolean sameRequester(AccessRequester a, AccessRequester b) {
        if (a.getUserEmail() != null || b.getUserEmail() != null) {
            return Objects.equals(a.getUserEmail(), b.getUserEmail());
        }
        if (a.getAgentId() != null || b.getAgentId() != null) {
            return Objects.equals(a.getAgentId(), b.getAgentId());
        }
        return Objects.equals(a.getClientAddress(), b.getClientAddress());
    }

    /**
     * Approves a waiting request for {@code minutes} from now, or declines it; declining an approved one ends its allow
     * now. Anything else (deciding a declined one, approving an approved one) is a conflict.
     */
    public static Decision decide(AccessRequest stored, SettingsCommand command, DecideAccessRequest decision, Instant now) {
        if (stored == null) {
            return Decision.refused(command, SettingsRejection.NOT_FOUND, 0, "access request " + decision.getRequestId() + " does not exist");
        }
        if (decision.getExpectedVersion() != null && decision.getExpectedVersion() != stored.getVersion()) {
            return Decision.refused(command, SettingsRejection.VERSION_MISMATCH, stored.getVersion(), null);
        }
        boolean active = stored.getStatus() == AccessRequestStatus.APPROVED && stored.getAllowUntil() != null
                && stored.getAllowUntil().isAfter(now);
        if (decision.getApprove() && stored.getStatus() != AccessRequestStatus.PENDING) {
            return Decision.refused(command, SettingsRejection.CONFLICT, stored.getVersion(),
                    "access request " + stored.getRequestId() + " was already " + stored.getStatus().name().toLowerCase(java.util.Locale.ROOT));
        }
        if (!decision.getApprove() && stored.getStatus() != AccessRequestStatus.PENDING && !active) {
            return Decision.refused(command, SettingsRejection.CONFLICT, stored.getVersion(),
                    "access request " + stored.getRequestId() + " is no longer waiting or allowed");
        }
        Integer minutes = decision.getMinutes();
        if (decision.getApprove() && (minutes == null || minutes < MIN_MINUTES || minutes > MAX_MINUTES)) {
            return Decision.refused(command, SettingsRejection.INVALID, stored.getVersion(),
                    "an approval lasts " + MIN_MINUTES + " to " + MAX_MINUTES + " minutes");
        }
        String note = decision.getNote() == null || decision.getNote().isBlank() ? null : decision.getNote().strip();
        if (note != null && (note.length() > MAX_NOTE || hasControl(note))) {
            return Decision.refused(command, SettingsRejection.INVALID, stored.getVersion(),
                    "the note must be at most " + MAX_NOTE + " characters without control characters");
        }
        AccessRequest next = AccessRequest.newBuilder(stored).setVersion(stored.getVersion() + 1)
                .setStatus(decision.getApprove() ? AccessRequestStatus.APPROVED : AccessRequestStatus.DECLINED)
                .setDecidedBy(dev.parapet.kit.audit.Actors.name(command.getActor())).setDecidedAt(now)
                .setAllowUntil(decision.getApprove() ? now.plus(Duration.ofMinutes(minutes)) : active ? now : null)
                .setNote(note).build();
        String action = decision.getApprove() ? "access-request.approve" : active ? "access-request.revoke" : "access-request.decline";
        return Decision.accepted(command, Topics.ACCESS_REQUESTS.name(), key(next.getAccountId(), next.getRequestId()), next,
                next.getVersion(), Decision.audit(command, action, "access-request", next.getRequestId().toString(),
                        AuditJson.describe(stored), AuditJson.describe(next), now));
    }
}
