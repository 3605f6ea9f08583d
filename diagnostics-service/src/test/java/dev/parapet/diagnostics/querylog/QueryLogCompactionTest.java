package dev.parapet.diagnostics.querylog;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

/**
 * Compaction of an hour's small files on a real file system through a real DuckDB: each partition's committed files
 * become one covering their offsets, the rows the same; a batch still uncommitted, the current hour and a crash
 * between the rename and the deletions are each handled as the retention's comment says.
 */
class QueryLogCompactionTest {

    static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");
    /** An hour over long enough to compact (10:00-11:00). */
    static final Instant PAST = Instant.parse("2026-12-04T10:20:00Z");
    /** The current hour: never compacted. */
    static final Instant CURRENT = Instant.parse("2026-12-04T11:50:00Z");

    @TempDir
    Path root;
    QueryLogFiles files;
    QueryLogWriter writer;
    QueryLogSearch search;
    QueryLogRetention retention;
    final UUID account = UUID.randomUUID();
    final Map<Integer, Long> offsets = new HashMap<>();
    int sequence;

    @BeforeEach
    void open() {
        files = new QueryLogFiles(root);
        writer = new QueryLogWriter(files);
        search = new QueryLogSearch(files, "128MB", 1);
        retention = new QueryLogRetention(files, new RetentionSettings(files, new Retention(30, 365)));
    }

    @AfterEach
    void close() {
        writer.close();
        search.close();
        retention.close();
    }

    /** One batch of the partition: {@code count} verdicts at the time, after the partition's batches before. */
    Batch write(int partition, Instant at, int count) {
        long first = offsets.getOrDefault(partition, 0L);
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            DnsVerdict verdict = Feed.verdict(account, at.plusSeconds(sequence), i % 3 == 0 ? Action.BLOCKED : Action.ALLOWED,
                    "name-" + sequence++ + ".example", List.of(), null, UUID.randomUUID(), "ann@example.com");
            entries.add(new Entry(partition, first + i, verdict));
        }
        Batch batch = new Batch(partition, first, first + count - 1);
        writer.write(batch, entries);
        offsets.put(partition, first + count);
        return batch;
    }

    Path hour(Instant at) {
        LocalDateTime time = LocalDateTime.ofInstant(at, ZoneOffset.UTC);
        return files.hour(account, time.toLocalDate(), time.getHour());
    }

    List<String> names(Path hour) throws IOException {
        try (Stream<Path> listing = Files.list(hour)) {
            return listing.map(path -> path.getFileName().toString()).sorted().toList();
        }
    }

    List<String> rows(Instant around) {
        Filter filter = new Filter(around.minus(Duration.ofHours(1)), around.plus(Duration.ofHours(1)), null, null, null, null, null,
                null, null, null);
        return search.search(account, filter, 0, 1000).rows().stream().map(row -> row.action() + " " + row.queryName()).sorted().toList();
    }

    long total(Instant around) {
        Filter filter = new Filter(around.minus(Duration.ofMinutes(30)), around.plus(Duration.ofMinutes(30)), null, null, null, null, null,
                null, null, null);
        return search.search(account, filter, 0, 1).total();
    }

    @Test
    void eachPartitionsFilesOfAPastHourBecomeOneCoveringTheirOffsetsWithTheSameRows() throws Exception {
        for (int i = 0; i < 5; i++) {
            write(0, PAST, 4);
            write(1, PAST, 3);
        }
        write(2, PAST, 2);
        for (int i = 0; i < 3; i++) {
            write(0, CURRENT, 2);
        }
        List<String> before = rows(PAST);
        assertThat(before).hasSize(5 * 7 + 2);
        assertThat(names(hour(PAST))).hasSize(11);
        assertThat(search.hours(account, PAST.minusSeconds(1200), PAST.plusSeconds(1200)).get(0)).as("files a search opens").hasSize(11);

        QueryLogRetention.Report report = retention.run(NOW);

        assertThat(report.filesCompacted()).isEqualTo(10);
        assertThat(names(hour(PAST))).containsExactly("0-0-19-e1.parquet", "1-0-14-e1.parquet", "2-0-1-e1.parquet");
        assertThat(rows(PAST)).isEqualTo(before);
        assertThat(search.hours(account, PAST.minusSeconds(1200), PAST.plusSeconds(1200)).get(0)).as("files a search opens").hasSize(3);
        assertThat(names(hour(CURRENT))).as("the current hour is left to its writer").hasSize(3);

        // A run after that has nothing to do; a late file of the hour is compacted by the next.
        assertThat(retention.run(NOW).filesCompacted()).isZero();
        write(0, PAST, 1);
        assertThat(retention.run(NOW).filesCompacted()).isEqualTo(2);
        assertThat(names(hour(PAST))).containsExactly("0-0-26-e1.parquet", "1-0-14-e1.parquet", "2-0-1-e1.parquet");
        assertThat(rows(PAST)).hasSize(before.size() + 1);
    }

    @Test
    void aCompactedFileStaysCountedWhenTheEpochCurrentAtTheCompactionEndsEmpty() throws Exception {
        write(0, PAST, 3);
        write(0, PAST, 3);
        // Another instance takes the partition and has written nothing of it when retention compacts the hour; then a
        // third takes it from that one, whose epoch ends with nothing committed.
        new QueryLogFiles(root).claim(0);
        assertThat(retention.run(NOW).filesCompacted()).isEqualTo(2);
        new QueryLogFiles(root).claim(0);

        assertThat(total(PAST)).isEqualTo(6);
        assertThat(retention.run(NOW).filesCompacted()).isZero();
        assertThat(names(hour(PAST))).as("not taken for garbage").hasSize(1);
        assertThat(total(PAST)).isEqualTo(6);
    }

    @Test
    void aBatchNotYetCommittedIsNeitherReadNorCompacted() throws Exception {
        write(0, PAST, 3);
        write(0, PAST, 3);
        // A batch written but not committed (its writer crashed before its commit): its file stays out of everything.
        Path uncommitted = hour(PAST).resolve(new Batch(0, 6, 9, 1).fileName());
        Files.copy(hour(PAST).resolve(new Batch(0, 3, 5, 1).fileName()), uncommitted);

        assertThat(retention.run(NOW).filesCompacted()).isEqualTo(2);
        assertThat(names(hour(PAST))).containsExactly("0-0-5-e1.parquet", "0-6-9-e1.parquet");
        assertThat(total(PAST)).isEqualTo(6);
    }

    @Test
    void aCompactionStoppedBetweenItsRenameAndItsDeletionsIsReadOnceAndFinishedByTheNextRun() throws Exception {
        write(0, PAST, 3);
        write(0, PAST, 4);
        Path first = hour(PAST).resolve("0-0-2-e1.parquet");
        Path second = hour(PAST).resolve("0-3-6-e1.parquet");
        Path keptFirst = root.resolve("kept-first");
        Path keptSecond = root.resolve("kept-second");
        Files.copy(first, keptFirst);
        Files.copy(second, keptSecond);
        retention.run(NOW);
        // As if it had stopped after the rename: its inputs are back beside the compacted file, and a copy left unfinished.
        Files.copy(keptFirst, first);
        Files.copy(keptSecond, second);
        Files.writeString(hour(PAST).resolve(".compact-0-0-6.parquet.tmp"), "half a file");

        assertThat(total(PAST)).as("read once").isEqualTo(7);
        LocalDateTime past = LocalDateTime.ofInstant(PAST, ZoneOffset.UTC);
        assertThat(files.readable(files.store().list(QueryLogFiles.hourKey(account, past.toLocalDate(), past.getHour()), null), new HashMap<>()))
                .extracting(listed -> QueryLogFiles.name(listed.key()))
                .containsExactly("0-0-6-e1.parquet");

        assertThat(retention.run(NOW).filesCompacted()).isZero();
        assertThat(names(hour(PAST))).containsExactly("0-0-6-e1.parquet");
        assertThat(total(PAST)).isEqualTo(7);
    }

    /**
     * Compaction comes first in a retention run, so an hour that reaches its account's horizon for allowed queries is
     * rolled up from its compacted files: one roll-up file per partition, however many batches the writer made.
     */
    @Test
    void anHourWrittenInManyBatchesIsRolledUpIntoOneFilePerPartition() throws Exception {
        for (int i = 0; i < 6; i++) {
            write(0, PAST, 4);
            write(1, PAST, 3);
        }
        List<String> written = rows(PAST);
        long allowed = written.stream().filter(row -> row.startsWith("ALLOWED ")).count();
        assertThat(names(hour(PAST))).hasSize(12);

        QueryLogRetention.Report report = retention.run(PAST.plus(Duration.ofDays(31)));

        assertThat(report.filesCompacted()).isEqualTo(12);
        LocalDateTime past = LocalDateTime.ofInstant(PAST, ZoneOffset.UTC);
        assertThat(names(files.rollupHour(account, past.toLocalDate(), past.getHour())))
                .containsExactly("0-0-23-e1.parquet", "1-0-17-e1.parquet");
        Map<String, Long> rolledUp = QueryLogRetentionTest.rollup(files, account, PAST);
        assertThat(rolledUp.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(allowed);
        assertThat(rows(PAST)).as("the detail keeps the rest").isEqualTo(written.stream().filter(row -> !row.startsWith("ALLOWED ")).toList());
        QueryLogSearch.RolledUpPage read = search.rolledUp(account, PAST.minus(Duration.ofHours(1)), PAST.plus(Duration.ofHours(1)), null,
                null, null, 0, 5);
        assertThat(read.queries()).isEqualTo(allowed);
        assertThat(read.names()).as("each allowed name is distinct here").isEqualTo(allowed);
        assertThat(read.hours()).isEqualTo(1);
        assertThat(read.rows()).hasSize(5).allSatisfy(row -> assertThat(row.queries()).isEqualTo(1));
    }
}
