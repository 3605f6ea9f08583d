package dev.parapet.diagnostics.querylog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The query log's files: where each hour of an account's verdicts lies, what a file's name says, and
 * which batches are committed.
 * <pre>
 * &lt;root&gt;/verdicts/account=&lt;uuid&gt;/date=&lt;yyyy-mm-dd&gt;/hour=&lt;hh&gt;/&lt;partition&gt;-&lt;first offset&gt;-&lt;last offset&gt;.parquet
 * &lt;root&gt;/_commits/partition-&lt;partition&gt;     the last offset of the partition's last whole batch
 * &lt;root&gt;/rollups/account=&lt;uuid&gt;/date=&lt;yyyy-mm-dd&gt;/hour=&lt;hh&gt;/&lt;detail file's name&gt;   ALLOWED rows counted, once retention rolled them up
 * &lt;root&gt;/_retention/account=&lt;uuid&gt;.json   the account's own retention
 * </pre>
 * The layout is Hive's, which Trino, Spark, DuckDB and ClickHouse read with {@code account}, {@code date}
 * and {@code hour} as columns. A batch of one partition becomes one file per account and hour it holds,
 * each written under a temporary name and renamed, and named with the epoch of its writer's claim on the partition
 * ({@code <partition>-<first>-<last>-e<epoch>.parquet}); once every file of the batch is in place, its writer commits
 * it in the partition's log ({@link PartitionLog}, under {@code _log/}). A file counts only if its epoch's window holds
 * its last offset: a batch cut off before its commit, and a batch of a writer that another has fenced by claiming the
 * partition, never count, so a verdict is in the log exactly once whatever the crash, with no lock between instances.
 * {@link #removeUncommitted} deletes what never will count. Files named without an epoch, and the one-line commit files
 * {@code _commits/partition-<p>}, are those of a log written before epochs: they are epoch 0.
 */
public final class QueryLogFiles {

    private static final Pattern FILE = Pattern.compile("(\\d{1,9})-(\\d{1,19})-(\\d{1,19})(?:-e(\\d{1,9}))?\\.parquet(\\.tmp)?");

    private final Path root;
    private final PartitionLog log;
    /** The partitions this instance's writer holds, with its claim on each. */
    private final java.util.Map<Integer, PartitionLog.Claim> claims = new java.util.concurrent.ConcurrentHashMap<>();

    public QueryLogFiles(Path root) {
        this.root = root.toAbsolutePath().normalize();
        this.log = new PartitionLog(new DirectoryObjectStore(this.root));
    }

    public Path root() {
        return root;
    }

    public Path table() {
        return root.resolve("verdicts");
    }

    /** The account's directory (which may not exist yet). */
    public Path account(UUID account) {
        return table().resolve("account=" + account);
    }

    public Path date(UUID account, LocalDate date) {
        return account(account).resolve("date=" + date);
    }

    public Path hour(UUID account, LocalDate date, int hour) {
        if (hour < 0 || hour > 23) {
            throw new IllegalArgumentException("hour " + hour);
        }
        return date(account, date).resolve("hour=" + String.format("%02d", hour));
    }

    /** Where hours of ALLOWED queries past their detail retention are kept as counts, in the same layout. */
    public Path rollups() {
        return root.resolve("rollups");
    }

    public Path rollupAccount(UUID account) {
        return rollups().resolve("account=" + account);
    }

    public Path rollupHour(UUID account, LocalDate date, int hour) {
        return rollups().resolve(table().relativize(hour(account, date, hour)));
    }

    /** The account's own retention, if it set one (see {@link RetentionSettings}). */
    public Path retention(UUID account) {
        return root.resolve("_retention").resolve("account=" + account + ".json");
    }

    /** Whether the account asks for pseudonyms (see {@link QueryLogPrivacy}). */
    public Path privacy(UUID account) {
        return root.resolve("_privacy").resolve("account=" + account + ".json");
    }

    /** The sealed identities behind the account's pseudonyms, one file per batch that had new ones. */
    public Path identities(UUID account) {
        return root.resolve("identities").resolve("account=" + account);
    }

    /** Held by whoever applies retention to, or deletes, an account's files. */
    Path retentionLock() {
        return root.resolve("_retention").resolve("lock");
    }

    /** The batch {@code [first, last]} of a partition, written in an epoch of the partition's log (0: before epochs). */
    public record Batch(int partition, long first, long last, int epoch) {

        public Batch {
            if (partition < 0 || first < 0 || last < first || epoch < 0) {
                throw new IllegalArgumentException("batch " + partition + " " + first + "-" + last + " e" + epoch);
            }
        }

        /** A batch whose epoch its writer's claim will give ({@link QueryLogWriter#write}). */
        public Batch(int partition, long first, long last) {
            this(partition, first, last, 0);
        }

        Batch inEpoch(int epoch) {
            return new Batch(partition, first, last, epoch);
        }

        public String fileName() {
            return partition + "-" + first + "-" + last + (epoch == 0 ? "" : "-e" + epoch) + ".parquet";
        }

        /** The batch a file's name names, if it is one of the log's (finished or temporary). */
        static Optional<Batch> of(String fileName) {
            Matcher matcher = FILE.matcher(fileName);
            if (!matcher.matches()) {
                return Optional.empty();
            }
            try {
                return Optional.of(new Batch(Integer.parseInt(matcher.group(1)), Long.parseLong(matcher.group(2)),
                        Long.parseLong(matcher.group(3)), matcher.group(4) == null ? 0 : Integer.parseInt(matcher.group(4))));
            } catch (IllegalArgumentException tooLarge) {
                return Optional.empty();
            }
        }
    }

    /**
     * Claims the partition for this instance's writer, in a new epoch: a writer that held it before is fenced (its
     * next commit fails, and what it writes from then on never counts).
     */
    public PartitionLog.Claim claim(int partition) {
        PartitionLog.Claim claim = log.claim(partition);
        claims.put(partition, claim);
        return claim;
    }

    /** This instance's claim on the partition, made now if it holds none (a writer writing a partition first). */
    PartitionLog.Claim claimed(int partition) {
        return claims.computeIfAbsent(partition, log::claim);
    }

    /** Forgets this instance's claim on the partition (Kafka gave it to another). */
    public void release(int partition) {
        claims.remove(partition);
    }

    /** The partition's state: its epochs and how far it is committed. */
    PartitionLog.State state(int partition) {
        return log.read(partition);
    }

    /** The last offset of the partition's last whole batch, if any batch was written. */
    public OptionalLong committed(int partition) {
        return log.read(partition).committedOffset();
    }

    /**
     * Records the batch as whole: written after every file of it is in place.
     *
     * @throws PartitionLog.Fenced if another writer has claimed the partition since this one did
     */
    public void commit(Batch batch) {
        PartitionLog.Claim claim = claims.get(batch.partition());
        if (claim == null || claim.epoch() != batch.epoch()) {
            throw new PartitionLog.Fenced(batch.partition(), batch.epoch());
        }
        if (batch.first() <= claim.committed()) {
            // Offsets already committed would be in the log twice.
            throw new IllegalArgumentException(batch + " begins at or before the committed offset " + claim.committed());
        }
        try {
            claims.put(batch.partition(), log.commit(claim, batch.last()));
        } catch (PartitionLog.Fenced fenced) {
            claims.remove(batch.partition(), claim);
            throw fenced;
        }
    }

    /**
     * Replaces a small file of the log's own (an account's settings) whole: written under a name of its
     * own, then renamed over it, so a reader sees the old content or the new, and of two instances writing at once
     * the last rename wins whole.
     */
    static void replace(Path file, String content) {
        Path temporary = file.resolveSibling(file.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(temporary, content, StandardCharsets.UTF_8);
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Whether the file is part of a whole batch (committed), so that a search may read it.
     *
     * @param commits the commits read so far (by partition), read once per search
     */
    public boolean isCommitted(Path file, java.util.Map<Integer, PartitionLog.State> commits) {
        Optional<Batch> batch = Batch.of(file.getFileName().toString());
        if (batch.isEmpty() || file.getFileName().toString().endsWith(".tmp")) {
            return false;
        }
        return commits.computeIfAbsent(batch.get().partition(), log::read).counts(batch.get().epoch(), batch.get().last());
    }

    /**
     * The files of an hour a reader reads, sorted: the committed ones, less those a compacted file of the same partition
     * covers (left for a moment by a compaction between its rename and its deletions, or by one that stopped there).
     *
     * @param commits the commits read so far (by partition)
     */
    public List<Path> readable(Path hour, java.util.Map<Integer, PartitionLog.State> commits) {
        List<Path> committed = committed(hour, commits);
        committed.removeAll(superseded(committed));
        return committed;
    }

    /** The hour's committed files, sorted (none if the hour is gone). */
    List<Path> committed(Path hour, java.util.Map<Integer, PartitionLog.State> commits) {
        List<Path> committed = new ArrayList<>();
        try (java.nio.file.DirectoryStream<Path> listing = Files.newDirectoryStream(hour, "*.parquet")) {
            for (Path file : listing) {
                if (isCommitted(file, commits)) {
                    committed.add(file);
                }
            }
        } catch (NoSuchFileException none) {
            // no such hour, or removed meanwhile
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        committed.sort(null);
        return committed;
    }

    /**
     * Of these files (one hour's), those whose batch another file of the same partition covers: a compaction's inputs.
     * Each name is read once; in order of partition, then first offset, then last offset from the largest, a file is
     * covered exactly when one before it in its partition reaches at least as far.
     */
    static List<Path> superseded(List<Path> files) {
        record Named(Path file, Batch batch) {
        }
        List<Named> named = new ArrayList<>(files.size());
        for (Path file : files) {
            named.add(new Named(file, Batch.of(file.getFileName().toString()).orElseThrow()));
        }
        named.sort(java.util.Comparator.comparingInt((Named n) -> n.batch().partition()).thenComparingLong(n -> n.batch().first())
                .thenComparing(java.util.Comparator.comparingLong((Named n) -> n.batch().last()).reversed()));
        List<Path> superseded = new ArrayList<>();
        int partition = -1;
        long reach = -1;
        for (Named each : named) {
            if (each.batch().partition() != partition) {
                partition = each.batch().partition();
                reach = -1;
            }
            if (each.batch().last() <= reach) {
                superseded.add(each.file());
            } else {
                reach = each.batch().last();
            }
        }
        return superseded;
    }

    /**
     * Deletes what will never count of these partitions' files: those of an epoch that ended without them (a batch cut
     * off before its commit, a fenced writer's), temporary ones among them, and, where this instance holds the current
     * epoch, its own uncommitted ones (a batch that failed before its commit, to be written again). Other partitions'
     * files, and the current epoch's when another instance holds it, are left alone.
     *
     * @return the files deleted
     */
    public List<Path> removeUncommitted(Set<Integer> partitions) {
        List<Path> removed = new ArrayList<>();
        java.util.Map<Integer, PartitionLog.State> states = new java.util.HashMap<>();
        if (!Files.isDirectory(table())) {
            return removed;
        }
        try {
            // Other instances write and rename their own files meanwhile: an entry gone by the time it is looked at is skipped.
            Files.walkFileTree(table(), java.util.EnumSet.noneOf(java.nio.file.FileVisitOption.class), 4, new java.nio.file.SimpleFileVisitor<>() {
                @Override
                public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes attributes) throws IOException {
                    Optional<Batch> batch = Batch.of(file.getFileName().toString());
                    if (batch.isPresent() && partitions.contains(batch.get().partition()) && willNeverCount(batch.get(), file, states)) {
                        Files.deleteIfExists(file);
                        removed.add(file);
                    }
                    return java.nio.file.FileVisitResult.CONTINUE;
                }

                @Override
                public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException failure) throws IOException {
                    if (failure instanceof NoSuchFileException) {
                        return java.nio.file.FileVisitResult.CONTINUE;
                    }
                    throw failure;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return removed;
    }

    private boolean willNeverCount(Batch batch, Path file, java.util.Map<Integer, PartitionLog.State> states) {
        PartitionLog.State state = states.computeIfAbsent(batch.partition(), log::read);
        PartitionLog.Claim ours = claims.get(batch.partition());
        boolean oursIsCurrent = ours != null && ours.epoch() == state.current() && ours.id().equals(state.epochs().get(state.current()).claimId());
        boolean temporary = file.getFileName().toString().endsWith(".tmp");
        if (batch.epoch() < state.current() || batch.epoch() == state.current() && oursIsCurrent) {
            return temporary || !state.counts(batch.epoch(), batch.last());
        }
        return false;   // the current epoch of another writer, or a newer epoch than the state read: theirs
    }
}
