package dev.parapet.diagnostics.querylog;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.parapet.diagnostics.Feed;
import dev.parapet.diagnostics.querylog.QueryLogFiles.Batch;
import dev.parapet.diagnostics.querylog.QueryLogSearch.Filter;
import dev.parapet.diagnostics.querylog.QueryLogWriter.Entry;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;

/** The query log's files on a real file system, written and searched through a real DuckDB. */
class QueryLogTest {

    static final Instant NOON = Instant.parse("2026-12-03T12:00:00Z");
    static final java.time.LocalDate NOON_DATE = java.time.LocalDate.of(2026, 12, 3);
    static final UUID LEEDS = UUID.randomUUID();
    static final UUID LAPTOP = UUID.randomUUID();

    @TempDir
    Path root;
    QueryLogFiles files;
    QueryLogWriter writer;
    QueryLogSearch search;
    final UUID account = UUID.randomUUID();
    final UUID other = UUID.randomUUID();

    @BeforeEach
    void open() {
        files = new QueryLogFiles(root);
        writer = new QueryLogWriter(files);
        search = new QueryLogSearch(files, "128MB", 1);
    }

    @AfterEach
    void close() {
        writer.close();
        search.close();
    }

    static Entry entry(int partition, long offset, DnsVerdict verdict) {
        return new Entry(partition, offset, verdict);
    }

    Filter day(String name, String suffix, String user, String action) {
        return new Filter(NOON.minusSeconds(12 * 3600), NOON.plusSeconds(12 * 3600), user, null, null, name, suffix, action, null, null);
    }

    @Test
    void aBatchBecomesOneFilePerAccountAndHourInHivesLayoutAndIsFoundByEveryFilter() throws Exception {
        List<Entry> batch = List.of(
                entry(0, 10, Feed.verdict(account, NOON.plusSeconds(60), Action.BLOCKED, "login.phish.example", List.of("phishing"), LEEDS, null, null)),
                entry(0, 11, Feed.verdict(account, NOON.plusSeconds(3600 + 5), Action.ALLOWED, "www.example.com", List.of(), null, LAPTOP, "ann@example.com")),
                entry(0, 12, Feed.verdict(other, NOON.plusSeconds(61), Action.BLOCKED, "login.phish.example", List.of("phishing"), null, null, null)),
                entry(0, 14, Feed.verdict(account, NOON.plusSeconds(3600 + 9), Action.BLOCKED, "phish.example", List.of("phishing"), null, LAPTOP, "ann@example.com")));
        writer.write(new Batch(0, 10, 14), batch);

        assertThat(parquetFiles()).containsExactlyInAnyOrder(
                "verdicts/account=" + account + "/date=2026-12-03/hour=12/0-10-14-e1.parquet",
                "verdicts/account=" + account + "/date=2026-12-03/hour=13/0-10-14-e1.parquet",
                "verdicts/account=" + other + "/date=2026-12-03/hour=12/0-10-14-e1.parquet");
        assertThat(files.committed(0)).hasValue(14);

        QueryLogSearch.Page all = search.search(account, day(null, null, null, null), 0, 50);
        assertThat(all.total()).isEqualTo(3);
        assertThat(all.rows()).extracting(QueryLogSearch.Row::queryName).as("newest first")
                .containsExactly("phish.example", "www.example.com", "login.phish.example");
        QueryLogSearch.Row first = all.rows().get(2);
        assertThat(first.occurredAt()).isEqualTo(NOON.plusSeconds(60));
        assertThat(first.locationId()).isEqualTo(LEEDS.toString());
        assertThat(first.categoryIds()).containsExactly("phishing");
        assertThat(first.action()).isEqualTo("BLOCKED");

        assertThat(search.search(account, day(null, "phish.example", null, null), 0, 50).rows()).extracting(QueryLogSearch.Row::queryName)
                .containsExactly("phish.example", "login.phish.example");
        assertThat(search.search(account, day("phish.example", null, null, null), 0, 50).total()).isEqualTo(1);
        assertThat(search.search(account, day(null, "hish.example", null, null), 0, 50).total()).as("a suffix is whole labels").isZero();
        assertThat(search.search(account, day(null, null, "ann@example.com", "BLOCKED"), 0, 50).rows())
                .extracting(QueryLogSearch.Row::queryName).containsExactly("phish.example");
        assertThat(search.search(account, new Filter(NOON, NOON.plusSeconds(3600), null, null, LEEDS.toString(), null, null, null, "phishing", null), 0, 50)
                .rows()).extracting(QueryLogSearch.Row::queryName).containsExactly("login.phish.example");
        assertThat(search.search(account, new Filter(NOON.plusSeconds(3600), NOON.plusSeconds(7200), null, LAPTOP.toString(), null, null, null, null, null, null), 0, 50)
                .files()).as("only the hours asked for are read").isEqualTo(1);
        QueryLogSearch.Page second = search.search(account, day(null, null, null, null), 1, 2);
        assertThat(second.total()).isEqualTo(3);
        assertThat(second.rows()).extracting(QueryLogSearch.Row::queryName).containsExactly("login.phish.example");
    }

    @Test
    void anAccountSeesOnlyItsOwnRowsWhateverItsFiltersSay() {
        writer.write(new Batch(1, 0, 1), List.of(
                entry(1, 0, Feed.verdict(other, NOON, Action.BLOCKED, "secret.other.example", List.of(), null, null, "bob@other.example")),
                entry(1, 1, Feed.verdict(account, NOON, Action.ALLOWED, "mine.example", List.of(), null, null, null))));
        for (String hostile : List.of("' OR 1=1 --", "secret.other.example", "*", "../account=" + other)) {
            assertThat(search.search(account, day(hostile, null, null, null), 0, 50).total()).isZero();
            assertThat(search.search(account, day(null, hostile, hostile, null), 0, 50).total()).isZero();
        }
        assertThat(search.search(account, day(null, null, null, null), 0, 50).rows()).extracting(QueryLogSearch.Row::queryName)
                .containsExactly("mine.example");
        assertThat(search.search(UUID.randomUUID(), day(null, null, null, null), 0, 50).total()).isZero();
    }

    @Test
    void thePreviewsTuplesAreTheDistinctNameUserDeviceAndLocationWithTheirQueriesTheMostQueriedFirst() {
        writer.write(new Batch(2, 0, 6), List.of(
                entry(2, 0, Feed.verdict(account, NOON, Action.ALLOWED, "www.example.com", List.of(), LEEDS, null, null)),
                entry(2, 1, Feed.verdict(account, NOON.plusSeconds(3600), Action.ALLOWED, "www.example.com", List.of(), LEEDS, null, null)),
                entry(2, 2, Feed.verdict(account, NOON.plusSeconds(60), Action.BLOCKED, "www.example.com", List.of(), LEEDS, null, null)),
                entry(2, 3, Feed.verdict(account, NOON, Action.ALLOWED, "www.example.com", List.of(), null, LAPTOP, "ann@example.com")),
                entry(2, 4, Feed.verdict(account, NOON, Action.REFUSED, "refused.example", List.of(), null, null, null)),
                entry(2, 5, Feed.verdict(other, NOON, Action.ALLOWED, "secret.other.example", List.of(), LEEDS, null, null)),
                entry(2, 6, Feed.verdict(account, NOON.minusSeconds(13 * 3600), Action.ALLOWED, "before.example", List.of(), LEEDS, null, null))));
        QueryLogSearch.Tuples day = search.tuples(account, NOON.minusSeconds(12 * 3600), NOON.plusSeconds(12 * 3600), 10);
        assertThat(day.rows()).as("the same name, user, device and location in any hour and with any action is one tuple")
                .containsExactly(new QueryLogSearch.Tuple("www.example.com", null, null, LEEDS.toString(), 3),
                        new QueryLogSearch.Tuple("www.example.com", "ann@example.com", LAPTOP.toString(), null, 1));
        assertThat(day.truncated()).isFalse();
        assertThat(day.queries()).as("refused queries, other accounts' and other days' left out").isEqualTo(4);
        QueryLogSearch.Tuples cut = search.tuples(account, NOON.minusSeconds(12 * 3600), NOON.plusSeconds(12 * 3600), 1);
        assertThat(cut.rows()).hasSize(1);
        assertThat(cut.truncated()).as("there were more").isTrue();
        assertThat(cut.queries()).isEqualTo(4);
        assertThat(search.tuples(UUID.randomUUID(), NOON.minusSeconds(12 * 3600), NOON.plusSeconds(12 * 3600), 10).rows()).isEmpty();
    }

    @Test
    void aBatchCutOffBeforeItsCommitIsRemovedAndWrittenAgainSoEveryVerdictIsThereOnce() throws Exception {
        writer.write(new Batch(2, 0, 1), List.of(
                entry(2, 0, Feed.verdict(account, NOON, Action.ALLOWED, "a.example", List.of(), null, null, null)),
                entry(2, 1, Feed.verdict(account, NOON.plusSeconds(3600), Action.ALLOWED, "b.example", List.of(), null, null, null))));
        // A crash in the next batch of epoch 1: one of its hours renamed into place, one left temporary, no commit.
        Path renamed = files.hour(account, NOON_DATE, 12).resolve("2-2-3-e1.parquet");
        Files.copy(files.hour(account, NOON_DATE, 12).resolve("2-0-1-e1.parquet"), renamed);
        Path temporary = files.hour(account, NOON_DATE, 13).resolve("2-2-3-e1.parquet.tmp");
        Files.writeString(temporary, "half a file");
        // Another instance's partition, committed.
        QueryLogFiles anotherInstance = new QueryLogFiles(root);
        anotherInstance.claim(3);
        Path anotherInstances = files.hour(account, NOON_DATE, 12).resolve("3-0-9-e1.parquet");
        Files.copy(files.hour(account, NOON_DATE, 12).resolve("2-0-1-e1.parquet"), anotherInstances);
        anotherInstance.commit(new Batch(3, 0, 9, 1));
        assertThat(search.search(account, day(null, null, null, null), 0, 50).rows()).extracting(QueryLogSearch.Row::queryName)
                .as("a search reads whole batches only").containsExactlyInAnyOrder("a.example", "b.example", "a.example");

        // The restart claims the partition in epoch 2: what epoch 1 left uncommitted can never count, and goes.
        QueryLogFiles restarted = new QueryLogFiles(root);
        assertThat(restarted.claim(2).resumeAt()).isEqualTo(2);
        assertThat(restarted.removeUncommitted(Set.of(2, 3))).containsExactlyInAnyOrder(key(renamed), key(temporary));
        assertThat(renamed).doesNotExist();
        assertThat(temporary).doesNotExist();
        assertThat(anotherInstances).as("another instance's committed file").exists();
        Files.delete(anotherInstances);
        assertThat(restarted.committed(2)).hasValue(1);

        // Read again from offset 2 after the restart, in batches cut differently.
        try (QueryLogWriter again = new QueryLogWriter(restarted)) {
            again.write(new Batch(2, 2, 2), List.of(entry(2, 2, Feed.verdict(account, NOON.plusSeconds(1), Action.BLOCKED, "c.example", List.of(), null, null, null))));
            again.write(new Batch(2, 3, 3), List.of(entry(2, 3, Feed.verdict(account, NOON.plusSeconds(3601), Action.ALLOWED, "d.example", List.of(), null, null, null))));
        }
        assertThat(search.search(account, day(null, null, null, null), 0, 50).rows()).extracting(QueryLogSearch.Row::queryName)
                .containsExactlyInAnyOrder("a.example", "b.example", "c.example", "d.example");
        assertThat(files.committed(2)).hasValue(3);
    }

    @Test
    void aWriterAnotherInstanceFencedNeverCountsAndTheNewOwnerResumesAtTheCommit() throws Exception {
        writer.write(new Batch(7, 0, 1), List.of(
                entry(7, 0, Feed.verdict(account, NOON, Action.ALLOWED, "a.example", List.of(), null, null, null)),
                entry(7, 1, Feed.verdict(account, NOON.plusSeconds(1), Action.ALLOWED, "b.example", List.of(), null, null, null))));
        // Kafka gave the partition to another instance while this one was stalled: it claims it, in epoch 2.
        QueryLogFiles newOwnerFiles = new QueryLogFiles(root);
        assertThat(newOwnerFiles.claim(7).resumeAt()).isEqualTo(2);

        // The stalled writer goes on with the batch it had read: its files land, its commit is refused.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> writer.write(new Batch(7, 2, 3), List.of(
                        entry(7, 2, Feed.verdict(account, NOON.plusSeconds(2), Action.ALLOWED, "zombie.example", List.of(), null, null, null)),
                        entry(7, 3, Feed.verdict(account, NOON.plusSeconds(3600), Action.ALLOWED, "zombie.example", List.of(), null, null, null)))))
                .isInstanceOf(PartitionLog.Fenced.class);
        try (QueryLogWriter newOwner = new QueryLogWriter(newOwnerFiles)) {
            newOwner.write(new Batch(7, 2, 3), List.of(
                    entry(7, 2, Feed.verdict(account, NOON.plusSeconds(2), Action.ALLOWED, "c.example", List.of(), null, null, null)),
                    entry(7, 3, Feed.verdict(account, NOON.plusSeconds(3600), Action.ALLOWED, "d.example", List.of(), null, null, null))));
        }

        assertThat(search.search(account, day(null, null, null, null), 0, 50).rows()).extracting(QueryLogSearch.Row::queryName)
                .containsExactlyInAnyOrder("a.example", "b.example", "c.example", "d.example");
        assertThat(files.committed(7)).hasValue(3);
        assertThat(newOwnerFiles.removeUncommitted(Set.of(7))).extracting(QueryLogFiles::name)
                .as("the stalled writer's files").containsExactly("7-2-3-e1.parquet", "7-2-3-e1.parquet");
    }

    @Test
    void aWriteThatFailsLeavesNothingForTheNextFileAndItsBatchIsNotCommitted() throws Exception {
        // The writer's temporary taken by a directory: DuckDB's COPY fails after the rows were appended.
        Path blocked = root.resolve("blocked");
        java.util.concurrent.atomic.AtomicBoolean block = new java.util.concurrent.atomic.AtomicBoolean(true);
        QueryLogFiles blocking = new QueryLogFiles(new ForwardingStore(files.store()) {
            @Override
            public Path temporary(String key) {
                return block.get() ? blocked : super.temporary(key);
            }
        });
        Files.createDirectories(blocked);
        QueryLogWriter blockedWriter = new QueryLogWriter(blocking);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> blockedWriter.write(new Batch(4, 0, 0),
                List.of(entry(4, 0, Feed.verdict(account, NOON, Action.BLOCKED, "mine.example", List.of(), null, null, null)))))
                .hasMessageContaining("could not write");
        assertThat(files.committed(4)).isEmpty();
        block.set(false);
        blockedWriter.write(new Batch(4, 1, 1), List.of(entry(4, 1, Feed.verdict(other, NOON, Action.ALLOWED, "theirs.example", List.of(), null, null, null))));
        assertThat(search.search(other, day(null, null, null, null), 0, 50).rows()).extracting(QueryLogSearch.Row::queryName)
                .as("nothing of the failed write in another account's file").containsExactly("theirs.example");
        assertThat(search.search(account, day(null, null, null, null), 0, 50).total()).isZero();
        blockedWriter.close();
    }

    @Test
    void namesThatAreNotTheLogsAreLeftAloneAndDamagedCommitsSaySo() throws Exception {
        assertThat(Batch.of("0-10-14.parquet")).contains(new Batch(0, 10, 14));
        assertThat(Batch.of("0-10-14.parquet.tmp")).contains(new Batch(0, 10, 14));
        assertThat(Batch.of("0-10-14-e3.parquet")).contains(new Batch(0, 10, 14, 3));
        assertThat(new Batch(0, 10, 14, 3).fileName()).isEqualTo("0-10-14-e3.parquet");
        assertThat(new Batch(0, 10, 14).fileName()).as("before epochs").isEqualTo("0-10-14.parquet");
        assertThat(Batch.of("0-10-14-e.parquet")).isEmpty();
        assertThat(Batch.of("0-14-10.parquet")).isEmpty();
        assertThat(Batch.of("x-1-2.parquet")).isEmpty();
        assertThat(Batch.of("0-99999999999999999999-1.parquet")).isEmpty();
        Path foreign = files.hour(account, NOON_DATE, 12).resolve("notes.txt");
        Files.createDirectories(foreign.getParent());
        Files.writeString(foreign, "an operator's");
        assertThat(files.removeUncommitted(Set.of(0))).isEmpty();
        assertThat(foreign).exists();
        Files.createDirectories(root.resolve("_commits"));
        Files.writeString(root.resolve("_commits/partition-5"), "not a number");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> files.committed(5)).hasMessageContaining("damaged");
    }

    private String key(Path file) {
        return root.relativize(file).toString();
    }

    private List<String> parquetFiles() throws Exception {
        List<String> found = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.filter(path -> path.toString().endsWith(".parquet")).forEach(path -> found.add(root.relativize(path).toString()));
        }
        return found;
    }
}
