package dev.parapet.diagnostics.querylog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** The partitions' exactly-once protocol, asserted alike on each store. */
abstract class PartitionLogContract extends OnAStore {

    @Test
    void aClaimResumesPastTheCommittedOffsetAndFencesTheWriterBeforeIt() {
        PartitionLog first = new PartitionLog(store);
        PartitionLog.Claim a = first.claim(3);
        assertThat(a.epoch()).isEqualTo(1);
        assertThat(a.resumeAt()).isZero();
        a = first.commit(a, 9);
        a = first.commit(a, 19);

        PartitionLog second = new PartitionLog(store);
        PartitionLog.Claim b = second.claim(3);
        assertThat(b.epoch()).isEqualTo(2);
        assertThat(b.resumeAt()).isEqualTo(20);

        PartitionLog.Claim zombie = a;
        assertThatThrownBy(() -> first.commit(zombie, 29)).isInstanceOf(PartitionLog.Fenced.class);
        PartitionLog.State state = new PartitionLog(store).read(3);
        assertThat(state.committed()).isEqualTo(19);
        assertThat(state.counts(1, 9)).isTrue();
        assertThat(state.counts(1, 19)).isTrue();
        assertThat(state.counts(1, 29)).as("the zombie's batch").isFalse();
        assertThat(state.isGarbage(1, 29)).isTrue();
        assertThat(state.counts(2, 25)).as("a batch not yet committed").isFalse();
        assertThat(state.isGarbage(2, 25)).isFalse();

        second.commit(b, 25);
        state = new PartitionLog(store).read(3);
        assertThat(state.counts(2, 25)).isTrue();
        assertThat(state.counts(1, 29)).isFalse();
        assertThat(state.counts(2, 30)).isFalse();
        assertThat(new PartitionLog(store).read(4)).isEqualTo(PartitionLog.State.empty(4));
    }

    @Test
    void anEpochThatCommittedNothingLeavesTheNextStartingWhereItDid() {
        PartitionLog log = new PartitionLog(store);
        PartitionLog.Claim a = log.commit(log.claim(0), 4);
        PartitionLog.Claim b = log.claim(0);
        PartitionLog.Claim c = log.claim(0);

        assertThat(b.resumeAt()).isEqualTo(5);
        assertThat(c.resumeAt()).isEqualTo(5);
        assertThat(c.epoch()).isEqualTo(3);
        PartitionLog.State state = log.read(0);
        assertThat(state.end(a.epoch())).hasValue(4);
        assertThat(state.epochs()).as("an epoch whose window ended empty is dropped: writers failing and claiming again do not grow it")
                .containsOnlyKeys(a.epoch(), c.epoch());
        assertThat(state.end(b.epoch())).isEmpty();
        assertThat(state.counts(b.epoch(), 5)).isFalse();
        assertThat(state.isGarbage(b.epoch(), 5)).isTrue();
        assertThat(new PartitionLog(store).read(0)).isEqualTo(state);
    }

    @Test
    void aWriterThatStalledWhileACheckpointPassedItIsFencedAndMisleadsNoReader() {
        PartitionLog stalled = new PartitionLog(store);
        PartitionLog others = new PartitionLog(store);
        PartitionLog reader = new PartitionLog(store);
        PartitionLog.Claim first = others.claim(9);
        for (long offset = 0; offset < 98; offset++) {
            first = others.commit(first, offset);   // entries 1-98
        }
        PartitionLog.Claim zombie = stalled.claim(9);   // entry 99
        assertThat(zombie.sequence()).isEqualTo(2L * PartitionLog.CHECKPOINT_EVERY - 1);
        assertThat(reader.read(9).sequence()).isEqualTo(zombie.sequence());

        // While it stalls, another writer claims the partition (entry 100) and commits past the next checkpoint but one,
        // which deletes the entries up to the checkpoint before it: entry 100 among them.
        PartitionLog.Claim owner = others.claim(9);
        for (long offset = 98; offset < 160; offset++) {
            owner = others.commit(owner, offset);
        }
        assertThat(store.list("_log/partition-9/entry-" + String.format("%019d", zombie.sequence() + 1), null))
                .as("the number the stalled writer will write next, deleted").isEmpty();

        PartitionLog.Claim woken = zombie;
        assertThatThrownBy(() -> stalled.commit(woken, 140)).isInstanceOf(PartitionLog.Fenced.class);
        PartitionLog.State fresh = new PartitionLog(store).read(9);
        assertThat(fresh.current()).isEqualTo(owner.epoch());
        assertThat(fresh.committed()).isEqualTo(159);
        assertThat(fresh.counts(zombie.epoch(), 140)).isFalse();
        // Those whose last read ended just before the reused number fold it, then find the next entry does not follow it.
        assertThat(stalled.read(9)).isEqualTo(fresh);
        assertThat(reader.read(9)).isEqualTo(fresh);
        assertThat(stalled.claim(9).epoch()).isEqualTo(owner.epoch() + 1);
    }

    @Test
    void aCommitWhoseAnswerWasLostIsKnownAsOurs() {
        AtomicBoolean loseNextAnswer = new AtomicBoolean();
        ObjectStore losing = new ForwardingStore(store) {
            @Override
            public boolean create(String key, byte[] content) {
                boolean created = super.create(key, content);
                // The store made the object, but its answer was lost and the client's retry was refused.
                return created && !loseNextAnswer.getAndSet(false);
            }
        };
        PartitionLog log = new PartitionLog(losing);
        loseNextAnswer.set(true);
        PartitionLog.Claim claim = log.claim(1);
        loseNextAnswer.set(true);
        claim = log.commit(claim, 7);

        assertThat(claim.committed()).isEqualTo(7);
        assertThat(new PartitionLog(store).read(1).committed()).isEqualTo(7);
        assertThat(new PartitionLog(store).read(1).current()).isEqualTo(1);
    }

    @Test
    void entriesThatBreakTheRulesArePassedOverByEveryReader() {
        PartitionLog log = new PartitionLog(store);
        PartitionLog.Claim claim = log.commit(log.claim(2), 10);
        for (String junk : List.of("claim 7 0 intruder", "commit 1 99 someone-else", "commit 1 5 " + claim.id(), "claim 2 3 early",
                "nonsense \u0000\u00ff", "")) {
            long next = log.read(2).sequence() + 1;
            assertThat(store.create(String.format("_log/partition-2/entry-%019d", next), junk.getBytes(StandardCharsets.ISO_8859_1))).isTrue();
        }

        PartitionLog.State state = new PartitionLog(store).read(2);
        assertThat(state.committed()).isEqualTo(10);
        assertThat(state.current()).isEqualTo(1);
        assertThat(state.sequence()).isEqualTo(7);
        claim = log.commit(claim, 12);
        assertThat(new PartitionLog(store).read(2).committed()).isEqualTo(12);
        assertThat(log.claim(2).resumeAt()).isEqualTo(13);
    }

    @Test
    void checkpointsBoundTheEntriesKeptAndEveryReaderAgrees() {
        PartitionLog writer = new PartitionLog(store);
        PartitionLog early = new PartitionLog(store);
        PartitionLog.Claim claim = writer.claim(5);
        assertThat(early.read(5).current()).isEqualTo(1);
        int commits = 3 * PartitionLog.CHECKPOINT_EVERY + 17;
        for (int i = 0; i < commits; i++) {
            claim = writer.commit(claim, 10L * i + 9);
        }

        long entries = store.list("_log/partition-5/entry-", null).size();
        assertThat(entries).isLessThanOrEqualTo(2 * PartitionLog.CHECKPOINT_EVERY + 17);
        assertThat(store.list("_log/partition-5/checkpoint-", null)).hasSize(2);
        PartitionLog.State fresh = new PartitionLog(store).read(5);
        assertThat(fresh.committed()).isEqualTo(10L * (commits - 1) + 9);
        assertThat(fresh.sequence()).isEqualTo(commits);
        // A reader whose last state's entries were deleted meanwhile starts again from the checkpoint.
        assertThat(early.read(5)).isEqualTo(fresh);
        assertThat(new PartitionLog(store).claim(5).resumeAt()).isEqualTo(10L * (commits - 1) + 10);
    }

    @Test
    void aLogWrittenBeforeEpochsIsEpochZeroUpToItsCommitFile() {
        store.create("_commits/partition-6", "41\n".getBytes(StandardCharsets.US_ASCII));
        PartitionLog log = new PartitionLog(store);

        PartitionLog.State before = log.read(6);
        assertThat(before.current()).isZero();
        assertThat(before.counts(0, 41)).as("a file named without an epoch, committed").isTrue();
        assertThat(before.counts(0, 42)).isFalse();
        PartitionLog.Claim claim = log.claim(6);
        assertThat(claim.epoch()).isEqualTo(1);
        assertThat(claim.resumeAt()).isEqualTo(42);
        log.commit(claim, 50);
        PartitionLog.State after = new PartitionLog(store).read(6);
        assertThat(after.counts(0, 41)).isTrue();
        assertThat(after.counts(0, 45)).as("written without an epoch after epochs began: never").isFalse();
        assertThat(after.isGarbage(0, 45)).isTrue();
        assertThat(after.counts(1, 50)).isTrue();

        store.create("_commits/partition-8", "damaged".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> log.read(8)).hasMessageContaining("damaged");
    }

    /** Two writers that keep taking the partition from each other, publishing batches past their windows when fenced. */
    @Test
    void writersTakingAPartitionFromEachOtherCountEveryOffsetExactlyOnce() throws Exception {
        int batchesEach = 120;
        ExecutorService writers = Executors.newFixedThreadPool(2);
        List<Future<Integer>> fenced = new ArrayList<>();
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        try {
            for (int w = 0; w < 2; w++) {
                fenced.add(writers.submit(() -> {
                    go.await();
                    return write(new PartitionLog(store), batchesEach);
                }));
            }
            go.countDown();
            int fencedTimes = fenced.get(0).get() + fenced.get(1).get();
            assertThat(fencedTimes).as("commits refused to a writer whose partition was claimed since").isPositive();
        } finally {
            writers.shutdownNow();
        }

        PartitionLog.State state = new PartitionLog(store).read(7);
        Pattern name = Pattern.compile("data/7-(\\d+)-(\\d+)-e(\\d+)");
        record Batch(long first, long last) {
        }
        List<Batch> counted = new ArrayList<>();
        int notCounted = 0;
        for (ObjectStore.Listed object : store.list("data/", null)) {
            Matcher matcher = name.matcher(object.key());
            assertThat(matcher.matches()).as(object.key()).isTrue();
            long first = Long.parseLong(matcher.group(1));
            long last = Long.parseLong(matcher.group(2));
            if (state.counts(Integer.parseInt(matcher.group(3)), last)) {
                counted.add(new Batch(first, last));
            } else {
                notCounted++;
            }
        }
        counted.sort(Comparator.comparingLong(Batch::first));
        long next = 0;
        for (Batch batch : counted) {
            assertThat(batch.first()).as("the batch after offset %d", next - 1).isEqualTo(next);
            next = batch.last() + 1;
        }
        assertThat(next - 1).isEqualTo(state.committed());
        assertThat(notCounted).as("batches of fenced writers, left in the store").isPositive();
    }

    /** A writer that claims the partition, writes a few batches and claims again; returns how often it was fenced. */
    private int write(PartitionLog log, int batches) throws InterruptedException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int fenced = 0;
        PartitionLog.Claim claim = log.claim(7);
        long next = claim.resumeAt();
        for (int written = 0; written < batches; written++) {
            long last = next + random.nextInt(5);
            // The batch's objects first, named with the writer's epoch; then its commit.
            store.create("data/7-" + next + "-" + last + "-e" + claim.epoch(), new byte[] {1});
            Thread.sleep(random.nextInt(20)); // a writer slow to commit: the other may claim meanwhile
            try {
                claim = log.commit(claim, last);
                next = last + 1;
            } catch (PartitionLog.Fenced e) {
                fenced++;
                claim = log.claim(7);
                next = claim.resumeAt();
            }
            if (written % 4 == 3) {
                claim = log.claim(7);
                next = claim.resumeAt();
            }
        }
        return fenced;
    }
}
