package dev.parapet.diagnostics.querylog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.parapet.diagnostics.querylog.RetentionDecisions.Step;

/**
 * Applies each account's {@link Retention} to its query log, hour by hour ({@link RetentionDecisions}), and
 * deletes an account's log on request. Whoever acts on an account holds the lock in the log's root
 * ({@code _retention/lock}), so one instance at a time does, and a deletion never meets a roll-up.
 * <p>
 * Rolling up a detail file {@code F} of an hour (a committed batch's file; see {@link QueryLogFiles}):
 * <ol>
 * <li>its {@code ALLOWED} rows are counted into {@code rollups/…/hour=hh/.F.tmp}, renamed {@code .F.pending}
 * once whole;</li>
 * <li>{@code F} is rewritten without its {@code ALLOWED} rows (into {@code .F.rewrite}, renamed over
 * {@code F}: the same name, so the writer's exactly-once reasoning about names and offsets holds);</li>
 * <li>{@code .F.pending} is renamed {@code F}: the roll-up is in place and says {@code F} is done.</li>
 * </ol>
 * After a crash anywhere, a run does again only what is left: a {@code .pending} roll-up is never counted
 * again (its detail file is rewritten, which is harmless if it already was, then it is renamed), a
 * {@code .tmp} one is counted again from the untouched detail file. The hidden names keep unfinished files
 * out of every reader's {@code *.parquet}, Trino's and Hive's included.
 * <p>
 * Compacting an hour's small files, once the hour is {@link #COMPACT_AFTER} over: the writer makes a file per batch,
 * partition and hour (several a minute), which a search must open one by one. Each partition's committed files of the
 * hour are copied, rows in their order, into {@code .compact-P-A-B.parquet.tmp} (A the first of their first offsets,
 * B the last of their last), whose row count is checked against theirs, renamed {@code P-A-B.parquet}, and then they
 * are deleted. The new file covers their offsets, so the writer's reasoning about names and offsets holds (it is
 * committed; it is never uncommitted), and until they are gone, or after a crash before that, readers skip a file a
 * larger one of its partition covers ({@link QueryLogFiles#readable}); the next run deletes them. A late verdict's
 * file that comes after is simply compacted by a later run.
 */
public final class QueryLogRetention implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(QueryLogRetention.class);
    /** How long a run waits for an account another instance (or a deletion) is busy with before it passes on. */
    static final Duration RUN_WAIT = Duration.ofSeconds(1);
    /** How long after its end an hour's files are compacted: past the writer's delay, so that few late files follow. */
    static final Duration COMPACT_AFTER = Duration.ofMinutes(15);

    /** What a run did. */
    public record Report(int accounts, int hoursDeleted, int filesRolledUp, int accountsBusy, int accountsFailed, int filesCompacted) {
    }

    private record Hour(LocalDate date, int hour) implements Comparable<Hour> {
        @Override
        public int compareTo(Hour other) {
            int byDate = date.compareTo(other.date);
            return byDate != 0 ? byDate : Integer.compare(hour, other.hour);
        }
    }

    private final QueryLogFiles files;
    private final RetentionSettings settings;
    /** Within this instance; the file lock is between instances (a JVM may not hold the same file lock twice). */
    private final ReentrantLock local = new ReentrantLock();
    /** Opened at the first roll-up; used under {@link #local} only. */
    private DuckDBConnection duck;
    private boolean closed;

    public QueryLogRetention(QueryLogFiles files, RetentionSettings settings) {
        this.files = files;
        this.settings = settings;
    }

    /** Applies every account's retention as of {@code now}. */
    public Report run(Instant now) {
        int accounts = 0;
        int deleted = 0;
        int rolledUp = 0;
        int busy = 0;
        int failed = 0;
        int compacted = 0;
        for (UUID account : accounts()) {
            accounts++;
            try {
                Optional<int[]> done = exclusively(RUN_WAIT, () -> apply(account, now));
                if (done.isEmpty()) {
                    busy++;
                } else {
                    deleted += done.get()[0];
                    rolledUp += done.get()[1];
                    compacted += done.get()[2];
                }
            } catch (RuntimeException e) {
                // One account's damaged file does not keep retention from the others; the next run tries again.
                failed++;
                LOG.warn("Query log retention failed for account {}", account, e);
            }
        }
        return new Report(accounts, deleted, rolledUp, busy, failed, compacted);
    }

    /**
     * Deletes everything the log holds of the account: its verdicts, roll-ups and own retention.
     *
     * @return how many files were deleted, or empty if the lock was not had within {@code wait}
     */
    public OptionalLong deleteAccount(UUID account, Duration wait) {
        Optional<Long> deleted = exclusively(wait, () -> deleteTree(files.account(account)) + deleteTree(files.rollupAccount(account))
                + deleteTree(files.identities(account)) + (settings.remove(account) ? 1 : 0));
        return deleted.map(OptionalLong::of).orElse(OptionalLong.empty());
    }

    /** The hours deleted, the detail files rolled up and the small files compacted. */
    private int[] apply(UUID account, Instant now) {
        Retention retention = settings.of(account);
        Map<Integer, PartitionLog.State> commits = new HashMap<>();
        int deleted = 0;
        int rolledUp = 0;
        int compacted = 0;
        for (Hour hour : hours(account)) {
            Instant end = hour.date().atTime(hour.hour(), 0).toInstant(java.time.ZoneOffset.UTC).plus(Duration.ofHours(1));
            if (end.plus(COMPACT_AFTER).isBefore(now)) {
                compacted += compact(files.hour(account, hour.date(), hour.hour()), commits);
            }
            List<Path> committed = committed(files.hour(account, hour.date(), hour.hour()), commits);
            Path rollups = files.rollupHour(account, hour.date(), hour.hour());
            boolean done = committed.stream().allMatch(file -> Files.exists(rollups.resolve(file.getFileName())));
            Step step = RetentionDecisions.decide(now, hour.date(), hour.hour(), retention, done);
            if (step == Step.DELETE) {
                deleteTree(files.hour(account, hour.date(), hour.hour()));
                deleteTree(rollups);
                deleteIfEmpty(files.date(account, hour.date()));
                deleteIfEmpty(rollups.getParent());
                deleted++;
            } else if (step == Step.ROLL_UP) {
                for (Path file : committed) {
                    if (!Files.exists(rollups.resolve(file.getFileName()))) {
                        rollUp(file, rollups);
                        rolledUp++;
                    }
                }
            }
        }
        return new int[] {deleted, rolledUp, compacted};
    }

    /** The class comment's compaction of one hour; the files merged. */
    private int compact(Path hour, Map<Integer, PartitionLog.State> commits) {
        List<Path> committed = files.committed(hour, commits);
        if (committed.isEmpty()) {
            return 0;
        }
        try {
            // What a compaction that stopped left: inputs it had replaced, and a copy it had not finished.
            List<Path> superseded = QueryLogFiles.superseded(committed);
            for (Path leftover : superseded) {
                Files.deleteIfExists(leftover);
            }
            committed.removeAll(superseded);
            try (DirectoryStream<Path> unfinished = Files.newDirectoryStream(hour, ".compact-*.tmp")) {
                for (Path file : unfinished) {
                    Files.deleteIfExists(file);
                }
            }
            Map<Integer, List<Path>> byPartition = new java.util.TreeMap<>();
            for (Path file : committed) {
                QueryLogFiles.Batch batch = QueryLogFiles.Batch.of(file.getFileName().toString()).orElseThrow();
                byPartition.computeIfAbsent(batch.partition(), p -> new ArrayList<>()).add(file);
            }
            int merged = 0;
            for (Map.Entry<Integer, List<Path>> partition : byPartition.entrySet()) {
                List<Path> inputs = partition.getValue();
                if (inputs.size() < 2) {
                    continue;
                }
                long first = Long.MAX_VALUE;
                long last = -1;
                for (Path input : inputs) {
                    QueryLogFiles.Batch batch = QueryLogFiles.Batch.of(input.getFileName().toString()).orElseThrow();
                    first = Math.min(first, batch.first());
                    last = Math.max(last, batch.last());
                }
                // Named with the epoch current now: its window reaches past every input, which are all committed, for good.
                int epoch = commits.computeIfAbsent(partition.getKey(), files::state).current();
                QueryLogFiles.Batch covering = new QueryLogFiles.Batch(partition.getKey(), first, last, epoch);
                Path temporary = hour.resolve(".compact-" + covering.fileName() + ".tmp");
                // Paths made of the root, a UUID, a date, an hour and batches' numbers: no text from outside.
                String sources = "read_parquet([" + inputs.stream().map(input -> QueryLogWriter.literal(input.toString()))
                        .collect(java.util.stream.Collectors.joining(", ")) + "], hive_partitioning = false)";
                execute("COPY (SELECT * FROM " + sources + ") TO " + QueryLogWriter.literal(temporary.toString())
                        + " (FORMAT parquet, COMPRESSION zstd)");
                long expected = count(sources);
                long copied = count("read_parquet(" + QueryLogWriter.literal(temporary.toString()) + ", hive_partitioning = false)");
                if (copied != expected) {
                    Files.deleteIfExists(temporary);
                    throw new IllegalStateException("compacting " + hour + " copied " + copied + " of " + expected + " rows");
                }
                Files.move(temporary, hour.resolve(covering.fileName()), StandardCopyOption.ATOMIC_MOVE);
                for (Path input : inputs) {
                    Files.deleteIfExists(input);
                }
                merged += inputs.size();
            }
            return merged;
        } catch (NoSuchFileException gone) {
            return 0;   // the hour was deleted meanwhile (an account's deletion holds the same lock: an operator's hand)
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The three steps of the class's comment, each skipped if a run before did it. */
    private void rollUp(Path file, Path rollups) {
        String name = file.getFileName().toString();
        Path writing = rollups.resolve("." + name + ".tmp");
        Path pending = rollups.resolve("." + name + ".pending");
        Path rewriting = file.resolveSibling("." + name + ".rewrite");
        // Paths made of the root, a UUID, a date, an hour and a batch's numbers: no text from outside.
        String source = "read_parquet(" + QueryLogWriter.literal(file.toString()) + ", hive_partitioning = false)";
        try {
            Files.createDirectories(rollups);
            if (!Files.exists(pending)) {
                execute("COPY (SELECT query_name, query_type, location_id, action, count(*) AS count FROM " + source
                        + " WHERE action = 'ALLOWED' GROUP BY ALL ORDER BY ALL) TO " + QueryLogWriter.literal(writing.toString())
                        + " (FORMAT parquet, COMPRESSION zstd)");
                Files.move(writing, pending, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            execute("COPY (SELECT * FROM " + source + " WHERE action <> 'ALLOWED') TO " + QueryLogWriter.literal(rewriting.toString())
                    + " (FORMAT parquet, COMPRESSION zstd)");
            Files.move(rewriting, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Files.move(pending, rollups.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void execute(String sql) {
        try (Statement statement = duck().createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("The query log's retention could not rewrite a file", e);
        }
    }

    private long count(String source) {
        try (Statement statement = duck().createStatement();
             java.sql.ResultSet rows = statement.executeQuery("SELECT count(*) FROM " + source)) {
            rows.next();
            return rows.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException("The query log's retention could not count a file's rows", e);
        }
    }

    /** Opened at the first use; one file at a time, like the writer: bounded, and off the service's heap. */
    private DuckDBConnection duck() throws SQLException {
        if (duck == null) {
            if (closed) {
                throw new IllegalStateException("The query log's retention is closed");
            }
            duck = QueryLogWriter.bounded("128MB", 1);
        }
        return duck;
    }

    /**
     * The hour's files of whole batches not superseded by a compacted one, the only ones retention touches (a batch being
     * written is its writer's).
     */
    private List<Path> committed(Path hour, Map<Integer, PartitionLog.State> commits) {
        return files.readable(hour, commits);
    }

    /** The accounts with verdicts or roll-ups. */
    private List<UUID> accounts() {
        TreeSet<UUID> accounts = new TreeSet<>();
        for (Path table : List.of(files.table(), files.rollups())) {
            for (Path directory : directories(table, "account=")) {
                parse(() -> UUID.fromString(value(directory))).ifPresent(accounts::add);
            }
        }
        return List.copyOf(accounts);
    }

    /** The account's hours with verdicts or roll-ups, oldest first. */
    private List<Hour> hours(UUID account) {
        TreeSet<Hour> hours = new TreeSet<>();
        for (Path table : List.of(files.account(account), files.rollupAccount(account))) {
            for (Path date : directories(table, "date=")) {
                Optional<LocalDate> day = parse(() -> LocalDate.parse(value(date)));
                for (Path hour : day.isEmpty() ? List.<Path>of() : directories(date, "hour=")) {
                    parse(() -> Integer.parseInt(value(hour))).filter(h -> h >= 0 && h <= 23).filter(h -> value(hour).length() == 2)
                            .ifPresent(h -> hours.add(new Hour(day.get(), h)));
                }
            }
        }
        return List.copyOf(hours);
    }

    private static String value(Path directory) {
        String name = directory.getFileName().toString();
        return name.substring(name.indexOf('=') + 1);
    }

    /** A directory's name that is not the log's (an operator's) is left alone. */
    private static <T> Optional<T> parse(Supplier<T> parser) {
        try {
            return Optional.of(parser.get());
        } catch (IllegalArgumentException | DateTimeParseException notOurs) {
            return Optional.empty();
        }
    }

    private static List<Path> directories(Path parent, String prefix) {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> listing = Files.newDirectoryStream(parent, prefix + "*")) {
            for (Path path : listing) {
                if (Files.isDirectory(path)) {
                    found.add(path);
                }
            }
        } catch (NoSuchFileException none) {
            // nothing there (yet, or any more)
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    /**
     * Deletes the tree, counting its files. A directory the writer put a new file in meanwhile (a verdict
     * that arrived after the deletion began) is left with that file: it is logged as usual.
     */
    private static long deleteTree(Path tree) {
        if (!Files.exists(tree)) {
            return 0;
        }
        long[] deleted = {0};
        try {
            Files.walkFileTree(tree, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    if (Files.deleteIfExists(file)) {
                        deleted[0]++;
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException failure) throws IOException {
                    if (failure instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw failure;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path directory, IOException failure) throws IOException {
                    if (failure != null && !(failure instanceof NoSuchFileException)) {
                        throw failure;
                    }
                    deleteIfEmpty(directory);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return deleted[0];
    }

    private static void deleteIfEmpty(Path directory) {
        try {
            Files.deleteIfExists(directory);
        } catch (DirectoryNotEmptyException stillUsed) {
            // other hours of the day, or a file written meanwhile
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs the work holding this instance's lock and the root's, or answers empty if they are not had within {@code wait}. */
    private <T> Optional<T> exclusively(Duration wait, Supplier<T> work) {
        long deadline = System.nanoTime() + wait.toNanos();
        try {
            if (!local.tryLock(wait.toNanos(), TimeUnit.NANOSECONDS)) {
                return Optional.empty();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        try {
            Path lockFile = files.retentionLock();
            Files.createDirectories(lockFile.getParent());
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock lock = tryLock(channel);
                while (lock == null) {
                    if (System.nanoTime() - deadline > 0) {
                        return Optional.empty();
                    }
                    Thread.sleep(50);
                    lock = tryLock(channel);
                }
                try {
                    return Optional.of(work.get());
                } finally {
                    lock.release();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } finally {
            local.unlock();
        }
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException heldInThisJvm) {
            return null;   // another instance of the service in the same JVM (tests start two)
        }
    }

    @Override
    public void close() {
        local.lock();
        try {
            closed = true;
            if (duck != null) {
                duck.close();
                duck = null;
            }
        } catch (SQLException ignored) {
            // closing
        } finally {
            local.unlock();
        }
    }
}
