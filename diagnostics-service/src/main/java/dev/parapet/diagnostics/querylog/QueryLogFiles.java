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
 * which batches are committed. The root is a directory or an S3 bucket and prefix ({@link ObjectStore}); the layout
 * is the same in both, as keys under the root.
 * <pre>
 * &lt;root&gt;/verdicts/account=&lt;uuid&gt;/date=&lt;yyyy-mm-dd&gt;/hour=&lt;hh&gt;/&lt;partition&gt;-&lt;first offset&gt;-&lt;last offset&gt;-e&lt;epoch&gt;.parquet
 * &lt;root&gt;/_log/partition-&lt;partition&gt;/…   who writes the partition, and how far it is whole ({@link PartitionLog})
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
    private static final Pattern HOUR_KEY = Pattern.compile("date=(\\d{4}-\\d{2}-\\d{2})/hour=(\\d{2})/([^/]+)");
    /** Held by whoever applies retention to, or deletes, an account's files. */
    static final String RETENTION_LOCK = "_retention/lock";

    private final ObjectStore store;
    private final PartitionLog log;
    /** The partitions this instance's writer holds, with its claim on each. */
    private final java.util.Map<Integer, PartitionLog.Claim> claims = new java.util.concurrent.ConcurrentHashMap<>();

    /** The log in a directory. */
    public QueryLogFiles(Path root) {
        this(new DirectoryObjectStore(root));
    }

    QueryLogFiles(ObjectStore store) {
        this.store = store;
        this.log = new PartitionLog(store);
    }

    /**
     * The log in an S3 bucket and prefix ({@code s3://bucket/prefix}), reached at {@code endpoint} with these keys, its local
     * copies and files being written under {@code local}; checked as the service checks it at its start.
     */
    public static QueryLogFiles inBucket(java.net.URI url, java.net.URI endpoint, String accessKeyId, String secretAccessKey, Path local) {
        return new QueryLogFiles(S3ObjectStore.open(new S3ObjectStore.Location(url, endpoint, "us-east-1", true, accessKeyId, secretAccessKey),
                local, 2L << 30, java.time.Duration.ofMinutes(2)));
    }

    ObjectStore store() {
        return store;
    }

    /** How many objects the table of verdicts holds, and their bytes. */
    public long[] tableSize() {
        long bytes = 0;
        List<ObjectStore.Listed> objects = store.list("verdicts/", null).stream().filter(listed -> listed.key().endsWith(".parquet")).toList();
        for (ObjectStore.Listed object : objects) {
            bytes += object.size();
        }
        return new long[] {objects.size(), bytes};
    }

    /** Where the log is, for messages. */
    public String describe() {
        return store.describe();
    }

    /** Whether the root is a directory (not an object store). */
    boolean isDirectory() {
        return store instanceof DirectoryObjectStore;
    }

    private DirectoryObjectStore directory() {
        if (store instanceof DirectoryObjectStore directory) {
            return directory;
        }
        throw new IllegalStateException("The query log is in " + store.describe() + ", not a directory");
    }

    // The layout as keys, for every root.

    static String accountKey(UUID account) {
        return "verdicts/account=" + account + "/";
    }

    static String dateKey(UUID account, LocalDate date) {
        return accountKey(account) + "date=" + date + "/";
    }

    static String hourKey(UUID account, LocalDate date, int hour) {
        if (hour < 0 || hour > 23) {
            throw new IllegalArgumentException("hour " + hour);
        }
        return dateKey(account, date) + "hour=" + String.format("%02d", hour) + "/";
    }

    /** Where hours of ALLOWED queries past their detail retention are kept as counts, in the same layout. */
    static String rollupAccountKey(UUID account) {
        return "rollups/account=" + account + "/";
    }

    static String rollupHourKey(UUID account, LocalDate date, int hour) {
        return "rollups/" + hourKey(account, date, hour).substring("verdicts/".length());
    }

    /** The account's own retention, if it set one (see {@link RetentionSettings}). */
    static String retentionKey(UUID account) {
        return "_retention/account=" + account + ".json";
    }

    /** Whether the account asks for pseudonyms (see {@link QueryLogPrivacy}). */
    static String privacyKey(UUID account) {
        return "_privacy/account=" + account + ".json";
    }

    /** The sealed identities behind the account's pseudonyms, one object per batch that had new ones. */
    static String identitiesKey(UUID account) {
        return "identities/account=" + account + "/";
    }

    // The same places as files, on a directory root (for tests and operators' tools).

    public Path root() {
        return directory().root();
    }

    public Path table() {
        return root().resolve("verdicts");
    }

    public Path account(UUID account) {
        return path(accountKey(account));
    }

    public Path date(UUID account, LocalDate date) {
        return path(dateKey(account, date));
    }

    public Path hour(UUID account, LocalDate date, int hour) {
        return path(hourKey(account, date, hour));
    }

    public Path rollups() {
        return root().resolve("rollups");
    }

    public Path rollupAccount(UUID account) {
        return path(rollupAccountKey(account));
    }

    public Path rollupHour(UUID account, LocalDate date, int hour) {
        return path(rollupHourKey(account, date, hour));
    }

    public Path retention(UUID account) {
        return path(retentionKey(account));
    }

    public Path privacy(UUID account) {
        return path(privacyKey(account));
    }

    public Path identities(UUID account) {
        return path(identitiesKey(account));
    }

    private Path path(String key) {
        return directory().path(key.endsWith("/") ? key.substring(0, key.length() - 1) : key);
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

    /** The name an object's key ends with. */
    static String name(String key) {
        return key.substring(key.lastIndexOf('/') + 1);
    }

    /**
     * Whether the object is part of a whole batch (committed), so that a search may read it.
     *
     * @param commits the partitions' states read so far, read once per search
     */
    boolean isCommitted(String key, java.util.Map<Integer, PartitionLog.State> commits) {
        Optional<Batch> batch = Batch.of(name(key));
        if (batch.isEmpty() || key.endsWith(".tmp")) {
            return false;
        }
        return commits.computeIfAbsent(batch.get().partition(), log::read).counts(batch.get().epoch(), batch.get().last());
    }

    /**
     * The objects of an hour a reader reads, sorted: the committed ones, less those a compacted object of the same partition
     * covers (left for a moment by a compaction between its rename and its deletions, or by one that stopped there).
     *
     * @param hour    the hour's objects as listed
     * @param commits the partitions' states read so far
     */
    List<ObjectStore.Listed> readable(List<ObjectStore.Listed> hour, java.util.Map<Integer, PartitionLog.State> commits) {
        List<ObjectStore.Listed> committed = committed(hour, commits);
        committed.removeAll(superseded(committed, listed -> name(listed.key())));
        return committed;
    }

    /** The hour's committed objects, sorted. */
    List<ObjectStore.Listed> committed(List<ObjectStore.Listed> hour, java.util.Map<Integer, PartitionLog.State> commits) {
        List<ObjectStore.Listed> committed = new ArrayList<>();
        for (ObjectStore.Listed listed : hour) {
            if (listed.key().endsWith(".parquet") && isCommitted(listed.key(), commits)) {
                committed.add(listed);
            }
        }
        committed.sort(java.util.Comparator.comparing(ObjectStore.Listed::key));
        return committed;
    }

    /** An hour of an account's table (or roll-ups), and its objects as listed. */
    record Hour(LocalDate date, int hour, List<ObjectStore.Listed> objects) {
    }

    /**
     * The hours of a table's account under {@code accountKey} (verdicts or roll-ups) whose dates lie in {@code [from, to]},
     * each with its objects as listed, oldest first; one listing per date. Keys that are not the log's are left out.
     */
    List<Hour> hours(String accountKey, LocalDate from, LocalDate to) {
        java.util.TreeMap<String, Hour> hours = new java.util.TreeMap<>();
        for (LocalDate date = from; !date.isAfter(to); date = date.plusDays(1)) {
            collect(accountKey, store.list(accountKey + "date=" + date + "/", null), hours);
        }
        return List.copyOf(hours.values());
    }

    /** Every hour of a table's account, oldest first, from one listing. */
    List<Hour> hours(String accountKey) {
        java.util.TreeMap<String, Hour> hours = new java.util.TreeMap<>();
        collect(accountKey, store.list(accountKey, null), hours);
        return List.copyOf(hours.values());
    }

    private static void collect(String accountKey, List<ObjectStore.Listed> listed, java.util.TreeMap<String, Hour> hours) {
        for (ObjectStore.Listed object : listed) {
            Matcher matcher = HOUR_KEY.matcher(object.key().substring(accountKey.length()));
            if (!matcher.matches()) {
                continue;   // not the log's (an operator's)
            }
            try {
                LocalDate date = LocalDate.parse(matcher.group(1));
                int hour = Integer.parseInt(matcher.group(2));
                if (hour > 23) {
                    continue;
                }
                Hour found = hours.computeIfAbsent(matcher.group(1) + "/" + matcher.group(2), h -> new Hour(date, hour, new ArrayList<>()));
                found.objects().add(object);
            } catch (java.time.format.DateTimeParseException notADate) {
                // not the log's
            }
        }
    }

    /**
     * Of these objects (one hour's), those whose batch another object of the same partition covers: a compaction's inputs.
     * Each name is read once; in order of partition, then first offset, then last offset from the largest, an object is
     * covered exactly when one before it in its partition reaches at least as far.
     */
    static <T> List<T> superseded(List<T> objects, java.util.function.Function<T, String> nameOf) {
        record Named<T>(T object, Batch batch) {
        }
        List<Named<T>> named = new ArrayList<>(objects.size());
        for (T object : objects) {
            named.add(new Named<>(object, Batch.of(nameOf.apply(object)).orElseThrow()));
        }
        named.sort(java.util.Comparator.comparingInt((Named<T> n) -> n.batch().partition()).thenComparingLong(n -> n.batch().first())
                .thenComparing(java.util.Comparator.comparingLong((Named<T> n) -> n.batch().last()).reversed()));
        List<T> superseded = new ArrayList<>();
        int partition = -1;
        long reach = -1;
        for (Named<T> each : named) {
            if (each.batch().partition() != partition) {
                partition = each.batch().partition();
                reach = -1;
            }
            if (each.batch().last() <= reach) {
                superseded.add(each.object());
            } else {
                reach = each.batch().last();
            }
        }
        return superseded;
    }

    /**
     * Deletes what will never count of these partitions' objects: those of an epoch that ended without them (a batch cut
     * off before its commit, a fenced writer's), temporary ones among them, and, where this instance holds the current
     * epoch, its own uncommitted ones (a batch that failed before its commit, to be written again). Other partitions'
     * objects, and the current epoch's when another instance holds it, are left alone. On an object store, whose table
     * would take millions of keys to list, nothing: what never counts is never read, and retention deletes it.
     *
     * @return the keys deleted
     */
    public List<String> removeUncommitted(Set<Integer> partitions) {
        List<String> removed = new ArrayList<>();
        if (!isDirectory()) {
            return removed;
        }
        java.util.Map<Integer, PartitionLog.State> states = new java.util.HashMap<>();
        for (ObjectStore.Listed listed : store.list("verdicts/", null)) {
            Optional<Batch> batch = Batch.of(name(listed.key()));
            if (batch.isPresent() && partitions.contains(batch.get().partition()) && willNeverCount(batch.get(), listed.key(), states)) {
                store.delete(listed.key());
                removed.add(listed.key());
            }
        }
        return removed;
    }

    /**
     * Whether an object of the log's table will never count, whoever writes what from now on: its epoch ended without it
     * (a batch cut off before its commit, a fenced writer's). An object of the current epoch is never garbage, since its
     * writer may yet commit it.
     */
    boolean isGarbage(String key, java.util.Map<Integer, PartitionLog.State> states) {
        Optional<Batch> batch = Batch.of(name(key));
        return batch.isPresent() && states.computeIfAbsent(batch.get().partition(), log::read).isGarbage(batch.get().epoch(), batch.get().last());
    }

    /** Whether an object of the log will never count under these states (read once per partition). */
    boolean willNeverCount(Batch batch, String key, java.util.Map<Integer, PartitionLog.State> states) {
        PartitionLog.State state = states.computeIfAbsent(batch.partition(), log::read);
        PartitionLog.Claim ours = claims.get(batch.partition());
        boolean oursIsCurrent = ours != null && ours.epoch() == state.current() && ours.id().equals(state.epochs().get(state.current()).claimId());
        boolean temporary = key.endsWith(".tmp");
        if (batch.epoch() < state.current() || batch.epoch() == state.current() && oursIsCurrent) {
            return temporary || !state.counts(batch.epoch(), batch.last());
        }
        return false;   // the current epoch of another writer, or a newer epoch than the state read: theirs
    }
}
