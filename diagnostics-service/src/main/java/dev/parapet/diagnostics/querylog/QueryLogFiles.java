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
 * each written under a temporary name and renamed; once every file of the batch is in place its last
 * offset is written to the partition's commit file (also by rename). A file whose first offset lies past
 * the committed offset belongs to a batch that was not finished: {@link #removeUncommitted} deletes it
 * before the batch is written again, so a verdict is in the log exactly once whatever the crash.
 */
public final class QueryLogFiles {

    private static final Pattern FILE = Pattern.compile("(\\d{1,9})-(\\d{1,19})-(\\d{1,19})\\.parquet(\\.tmp)?");

    private final Path root;

    public QueryLogFiles(Path root) {
        this.root = root.toAbsolutePath().normalize();
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

    /** The batch {@code [first, last]} of a partition. */
    public record Batch(int partition, long first, long last) {

        public Batch {
            if (partition < 0 || first < 0 || last < first) {
                throw new IllegalArgumentException("batch " + partition + " " + first + "-" + last);
            }
        }

        public String fileName() {
            return partition + "-" + first + "-" + last + ".parquet";
        }

        /** The batch a file's name names, if it is one of the log's (finished or temporary). */
        static Optional<Batch> of(String fileName) {
            Matcher matcher = FILE.matcher(fileName);
            if (!matcher.matches()) {
                return Optional.empty();
            }
            try {
                return Optional.of(new Batch(Integer.parseInt(matcher.group(1)), Long.parseLong(matcher.group(2)),
                        Long.parseLong(matcher.group(3))));
            } catch (IllegalArgumentException tooLarge) {
                return Optional.empty();
            }
        }
    }

    private Path commitFile(int partition) {
        return root.resolve("_commits").resolve("partition-" + partition);
    }

    /** The last offset of the partition's last whole batch, if any batch was written. */
    public OptionalLong committed(int partition) {
        try {
            String text = Files.readString(commitFile(partition), StandardCharsets.US_ASCII).strip();
            return OptionalLong.of(Long.parseLong(text));
        } catch (NoSuchFileException none) {
            return OptionalLong.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("The query log's commit file " + commitFile(partition) + " is damaged", e);
        }
    }

    /** Records the batch as whole: written after every file of it is in place. */
    public void commit(Batch batch) {
        replace(commitFile(batch.partition()), Long.toString(batch.last()));
    }

    /**
     * Replaces a small file of the log's own (a commit, an account's settings) whole: written under a name of its
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
    public boolean isCommitted(Path file, java.util.Map<Integer, OptionalLong> commits) {
        Optional<Batch> batch = Batch.of(file.getFileName().toString());
        if (batch.isEmpty() || file.getFileName().toString().endsWith(".tmp")) {
            return false;
        }
        OptionalLong committed = commits.computeIfAbsent(batch.get().partition(), this::committed);
        return committed.isPresent() && batch.get().last() <= committed.getAsLong();
    }

    /**
     * The files of an hour a reader reads, sorted: the committed ones, less those a compacted file of the same partition
     * covers (left for a moment by a compaction between its rename and its deletions, or by one that stopped there).
     *
     * @param commits the commits read so far (by partition)
     */
    public List<Path> readable(Path hour, java.util.Map<Integer, OptionalLong> commits) {
        List<Path> committed = committed(hour, commits);
        committed.removeAll(superseded(committed));
        return committed;
    }

    /** The hour's committed files, sorted (none if the hour is gone). */
    List<Path> committed(Path hour, java.util.Map<Integer, OptionalLong> commits) {
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
     * A lock on the partition's part of the log, held by the one writer it is assigned to: a writer that lost
     * the partition without knowing it yet (a stalled write) keeps it until it finds out, and the new owner
     * waits for it before it removes unfinished batches, so the two never write the same partition at once.
     * Works across instances where the shared file system honours locks (a local volume, NFSv4).
     *
     * @return the lock, or empty if another holds it
     */
    public Optional<java.nio.channels.FileLock> tryLock(int partition) {
        Path file = root.resolve("_commits").resolve("partition-" + partition + ".lock");
        try {
            Files.createDirectories(file.getParent());
            java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.WRITE);
            java.nio.channels.FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException heldHere) {
                lock = null;
            }
            if (lock == null) {
                channel.close();
                return Optional.empty();
            }
            return Optional.of(lock);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Deletes what unfinished batches of these partitions left: every file of theirs that is not
     * {@linkplain #isCommitted committed} (temporary files, and files past the partition's committed offset).
     * Other partitions' files (another instance's) are left alone.
     *
     * @return the files deleted
     */
    public List<Path> removeUncommitted(Set<Integer> partitions) {
        List<Path> removed = new ArrayList<>();
        java.util.Map<Integer, OptionalLong> commits = new java.util.HashMap<>();
        if (!Files.isDirectory(table())) {
            return removed;
        }
        try {
            // Other instances write and rename their own files meanwhile: an entry gone by the time it is looked at is skipped.
            Files.walkFileTree(table(), java.util.EnumSet.noneOf(java.nio.file.FileVisitOption.class), 4, new java.nio.file.SimpleFileVisitor<>() {
                @Override
                public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes attributes) throws IOException {
                    Optional<Batch> batch = Batch.of(file.getFileName().toString());
                    if (batch.isPresent() && partitions.contains(batch.get().partition()) && !isCommitted(file, commits)) {
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
}
