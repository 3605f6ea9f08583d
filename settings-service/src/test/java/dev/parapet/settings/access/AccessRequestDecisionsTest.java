package dev.parapet.settings.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.access.AccessRequest;
import dev.parapet.schemas.v1.access.AccessRequestRaised;
import dev.parapet.schemas.v1.access.AccessRequestStatus;
import dev.parapet.schemas.v1.access.AccessRequester;
import dev.parapet.schemas.v1.access.DecideAccessRequest;
import dev.parapet.schemas.v1.access.RequestAccess;
import dev.parapet.schemas.v1.audit.AuditEvent;
import dev.parapet.schemas.v1.common.Actor;
import dev.parapet.schemas.v1.common.ActorKind;
import dev.parapet.schemas.v1.settings.SettingsCommand;
import dev.parapet.schemas.v1.settings.SettingsRejection;
import dev.parapet.settings.commands.Decision;

class AccessRequestDecisionsTest {

    static final UUID ACCOUNT = UUID.randomUUID();
    static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");
    static final AccessRequester ANN = new AccessRequester("ann@example.com", UUID.randomUUID(), "10.0.0.7", null);

    static AccessRequestRaised raised(String name, String reason, AccessRequester requester) {
        return AccessRequestRaised.newBuilder().setRequestId(UUID.randomUUID()).setAccountId(ACCOUNT).setName(name)
                .setReason(reason).setRequester(requester).setPolicyName("Blocked sites").setRaisedAt(NOW.minusSeconds(5)).build();
    }

    static Decision raise(AccessRequestRaised raised, List<AccessRequest> ofAccount) {
        SettingsCommand command = AccessRequestDecisions.command(raised);
        return AccessRequestDecisions.raise(null, ofAccount, command, (RequestAccess) command.getAction(), NOW);
    }

    static AccessRequest recorded(Decision decision) {
        assertThat(decision.result().getAccepted()).as(String.valueOf(decision.result().getDetail())).isTrue();
        return (AccessRequest) decision.outputs().get(0).value();
    }

    static Decision decide(AccessRequest stored, boolean approve, Integer minutes, Instant at) {
        SettingsCommand command = SettingsCommand.newBuilder().setCommandId(UUID.randomUUID()).setAccountId(ACCOUNT).setRequestedAt(at)
                .setActor(new Actor("admin-subject", "SUPER_ADMIN", ActorKind.ADMIN, null))
                .setAction(new DecideAccessRequest(stored.getRequestId(), approve, minutes, "for the audit", null)).build();
        return AccessRequestDecisions.decide(stored, command, (DecideAccessRequest) command.getAction(), at);
    }

    @Test
    void aRaisedRequestIsRecordedWaitingWithItsNameNormalisedAndAnAuditEventInTheRequestersName() {
        Decision decision = raise(raised("WWW.Casino.Example.", "  I run the marketing campaign for this client  ", ANN), List.of());
        AccessRequest request = recorded(decision);
        assertThat(request.getStatus()).isEqualTo(AccessRequestStatus.PENDING);
        assertThat(request.getName()).isEqualTo("www.casino.example");
        assertThat(request.getReason()).isEqualTo("I run the marketing campaign for this client");
        assertThat(request.getVersion()).isEqualTo(1);
        assertThat(decision.outputs().get(0).topic()).isEqualTo(Topics.ACCESS_REQUESTS.name());
        assertThat(decision.outputs().get(0).key()).isEqualTo(ACCOUNT + "/" + request.getRequestId());
        AuditEvent audit = (AuditEvent) decision.outputs().get(1).value();
        assertThat(audit.getAction()).isEqualTo("access-request.create");
        assertThat(audit.getActor().getSubject()).isEqualTo("ann@example.com");
    }

    @Test
    void hostileOrMalformedRequestsAreRefusedAndRecordNothing() {
        AccessRequester nobody = new AccessRequester(null, null, "", null);
        for (AccessRequestRaised bad : List.of(
                raised("not a name!", "reason", ANN),
                raised("ok.example", "", ANN),
                raised("ok.example", "x".repeat(501), ANN),
                raised("ok.example", "bell\u0007", ANN),
                raised("ok.example", "reason", nobody),
                raised("ok.example", "reason", new AccessRequester("not-an-email", null, "10.0.0.7", null)))) {
            Decision decision = raise(bad, List.of());
            assertThat(decision.result().getAccepted()).as(bad.toString()).isFalse();
            assertThat(decision.result().getRejection()).isEqualTo(SettingsRejection.INVALID);
            assertThat(decision.outputs()).isEmpty();
        }
        // A record naming another account than the one whose writer reads it.
        AccessRequestRaised other = raised("ok.example", "reason", ANN);
        SettingsCommand command = SettingsCommand.newBuilder(AccessRequestDecisions.command(other)).setAccountId(UUID.randomUUID()).build();
        assertThat(AccessRequestDecisions.raise(null, List.of(), command, new RequestAccess(other), NOW).result().getAccepted()).isFalse();
    }

    @Test
    void theSameRequesterWaitingForTheSameNameIsOneRequestAndAnAccountHoldsAtMostTwoHundredWaiting() {
        AccessRequest first = recorded(raise(raised("casino.example", "work", ANN), List.of()));
        Decision again = raise(raised("casino.example", "please", ANN), List.of(first));
        assertThat(again.result().getRejection()).isEqualTo(SettingsRejection.CONFLICT);
        // Another user, or another name, is another request.
        AccessRequester bob = new AccessRequester("bob@example.com", null, "10.0.0.8", null);
        assertThat(raise(raised("casino.example", "work", bob), List.of(first)).result().getAccepted()).isTrue();
        assertThat(raise(raised("poker.example", "work", ANN), List.of(first)).result().getAccepted()).isTrue();
        // The same record read twice (a replay) changes nothing.
        SettingsCommand replay = AccessRequestDecisions.command(raised("casino.example", "work", ANN));
        assertThat(AccessRequestDecisions.raise(first, List.of(first), replay, (RequestAccess) replay.getAction(), NOW).result().getDetail())
                .isEqualTo(AccessRequestDecisions.UNCHANGED);

        List<AccessRequest> full = new ArrayList<>();
        for (int i = 0; i < AccessRequestDecisions.MAX_PENDING_PER_ACCOUNT; i++) {
            full.add(recorded(raise(raised("n" + i + ".example", "work", ANN), List.of())));
        }
        Decision tooMany = raise(raised("one-more.example", "work", ANN), full);
        assertThat(tooMany.result().getRejection()).isEqualTo(SettingsRejection.QUOTA_EXCEEDED);
        assertThat(tooMany.result().getQuota().getLimit()).isEqualTo(200);
    }

    @Test
    void anApprovalAllowsForItsMinutesFromTheDecisionThenDecliningEndsItAtOnce() {
        AccessRequest waiting = recorded(raise(raised("casino.example", "work", ANN), List.of()));
        Decision approved = decide(waiting, true, 60, NOW);
        AccessRequest allowed = recorded(approved);
        assertThat(allowed.getStatus()).isEqualTo(AccessRequestStatus.APPROVED);
        assertThat(allowed.getAllowUntil()).isEqualTo(NOW.plus(Duration.ofHours(1)));
        assertThat(allowed.getDecidedBy()).isEqualTo("admin-subject");
        assertThat(allowed.getVersion()).isEqualTo(2);
        assertThat(((AuditEvent) approved.outputs().get(1).value()).getAction()).isEqualTo("access-request.approve");

        assertThat(decide(allowed, true, 60, NOW.plusSeconds(60)).result().getRejection()).isEqualTo(SettingsRejection.CONFLICT);
        Decision revoked = decide(allowed, false, null, NOW.plusSeconds(600));
        AccessRequest ended = recorded(revoked);
        assertThat(ended.getStatus()).isEqualTo(AccessRequestStatus.DECLINED);
        assertThat(ended.getAllowUntil()).isEqualTo(NOW.plusSeconds(600));
        assertThat(((AuditEvent) revoked.outputs().get(1).value()).getAction()).isEqualTo("access-request.revoke");
        // Over: nothing left to decide.
        assertThat(decide(ended, false, null, NOW.plusSeconds(700)).result().getRejection()).isEqualTo(SettingsRejection.CONFLICT);
        assertThat(decide(allowed, false, null, NOW.plus(Duration.ofHours(2))).result().getRejection())
                .as("an approval that expired by itself").isEqualTo(SettingsRejection.CONFLICT);
    }

    @Test
    void anApprovalLastsFiveMinutesToAWeekAndADeclineNeedsNoTime() {
        AccessRequest waiting = recorded(raise(raised("casino.example", "work", ANN), List.of()));
        for (Integer minutes : new Integer[] {null, 4, 10_081}) {
            assertThat(decide(waiting, true, minutes, NOW).result().getRejection()).as("minutes " + minutes).isEqualTo(SettingsRejection.INVALID);
        }
        assertThat(recorded(decide(waiting, true, 5, NOW)).getAllowUntil()).isEqualTo(NOW.plusSeconds(300));
        assertThat(recorded(decide(waiting, true, 10_080, NOW)).getAllowUntil()).isEqualTo(NOW.plus(Duration.ofDays(7)));
        AccessRequest declined = recorded(decide(waiting, false, null, NOW));
        assertThat(declined.getStatus()).isEqualTo(AccessRequestStatus.DECLINED);
        assertThat(declined.getAllowUntil()).isNull();
        SettingsCommand unknown = SettingsCommand.newBuilder().setCommandId(UUID.randomUUID()).setAccountId(ACCOUNT).setRequestedAt(NOW)
                .setActor(new Actor("admin-subject", "SUPER_ADMIN", ActorKind.ADMIN, null))
                .setAction(new DecideAccessRequest(UUID.randomUUID(), true, 60, null, null)).build();
        assertThat(AccessRequestDecisions.decide(null, unknown, (DecideAccessRequest) unknown.getAction(), NOW).result().getRejection())
                .isEqualTo(SettingsRejection.NOT_FOUND);
    }
}
