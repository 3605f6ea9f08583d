package dev.parapet.diagnostics.querylog;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
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

/** Retention and deletion on a real file system, through a real DuckDB: hours aged past each horizon. */
class QueryLogRetentionTest {

    static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");
    /** Within both horizons of the defaults (30 and 365 days). */
    static final Instant RECENT = NOW.minus(Duration.ofDays(2)).plusSeconds(60);
    /** Past the allowed horizon, within the security one. */
    static final Instant OLD = NOW.minus(Duration.ofDays(40)).plusSeconds(60);
    static final Instant OLDER = NOW.minus(Duration.ofDays(50)).plusSeconds(60);
    /** Past both. */
    static final Instant ANCIENT = NOW.minus(Duration.ofDays(400)).plusSeconds(60);

    @TempDir
    Path root;
    @TempDir
    Path originals;
    QueryLogFiles files;
    QueryLogWriter writer;
    QueryLogSearch search;
    RetentionSettings settings;
    QueryLogRetention retention;
    final UUID account = UUID.randomUUID();
    final UUID other = UUID.randomUUID();
    final Map<Integer, Long> offsets = new HashMap<>();

    @BeforeEach
    void open() {
        files = new QueryLogFiles(root);
        writer = new QueryLogWriter(files);
        search = new QueryLogSearch(files, "128MB", 1);
        settings = new RetentionSettings(files, new Retention(30, 365));
        retention = new QueryLogRetention(files, settings);
    }

    @AfterEach
    void close() {
        writer.close();
        search.close();
        retention.close();
    }

    /** Writes the verdicts as one batch of the partition, after its batches before. */
    void write(int partition, Object... verdicts) {
        long first = offsets.getOrDefault(partition, 0L);
        List<Entry> entries = new ArrayList<>();
        for (Object verdict : verdicts) {
            entries.add(new Entry(partition, first + entries.size(), (dev.parapet.schemas.v1.verdicts.DnsVerdict) verdict));
        }
        writer.write(new Batch(partition, first, first + entries.size() - 1), entries);
        offsets.put(partition, first + entries.size());
    }

    static Object allowed(UUID account, Instant at, String name, String user) {
        return Feed.verdict(account, at, Action.ALLOWED, name, List.of(), null, UUID.randomUUID(), user);
    }

    static Object outcome(UUID account, Instant at, Action action, String name) {
        return Feed.verdict(account, at, action, name, List.of("phishing"), null, UUID.randomUUID(), "ann@example.com");
    }

    /** The hours of the defaults' two horizons, for the account; another account with its own longer retention beside it. */
    void writeHours() {
        write(0, allowed(account, RECENT, "recent.example", "ann@example.com"), outcome(account, RECENT, Action.BLOCKED, "phish.example"),
                allowed(account, OLD, "a.example", "ann@example.com"), allowed(account, OLD.plusSeconds(1), "a.example", "bob@example.com"),
                outcome(account, OLD.plusSeconds(2), Action.BLOCKED, "phish.example"),
                allowed(other, OLD, "theirs.example", "eve@other.example"));
        write(1, allowed(account, OLD.plusSeconds(3), "a.example", "cy@example.com"), allowed(account, OLD.plusSeconds(4), "b.example", null),
                outcome(account, OLD.plusSeconds(5), Action.WARNED, "risky.example"),
                outcome(account, OLD.plusSeconds(6), Action.SAFESEARCH_REWRITTEN, "www.google.com"),
                allowed(account, OLDER, "c.example", "ann@example.com"), outcome(account, OLDER.plusSeconds(1), Action.REFUSED, "refused.example"),
                allowed(account, ANCIENT, "ancient.example", null), outcome(account, ANCIENT, Action.BLOCKED, "ancient-phish.example"),
                allowed(other, ANCIENT, "their-ancient.example", null));
        settings.set(other, new Retention(500, 3650));
    }

    List<String> searched(UUID whose, Instant around) {
        Filter hour = new Filter(around.minusSeconds(600), around.plusSeconds(600), null, null, null, null, null, null, null, null);
        return search.search(whose, hour, 0, 50).rows().stream().map(row -> row.action() + " " + row.queryName()).sorted().toList();
    }

    /** The hour's roll-up: name, action, count; and that no identity is in it. */
    Map<String, Long> rollup(UUID whose, Instant at) throws Exception {
        return rollup(files, whose, at);
    }

    /** The hour's roll-up under {@code files}' root: name, type and action, and the count of each. */
    static Map<String, Long> rollup(QueryLogFiles files, UUID whose, Instant at) throws Exception {
        LocalDateTime hour = LocalDateTime.ofInstant(at, ZoneOffset.UTC);
        Path directory = files.rollupHour(whose, hour.toLocalDate(), hour.getHour());
        Map<String, Long> counts = new TreeMap<>();
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement statement = duck.createStatement();
             ResultSet result = statement.executeQuery("SELECT * FROM read_parquet(" + QueryLogWriter.literal(directory + "/*.parquet")
                     + ", hive_partitioning = false)")) {
            assertThat(result.getMetaData().getColumnCount()).isEqualTo(5);
            List<String> columns = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                columns.add(result.getMetaData().getColumnName(i));
            }
            assertThat(columns).containsExactly("query_name", "query_type", "location_id", "action", "count");
            while (result.next()) {
                counts.merge(result.getString("query_name") + " " + result.getString("query_type") + " " + result.getString("action"),
                        result.getLong("count"), Long::sum);
            }
        }
        return counts;
    }

    /** Every file under the root, with the rows of each Parquet file (sorted), to compare runs with. */
    Map<String, String> state() throws Exception {
        Map<String, String> state = new TreeMap<>();
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Stream<Path> walk = Files.walk(root)) {
            for (Path file : walk.filter(Files::isRegularFile).filter(file -> !file.endsWith("lock")).toList()) {
                String content;
                if (file.toString().endsWith(".parquet")) {
                    List<String> rows = new ArrayList<>();
                    try (Statement statement = duck.createStatement(); ResultSet result = statement.executeQuery(
                            "SELECT * FROM read_parquet(" + QueryLogWriter.literal(file.toString()) + ", hive_partitioning = false)")) {
                        while (result.next()) {
                            StringBuilder row = new StringBuilder();
                            for (int i = 1; i <= result.getMetaData().getColumnCount(); i++) {
                                row.append(result.getString(i)).append('|');
                            }
                            rows.add(row.toString());
                        }
                    }
                    rows.sort(null);
                    content = rows.toString();
                } else {
                    content = Files.readString(file);
                }
                state.put(root.relativize(file).toString(), content);
            }
        }
        return state;
    }

    @Test
    void allowedQueriesPastTheirHorizonAreRolledUpSecurityOutcomesKeptAndHoursPastTheSecurityHorizonDeleted() throws Exception {
        writeHours();
        Map<String, String> othersBefore = new TreeMap<>(state());
        othersBefore.keySet().removeIf(path -> !path.contains(other.toString()));

        QueryLogRetention.Report report = retention.run(NOW);

        assertThat(report.hoursDeleted()).as("the account's ancient hour; the other's is within its 3650 days").isEqualTo(1);
        assertThat(report.filesRolledUp()).as("two files of the old hour, one of the older").isEqualTo(3);
        assertThat(searched(account, RECENT)).containsExactly("ALLOWED recent.example", "BLOCKED phish.example");
        assertThat(searched(account, OLD)).as("the old hour's security outcomes, in detail")
                .containsExactly("BLOCKED phish.example", "SAFESEARCH_REWRITTEN www.google.com", "WARNED risky.example");
        assertThat(search.search(account, new Filter(OLD.minusSeconds(600), OLD.plusSeconds(600), "ann@example.com", null, null, null, null,
                null, null, null), 0, 50).rows()).extracting(QueryLogSearch.Row::queryName)
                .as("a user's allowed queries are no longer found by the user").containsExactly("www.google.com", "risky.example", "phish.example");
        assertThat(rollup(account, OLD)).containsExactly(Map.entry("a.example A ALLOWED", 3L), Map.entry("b.example A ALLOWED", 1L));
        assertThat(searched(account, OLDER)).containsExactly("REFUSED refused.example");
        assertThat(rollup(account, OLDER)).containsExactly(Map.entry("c.example A ALLOWED", 1L));
        LocalDateTime ancient = LocalDateTime.ofInstant(ANCIENT, ZoneOffset.UTC);
        assertThat(files.date(account, ancient.toLocalDate())).as("the ancient day, its only hour gone").doesNotExist();
        assertThat(searched(account, ANCIENT)).isEmpty();

        Map<String, String> after = state();
        Map<String, String> othersAfter = new TreeMap<>(after);
        othersAfter.keySet().removeIf(path -> !path.contains(other.toString()));
        assertThat(othersAfter).as("another account's files, under its own retention, untouched").isEqualTo(othersBefore);
        assertThat(after.keySet()).as("nothing unfinished left").noneMatch(path -> Path.of(path).getFileName().toString().startsWith("."));

        QueryLogRetention.Report again = retention.run(NOW);
        assertThat(again.hoursDeleted()).isZero();
        assertThat(again.filesRolledUp()).isZero();
        assertThat(state()).as("running again changes nothing").isEqualTo(after);

        // 340 days on, the old hours are past the security horizon too: their detail and roll-ups go.
        assertThat(retention.run(NOW.plus(Duration.ofDays(340))).hoursDeleted()).as("the old and older hours, not the recent").isEqualTo(2);
        assertThat(rollupExists(account, OLDER)).isFalse();
        assertThat(rollup(account, RECENT)).as("the recent hour, 342 days old by then, rolled up")
                .containsExactly(Map.entry("recent.example A ALLOWED", 1L));
        assertThat(rollupExists(account, OLD)).isFalse();
        assertThat(searched(account, OLD)).isEmpty();
    }

    private boolean rollupExists(UUID whose, Instant at) {
        LocalDateTime hour = LocalDateTime.ofInstant(at, ZoneOffset.UTC);
        return Files.exists(files.rollupHour(whose, hour.toLocalDate(), hour.getHour()));
    }

    @Test
    void aRunCutOffAtAnyStepOfARollUpEndsAsIfItHadNotBeenWhenRunAgain() throws Exception {
        writeHours();
        LocalDateTime old = LocalDateTime.ofInstant(OLD, ZoneOffset.UTC);
        LocalDateTime older = LocalDateTime.ofInstant(OLDER, ZoneOffset.UTC);
        Path oldHour = files.hour(account, old.toLocalDate(), old.getHour());
        Path olderHour = files.hour(account, older.toLocalDate(), older.getHour());
        Files.copy(oldHour.resolve("0-0-5-e1.parquet"), originals.resolve("0-0-5-e1.parquet"));
        Files.copy(olderHour.resolve("1-0-8-e1.parquet"), originals.resolve("1-0-8-e1.parquet"));

        retention.run(NOW);
        Map<String, String> whole = state();

        Path oldRollups = files.rollupHour(account, old.toLocalDate(), old.getHour());
        Path olderRollups = files.rollupHour(account, older.toLocalDate(), older.getHour());
        // Cut after the roll-up was complete, before its detail file was rewritten:
        Files.move(oldRollups.resolve("0-0-5-e1.parquet"), oldRollups.resolve(".0-0-5-e1.parquet.pending"));
        Files.copy(originals.resolve("0-0-5-e1.parquet"), oldHour.resolve("0-0-5-e1.parquet"), StandardCopyOption.REPLACE_EXISTING);
        // after the detail file was rewritten, before the roll-up was renamed into place:
        Files.move(oldRollups.resolve("1-0-8-e1.parquet"), oldRollups.resolve(".1-0-8-e1.parquet.pending"));
        // while both the roll-up and the rewritten detail file were half written:
        Files.delete(olderRollups.resolve("1-0-8-e1.parquet"));
        Files.copy(originals.resolve("1-0-8-e1.parquet"), olderHour.resolve("1-0-8-e1.parquet"), StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(olderRollups.resolve(".1-0-8-e1.parquet.tmp"), "half a roll-up");
        Files.writeString(olderHour.resolve(".1-0-8-e1.parquet.rewrite"), "half a file");
        assertThat(searched(account, OLD)).as("the cut-off state: allowed rows back in detail").contains("ALLOWED a.example");

        QueryLogRetention.Report rerun = retention.run(NOW);

        assertThat(rerun.filesRolledUp()).isEqualTo(3);
        assertThat(state()).as("the same files and rows as the whole run: nothing counted twice, nothing left").isEqualTo(whole);
        assertThat(rollup(account, OLD)).containsExactly(Map.entry("a.example A ALLOWED", 3L), Map.entry("b.example A ALLOWED", 1L));
        assertThat(rollup(account, OLDER)).containsExactly(Map.entry("c.example A ALLOWED", 1L));
    }

    @Test
    void anAccountsOwnRetentionReplacesTheDefaultsAndIsSeenByEveryInstanceSharingTheRoot() {
        assertThat(settings.of(account)).isEqualTo(new Retention(30, 365));
        settings.set(account, new Retention(7, 45));
        assertThat(new RetentionSettings(new QueryLogFiles(root), new Retention(30, 365)).of(account)).isEqualTo(new Retention(7, 45));
        assertThat(files.retention(account)).hasContent("{\"allowedDays\":7,\"securityDays\":45}");
        writeHours();
        retention.run(NOW);
        assertThat(searched(account, OLDER)).as("50 days old: past 45").isEmpty();
        assertThat(searched(account, OLD)).hasSize(3);
        assertThat(settings.remove(account)).isTrue();
        assertThat(settings.of(account)).isEqualTo(new Retention(30, 365));
    }

    @Test
    void deletingAnAccountsLogTakesItsVerdictsRollUpsAndRetentionAndNothingOfAnothers() throws Exception {
        writeHours();
        settings.set(account, new Retention(20, 400));
        retention.run(NOW);
        Map<String, String> othersBefore = new TreeMap<>(state());
        othersBefore.keySet().removeIf(path -> !path.contains(other.toString()));
        long held = count(files.account(account)) + count(files.rollupAccount(account)) + 1;

        assertThat(retention.deleteAccount(account, Duration.ofSeconds(5))).hasValue(held);

        assertThat(files.account(account)).doesNotExist();
        assertThat(files.rollupAccount(account)).doesNotExist();
        assertThat(files.retention(account)).doesNotExist();
        assertThat(searched(account, RECENT)).isEmpty();
        Map<String, String> othersAfter = new TreeMap<>(state());
        othersAfter.keySet().removeIf(path -> !path.contains(other.toString()));
        assertThat(othersAfter).isEqualTo(othersBefore);
        assertThat(retention.deleteAccount(account, Duration.ofSeconds(5))).as("nothing left").hasValue(0);

        write(0, allowed(account, RECENT, "after.example", null));
        assertThat(searched(account, RECENT)).as("verdicts after the deletion are logged as usual").containsExactly("ALLOWED after.example");
    }

    private static long count(Path tree) throws Exception {
        try (Stream<Path> walk = Files.walk(tree)) {
            return walk.filter(Files::isRegularFile).count();
        }
    }

    @Test
    void anAccountWhoseRetentionFileIsDamagedIsLeftAsItIsAndTheOthersStillHaveTheirs() throws Exception {
        writeHours();
        Files.writeString(files.retention(other), "{\"allowedDays\":0}");
        Path operators = files.table().resolve("account=not-a-uuid/date=2020-01-01/hour=00/notes.txt");
        Files.createDirectories(operators.getParent());
        Files.writeString(operators, "an operator's");
        Map<String, String> othersBefore = new TreeMap<>(state());
        othersBefore.keySet().removeIf(path -> !path.contains(other.toString()));

        QueryLogRetention.Report report = retention.run(NOW);

        assertThat(report.accountsFailed()).isEqualTo(1);
        assertThat(report.hoursDeleted()).isEqualTo(1);
        Map<String, String> othersAfter = new TreeMap<>(state());
        othersAfter.keySet().removeIf(path -> !path.contains(other.toString()));
        assertThat(othersAfter).isEqualTo(othersBefore);
        assertThat(operators).as("a directory that is not the log's").exists();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> settings.of(other)).hasMessageContaining("damaged");
    }

    @Test
    void aSearchWhileTheAccountsLogIsDeletedAnswersWithoutAnError() throws Exception {
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread searcher = new Thread(() -> {
            while (!done.get()) {
                try {
                    searched(account, RECENT);
                } catch (Throwable e) {
                    failure.set(e);
                    return;
                }
            }
        });
        searcher.start();
        try {
            for (int i = 0; i < 40 && failure.get() == null; i++) {
                List<Object> verdicts = new ArrayList<>();
                for (int j = 0; j < 20; j++) {
                    verdicts.add(allowed(account, RECENT.plusSeconds(j), "n" + j + ".example", null));
                }
                write(i % 4, verdicts.toArray());
                retention.deleteAccount(account, Duration.ofSeconds(5));
            }
        } finally {
            done.set(true);
            searcher.join();
        }
        assertThat(failure.get()).isNull();
    }
}
