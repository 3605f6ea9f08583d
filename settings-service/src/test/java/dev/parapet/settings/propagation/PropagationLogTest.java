package dev.parapet.settings.propagation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.parapet.settings.propagation.PropagationLog.ResolverStatus;
import dev.parapet.settings.propagation.ResolverReport.Partition;

class PropagationLogTest {

    static final String POLICIES = "parapet.policies.v1";
    static final String LOCATIONS = "parapet.locations.v1";
    static final String SETTINGS = "parapet.agent-settings.v1";
    static final Instant T0 = Instant.parse("2026-12-03T10:00:00Z");
    static final Duration HEARTBEAT = Duration.ofSeconds(5);

    final PropagationLog log = new PropagationLog(100, Duration.ofHours(1));
    final UUID account = UUID.randomUUID();

    /** A resolver that follows policies and locations, 3 partitions each, all at {@code next}, except as overridden. */
    static ResolverReport report(String instance, Instant startedAt, Instant at, long next, Object... overrides) {
        Map<Partition, Long> positions = new HashMap<>();
        for (String topic : new String[] {POLICIES, LOCATIONS}) {
            for (int partition = 0; partition < 3; partition++) {
                positions.put(new Partition(topic, partition), next);
            }
        }
        for (int i = 0; i < overrides.length; i += 3) {
            positions.put(new Partition((String) overrides[i], (Integer) overrides[i + 1]), (Long) overrides[i + 2]);
        }
        return new ResolverReport(instance, startedAt, at, HEARTBEAT, positions);
    }

    UUID write(Instant at, String topic, int partition, long offset) {
        UUID change = UUID.randomUUID();
        log.written(change, account, at, new RecordPosition(topic, partition, offset), OptionalLong.empty(), at);
        return change;
    }

    ResolverStatus status(UUID change, Instant now) {
        return log.resolvers(change, now).orElseThrow();
    }

    @Test
    void aResolverHasAppliedAChangeOncePastEveryRecordOfItOnTheTopicsItFollows() {
        log.reported(report("a", T0, T0, 10));
        UUID change = UUID.randomUUID();
        Instant written = T0.plusSeconds(1);
        log.written(change, account, written, new RecordPosition(POLICIES, 1, 10), OptionalLong.empty(), written);
        log.written(change, account, written, new RecordPosition(LOCATIONS, 2, 14), OptionalLong.empty(), written);
        log.written(change, account, written, new RecordPosition("parapet.audit.v1", 0, 99), OptionalLong.empty(), written);

        assertThat(status(change, written)).isEqualTo(new ResolverStatus(true, 0, 1, Optional.empty()));
        log.reported(report("a", T0, written.plusMillis(20), 10, POLICIES, 1, 11L));
        assertThat(status(change, written.plusMillis(20)).applied()).as("one record of two in force").isZero();
        log.reported(report("a", T0, written.plusMillis(45), 10, POLICIES, 1, 11L, LOCATIONS, 2, 15L));
        ResolverStatus status = status(change, written.plusMillis(50));
        assertThat(status.applied()).isEqualTo(1);
        assertThat(status.total()).isEqualTo(1);
        assertThat(status.enforced()).isTrue();
        assertThat(status.lastAppliedAfter()).contains(Duration.ofMillis(45));
    }

    @Test
    void everyLiveResolverCountsAndTheLastOneToApplyGivesTheTime() {
        log.reported(report("a", T0, T0, 5));
        log.reported(report("b", T0, T0, 5));
        UUID change = write(T0.plusSeconds(1), POLICIES, 0, 5);
        log.reported(report("a", T0, T0.plusMillis(1_030), 6));
        assertThat(status(change, T0.plusMillis(1_040))).isEqualTo(new ResolverStatus(true, 1, 2, Optional.empty()));
        assertThat(status(change, T0.plusMillis(1_040)).settled()).isFalse();
        log.reported(report("b", T0, T0.plusMillis(1_080), 6));
        ResolverStatus status = status(change, T0.plusMillis(1_090));
        assertThat(status.applied()).isEqualTo(2);
        assertThat(status.total()).isEqualTo(2);
        assertThat(status.lastAppliedAfter()).contains(Duration.ofMillis(80));
    }

    @Test
    void aResolverSilentForThreeHeartbeatsNoLongerCountsAndOneThatStoppedCleanlyAtOnce() {
        log.reported(report("a", T0, T0, 5));
        log.reported(report("b", T0, T0, 5));
        log.reported(report("c", T0, T0, 5));
        UUID change = write(T0.plusMillis(100), POLICIES, 0, 5);
        log.reported(report("a", T0, T0.plusMillis(130), 6));
        assertThat(status(change, T0.plusMillis(200)).total()).isEqualTo(3);

        log.stopped("b");
        assertThat(status(change, T0.plusMillis(200))).as("b said it stopped").isEqualTo(
                new ResolverStatus(true, 1, 2, Optional.empty()));
        assertThat(status(change, T0.plusMillis(14_999)).total()).as("c silent for less than 15 s").isEqualTo(2);
        // a keeps reporting; c has been silent for three heartbeats
        log.reported(report("a", T0, T0.plusSeconds(10), 6));
        ResolverStatus later = status(change, T0.plusSeconds(15));
        assertThat(later.applied()).isEqualTo(1);
        assertThat(later.total()).isEqualTo(1);
        assertThat(later.enforced()).isTrue();
        assertThat(later.lastAppliedAfter()).contains(Duration.ofMillis(30));
    }

    @Test
    void aChangeResolversDoNotFollowIsNotCarriedByThem() {
        log.reported(report("a", T0, T0, 5));
        UUID change = UUID.randomUUID();
        log.written(change, account, T0, new RecordPosition(SETTINGS, 4, 7), OptionalLong.of(3), T0);
        ResolverStatus status = status(change, T0);
        assertThat(status.carried()).isFalse();
        assertThat(status.total()).isZero();
        assertThat(status.settled()).isTrue();
        assertThat(status.enforced()).isFalse();
        assertThat(log.change(change).orElseThrow().version(SETTINGS)).hasValue(3);
    }

    @Test
    void withNoResolverLiveAChangeIsAppliedByNoneOfNoneAndThereIsNothingToWaitFor() {
        UUID change = write(T0, POLICIES, 0, 5);
        ResolverStatus status = status(change, T0);
        assertThat(status).isEqualTo(new ResolverStatus(true, 0, 0, Optional.empty()));
        assertThat(status.enforced()).isFalse();
        assertThat(status.settled()).isTrue();
    }

    @Test
    void aReportReadBeforeTheChangeItCoversStillDatesIt() {
        log.reported(report("a", T0, T0, 5));
        log.reported(report("a", T0, T0.plusMillis(1_040), 6));
        // the record itself is read after the report (another partition, another poll)
        UUID change = write(T0.plusSeconds(1), POLICIES, 2, 5);
        ResolverStatus status = status(change, T0.plusMillis(1_050));
        assertThat(status.enforced()).isTrue();
        assertThat(status.lastAppliedAfter()).contains(Duration.ofMillis(40));
    }

    @Test
    void aChangeLearntOfAfterItsCoveringReportsAreGoneHasCountsButNoTime() {
        // this settings-service instance started late: the only report it has of "a" already covers the change
        log.reported(report("a", T0, T0.plusSeconds(30), 6));
        UUID change = write(T0.plusSeconds(1), POLICIES, 0, 5);
        ResolverStatus status = status(change, T0.plusSeconds(31));
        assertThat(status.enforced()).isTrue();
        assertThat(status.lastAppliedAfter()).isEmpty();
    }

    @Test
    void aResolverThatStartedAfterTheWriteIsTimedFromItsStart() {
        UUID change = write(T0, POLICIES, 0, 5);
        Instant started = T0.plusSeconds(60);
        log.reported(report("late", started, started, 6));
        ResolverStatus status = status(change, started.plusMillis(5));
        assertThat(status.enforced()).isTrue();
        assertThat(status.lastAppliedAfter()).contains(Duration.ZERO);
    }

    @Test
    void aPartitionTheResolverDoesNotReportIsNotInForceThere() {
        log.reported(report("a", T0, T0, 50));
        UUID change = write(T0, POLICIES, 7, 1);
        assertThat(status(change, T0).applied()).isZero();
        assertThat(status(change, T0).total()).isEqualTo(1);
    }

    @Test
    void changesAreKeptForTheirTimeAndUpToTheirNumber() {
        PropagationLog small = new PropagationLog(2, Duration.ofMinutes(10));
        UUID first = UUID.randomUUID();
        UUID second = UUID.randomUUID();
        UUID third = UUID.randomUUID();
        small.written(first, account, T0, new RecordPosition(POLICIES, 0, 1), OptionalLong.empty(), T0);
        small.written(second, account, T0, new RecordPosition(POLICIES, 0, 2), OptionalLong.empty(), T0);
        small.written(third, account, T0, new RecordPosition(POLICIES, 0, 3), OptionalLong.empty(), T0);
        assertThat(small.change(first)).as("the oldest went first").isEmpty();
        assertThat(small.change(third)).isPresent();

        UUID old = UUID.randomUUID();
        small.written(old, account, T0, new RecordPosition(POLICIES, 0, 4), OptionalLong.empty(), T0.plus(Duration.ofMinutes(11)));
        assertThat(small.change(old)).as("written longer ago than changes are kept").isEmpty();
        UUID fresh = UUID.randomUUID();
        Instant later = T0.plus(Duration.ofMinutes(11));
        small.written(fresh, account, later, new RecordPosition(POLICIES, 0, 5), OptionalLong.empty(), later);
        assertThat(small.change(second)).isEmpty();
        assertThat(small.change(third)).isEmpty();
        assertThat(small.change(fresh)).isPresent();
    }

    @Test
    void aRecordClaimingAnotherAccountsChangeIsIgnored() {
        UUID change = write(T0, POLICIES, 0, 1);
        log.written(change, UUID.randomUUID(), T0, new RecordPosition(POLICIES, 1, 1), OptionalLong.empty(), T0);
        assertThat(log.change(change).orElseThrow().records()).hasSize(1);
        assertThat(log.change(change).orElseThrow().accountId()).isEqualTo(account);
    }

    @Test
    void silentInstancesAreForgottenOnceOlderThanChanges() {
        log.reported(report("gone", T0, T0, 1));
        log.forgetSilent(T0.plus(Duration.ofMinutes(59)));
        assertThat(log.instances()).isEqualTo(1);
        log.forgetSilent(T0.plus(Duration.ofMinutes(61)));
        assertThat(log.instances()).isZero();
    }
}
