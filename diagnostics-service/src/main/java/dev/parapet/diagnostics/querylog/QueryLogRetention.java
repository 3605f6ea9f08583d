package dev.parapet.diagnostics.querylog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.parapet.diagnostics.querylog.RetentionDecisions.Step;

/**
 * Applies each account's {@link Retention} to its query log, hour by hour ({@link RetentionDecisions}), and
 * deletes an account's log on request. Whoever acts on an account holds the root's {@code _retention/lock}
 * ({@link ObjectStore#tryHold}: a file lock in a directory, a lease on an object store), so one instance at a time
 * does, and a deletion never meets a roll-up; each change is made only after checking the hold is still had.
 * <p>
 * Rolling up a detail object {@code F} of an hour (a committed batch's; see {@link QueryLogFiles}):
 * <ol>
 * <li>its {@code ALLOWED} rows are counted into {@code rollups/…/hour=hh/.F.pending}, written whole;</li>
 * <li>{@code F} is rewritten without its {@code ALLOWED} rows (the same name, so the writer's exactly-once reasoning
 * about names and offsets holds);</li>
 * <li>{@code .F.pending} is moved to {@code F}: the roll-up is in place and says {@code F} is done.</li>
 * </ol>
 * After a crash anywhere, a run does again only what is left: a {@code .pending} roll-up is never counted
 * again (its detail object is rewritten, which is harmless if it already was, then it is moved), and a roll-up not yet
 * pending is counted again from the untouched detail. Readers read {@code *.parquet} names only, Trino's and Hive's
 * included, so a {@code .pending} one is never read.
 * <p>
 * Compacting an hour's small objects, once the hour is {@link #COMPACT_AFTER} over: the writer makes one per batch,
 * partition and hour (several a minute), which a search must open one by one. Each partition's committed objects of the
 * hour are copied, rows in their order, into one whose row count is checked against theirs, written as
 * {@code P-A-B-eE.parquet} (A the first of their first offsets, B the last of their last, E the epoch of the input that
 * ends at B, which committed B and so holds it in its window for good), and then they are deleted. Until they are gone, or after a crash before
 * that, readers skip an object a larger one of its partition covers ({@link QueryLogFiles#readable}); the next run
 * deletes them. A late verdict's object that comes after is simply compacted by a later run. Objects that will never
 * count (a crashed or fenced writer's, of an epoch that ended without them) are deleted as they are met.
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
    private final ObjectStore store;
    private final RetentionSettings settings;
    /** Within this instance; the root's hold is between instances (a JVM may not hold the same file lock twice). */
    private final ReentrantLock local = new ReentrantLock();
    /** Opened at the first roll-up; used under {@link #local} only. */
    private DuckDBConnection duck;
    private boolean closed;

    public QueryLogRetention(QueryLogFiles files, RetentionSettings settings) {
        this.files = files;
        this.store = files.store();
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
                Optional<int[]> done = exclusively(RUN_WAIT, hold -> apply(account, now, hold));
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
     * Deletes everything the log holds of the account: its verdicts, roll-ups, identities and own retention, and this
     * instance's local copies of them.
     *
     * @return how many objects were deleted, or empty if the hold was not had within {@code wait}
     */
    public OptionalLong deleteAccount(UUID account, Duration wait) {
        Optional<Long> deleted = exclusively(wait, hold -> {
            long count = 0;
            for (String prefix : List.of(QueryLogFiles.accountKey(account), QueryLogFiles.rollupAccountKey(account),
                    QueryLogFiles.identitiesKey(account))) {
                hold.check();
                count += store.deleteAll(prefix);
                store.forget(prefix);
            }
            return count + (settings.remove(account) ? 1 : 0);
        });
        return deleted.map(OptionalLong::of).orElse(OptionalLong.empty());
    }

    /** The hours deleted, the detail objects rolled up and the small objects compacted. */
    private int[] apply(UUID account, Instant now, ObjectStore.Hold hold) {
        Retention retention = settings.of(account);
        Map<Integer, PartitionLog.State> commits = new HashMap<>();
        Map<Hour, List<ObjectStore.Listed>> detail = byHour(files.hours(QueryLogFiles.accountKey(account)));
        Map<Hour, List<ObjectStore.Listed>> rolled = byHour(files.hours(QueryLogFiles.rollupAccountKey(account)));
        TreeSet<Hour> hours = new TreeSet<>(detail.keySet());
        hours.addAll(rolled.keySet());
        int deleted = 0;
        int rolledUp = 0;
        int compacted = 0;
        for (Hour hour : hours) {
            List<ObjectStore.Listed> objects = detail.getOrDefault(hour, List.of());
            List<ObjectStore.Listed> rollups = rolled.getOrDefault(hour, List.of());
            String hourKey = QueryLogFiles.hourKey(account, hour.date(), hour.hour());
            Instant end = hour.date().atTime(hour.hour(), 0).toInstant(java.time.ZoneOffset.UTC).plus(Duration.ofHours(1));
            objects = withoutGarbage(objects, commits, hold);
            rollups = withoutLeftovers(rollups, hold);
            if (end.plus(COMPACT_AFTER).isBefore(now)) {
                int merged = compact(objects, commits, hold);
                if (merged > 0) {
                    compacted += merged;
                    objects = store.list(hourKey, null);
                }
            }
            List<ObjectStore.Listed> committed = files.readable(objects, commits);
            Set<String> done = new HashSet<>();
            for (ObjectStore.Listed rollup : rollups) {
                done.add(QueryLogFiles.name(rollup.key()));
            }
            boolean allDone = committed.stream().allMatch(object -> done.contains(QueryLogFiles.name(object.key())));
            Step step = RetentionDecisions.decide(now, hour.date(), hour.hour(), retention, allDone);
            if (step == Step.DELETE) {
                hold.check();
                for (ObjectStore.Listed object : objects) {
                    store.delete(object.key());
                }
                for (ObjectStore.Listed rollup : rollups) {
                    store.delete(rollup.key());
                }
                deleted++;
            } else if (step == Step.ROLL_UP) {
                String rollupHour = QueryLogFiles.rollupHourKey(account, hour.date(), hour.hour());
                for (ObjectStore.Listed object : committed) {
                    if (!done.contains(QueryLogFiles.name(object.key()))) {
                        rollUp(object, rollupHour, done.contains("." + QueryLogFiles.name(object.key()) + ".pending"), hold);
                        rolledUp++;
                    }
                }
            }
        }
        return new int[] {deleted, rolledUp, compacted};
    }

    private static Map<Hour, List<ObjectStore.Listed>> byHour(List<QueryLogFiles.Hour> hours) {
        Map<Hour, List<ObjectStore.Listed>> byHour = new HashMap<>();
        for (QueryLogFiles.Hour hour : hours) {
            byHour.put(new Hour(hour.date(), hour.hour()), hour.objects());
        }
        return byHour;
    }

    /**
     * The hour's objects less those that will never count (a crashed or fenced writer's) and what a run that stopped left
     * (hidden names, but a roll-up's {@code .pending}), which are deleted.
     */
    private List<ObjectStore.Listed> withoutGarbage(List<ObjectStore.Listed> objects, Map<Integer, PartitionLog.State> commits,
                                                    ObjectStore.Hold hold) {
        List<ObjectStore.Listed> kept = new ArrayList<>(objects.size());
        for (ObjectStore.Listed object : withoutLeftovers(objects, hold)) {
            if (files.isGarbage(object.key(), commits)) {
                hold.check();
                store.delete(object.key());
            } else {
                kept.add(object);
            }
        }
        return kept;
    }

    /** The objects less the hidden ones a run that stopped left (a half-written copy), which are deleted; a {@code .pending} roll-up stays. */
    private List<ObjectStore.Listed> withoutLeftovers(List<ObjectStore.Listed> objects, ObjectStore.Hold hold) {
        List<ObjectStore.Listed> kept = new ArrayList<>(objects.size());
        for (ObjectStore.Listed object : objects) {
            String name = QueryLogFiles.name(object.key());
            if (name.startsWith(".") && !name.endsWith(".pending")) {
                hold.check();
                store.delete(object.key());
            } else {
                kept.add(object);
            }
        }
        return kept;
    }

    /** The class comment's compaction of one hour; the objects merged. */
    private int compact(List<ObjectStore.Listed> objects, Map<Integer, PartitionLog.State> commits, ObjectStore.Hold hold) {
        List<ObjectStore.Listed> committed = files.committed(objects, commits);
        if (committed.isEmpty()) {
            return 0;
        }
        // What a compaction that stopped left: inputs it had replaced.
        List<ObjectStore.Listed> superseded = QueryLogFiles.superseded(committed, object -> QueryLogFiles.name(object.key()));
        for (ObjectStore.Listed leftover : superseded) {
            hold.check();
            store.delete(leftover.key());
        }
        committed.removeAll(superseded);
        Map<Integer, List<ObjectStore.Listed>> byPartition = new java.util.TreeMap<>();
        for (ObjectStore.Listed object : committed) {
            QueryLogFiles.Batch batch = QueryLogFiles.Batch.of(QueryLogFiles.name(object.key())).orElseThrow();
            byPartition.computeIfAbsent(batch.partition(), p -> new ArrayList<>()).add(object);
        }
        int merged = 0;
        for (Map.Entry<Integer, List<ObjectStore.Listed>> partition : byPartition.entrySet()) {
            List<ObjectStore.Listed> inputs = partition.getValue();
            if (inputs.size() < 2) {
                continue;
            }
            long first = Long.MAX_VALUE;
            QueryLogFiles.Batch reaching = null;
            for (ObjectStore.Listed input : inputs) {
                QueryLogFiles.Batch batch = QueryLogFiles.Batch.of(QueryLogFiles.name(input.key())).orElseThrow();
                first = Math.min(first, batch.first());
                reaching = reaching == null || batch.last() > reaching.last() ? batch : reaching;
            }
            // Named with the epoch of the input that reaches furthest: it committed that offset, so its window holds it
            // for good (an epoch that committed something is never dropped; PartitionLog).
            QueryLogFiles.Batch covering = new QueryLogFiles.Batch(partition.getKey(), first, reaching.last(), reaching.epoch());
            String hourKey = inputs.get(0).key().substring(0, inputs.get(0).key().lastIndexOf('/') + 1);
            String output = hourKey + covering.fileName();
            List<String> paths = new ArrayList<>();
            try {
                for (Path local : store.local(inputs)) {
                    paths.add(QueryLogWriter.literal(local.toString()));
                }
            } catch (ObjectStore.Vanished gone) {
                return merged;   // the hour changed meanwhile (a deletion on request holds the same hold: an operator's hand)
            }
            Path temporary = store.temporary(output);
            try {
                // Paths the store made (the root, a UUID, a date, an hour and batches' numbers): no text from outside.
                String sources = "read_parquet([" + String.join(", ", paths) + "], hive_partitioning = false)";
                execute("COPY (SELECT * FROM " + sources + ") TO " + QueryLogWriter.literal(temporary.toString())
                        + " (FORMAT parquet, COMPRESSION zstd)");
                long expected = count(sources);
                long copied = count("read_parquet(" + QueryLogWriter.literal(temporary.toString()) + ", hive_partitioning = false)");
                if (copied != expected) {
                    throw new IllegalStateException("compacting " + hourKey + " copied " + copied + " of " + expected + " rows");
                }
                hold.check();
                store.publish(temporary, output);
            } finally {
                deleteQuietly(temporary);
            }
            for (ObjectStore.Listed input : inputs) {
                store.delete(input.key());
            }
            merged += inputs.size();
        }
        return merged;
    }

    /** The three steps of the class's comment, each skipped if a run before did it. */
    private void rollUp(ObjectStore.Listed detail, String rollupHour, boolean pendingThere, ObjectStore.Hold hold) {
        String name = QueryLogFiles.name(detail.key());
        String pending = rollupHour + "." + name + ".pending";
        try {
            if (!pendingThere) {
                Path counted = store.temporary(pending);
                try {
                    // Paths the store made: no text from outside.
                    execute("COPY (SELECT query_name, query_type, location_id, action, count(*) AS count FROM " + source(detail)
                            + " WHERE action = 'ALLOWED' GROUP BY ALL ORDER BY ALL) TO " + QueryLogWriter.literal(counted.toString())
                            + " (FORMAT parquet, COMPRESSION zstd)");
                    hold.check();
                    store.publish(counted, pending);
                } finally {
                    deleteQuietly(counted);
                }
            }
            Path rewritten = store.temporary(detail.key());
            try {
                execute("COPY (SELECT * FROM " + source(detail) + " WHERE action <> 'ALLOWED') TO " + QueryLogWriter.literal(rewritten.toString())
                        + " (FORMAT parquet, COMPRESSION zstd)");
                hold.check();
                store.publish(rewritten, detail.key());
            } finally {
                deleteQuietly(rewritten);
            }
            hold.check();
            store.move(pending, rollupHour + name);
        } catch (ObjectStore.Vanished gone) {
            // deleted meanwhile: nothing left to roll up
        }
    }

    private String source(ObjectStore.Listed detail) throws ObjectStore.Vanished {
        // After the first step, the detail may have been rewritten already (by a run that stopped): its version now is read.
        ObjectStore.Listed now = store.list(detail.key(), null).stream().filter(listed -> listed.key().equals(detail.key())).findFirst()
                .orElseThrow(() -> new ObjectStore.Vanished(detail.key()));
        return "read_parquet(" + QueryLogWriter.literal(store.local(now).toString()) + ", hive_partitioning = false)";
    }

    private static void deleteQuietly(Path temporary) {
        try {
            Files.deleteIfExists(temporary);
        } catch (IOException ignored) {
            // the store's work directory is swept
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

    /** The accounts with verdicts or roll-ups. */
    private List<UUID> accounts() {
        TreeSet<UUID> accounts = new TreeSet<>();
        for (String table : List.of("verdicts/", "rollups/")) {
            for (String child : store.children(table)) {
                if (child.startsWith("account=")) {
                    try {
                        accounts.add(UUID.fromString(child.substring("account=".length())));
                    } catch (IllegalArgumentException notOurs) {
                        // an operator's
                    }
                }
            }
        }
        return List.copyOf(accounts);
    }

    /** Runs the work holding this instance's lock and the root's, or answers empty if they are not had within {@code wait}. */
    private <T> Optional<T> exclusively(Duration wait, java.util.function.Function<ObjectStore.Hold, T> work) {
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
            Optional<ObjectStore.Hold> held = store.tryHold(QueryLogFiles.RETENTION_LOCK,
                    Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            if (held.isEmpty()) {
                return Optional.empty();
            }
            try (ObjectStore.Hold hold = held.get()) {
                return Optional.of(work.apply(hold));
            }
        } finally {
            local.unlock();
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
