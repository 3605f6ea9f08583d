package dev.parapet.diagnostics.querylog;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who writes each Kafka partition's part of the query log, and how far it is whole: a log of numbered entries per
 * partition, each an object created only if absent, so that whoever creates entry <i>n</i> first owns it and every
 * other writer learns it lost (docs/query-log-object-store.md §4, §14.2). It needs no lock and no compare-and-swap,
 * only {@link ObjectStore#create}, which AWS S3, S3Proxy's filesystem store and a local file system all settle
 * atomically.
 * <pre>
 * _log/partition-&lt;p&gt;/entry-&lt;sequence, 19 digits&gt;        "claim &lt;epoch&gt; &lt;first offset&gt; &lt;claim id&gt; after &lt;link&gt;"
 *                                                        or "commit &lt;epoch&gt; &lt;last offset&gt; &lt;claim id&gt; after &lt;link&gt;"
 * _log/partition-&lt;p&gt;/checkpoint-&lt;sequence, 19 digits&gt;   the state through that entry, so that older entries can go
 * </pre>
 * <b>Claims.</b> A writer given the partition appends a claim of the next epoch, starting just past the committed
 * offset. <b>Commits.</b> After every object of a batch is in place, its writer appends a commit of its epoch. If
 * another writer's claim took the entry first, the commit fails ({@link Fenced}) and the writer stops: it was a
 * zombie. <b>Counting.</b> Every data object is named with its writer's epoch, and counts only if its offsets lie
 * inside its epoch's window, from the epoch's first offset to the next epoch's first offset less one (or the
 * committed offset, for the current epoch): {@link State#counts}. A zombie writes past its epoch's window, and a
 * batch cut off before its commit lies past the committed offset, so neither is ever counted, and each offset up to
 * the committed one is counted exactly once, whoever crashed or stalled.
 * <p>
 * Every reader folds the same entries the same way ({@link State#apply}), so they agree; an entry that breaks the
 * rules (not the next epoch, a commit of an epoch no longer current, an offset going backwards) is passed over by all.
 * <p>
 * <b>Links.</b> Entries before a checkpoint are deleted, so a writer that stalled for a hundred entries could create
 * one of their numbers again and take it for its own. Each entry therefore names the entry it follows ({@code after},
 * the first 16 hex digits of that entry's SHA-256; {@code none} for the first), and a reader that folds an entry
 * naming another predecessor than the one it folded knows the entries it read were not one log: it starts again from
 * the last checkpoint, which no reused number can precede. An epoch whose window ended empty (claimed, then claimed
 * again before any commit) is dropped when the next begins: no object of it counts (its writer starts at its first
 * offset, and a compaction names its output with the epoch that committed the output's last offset), and a writer
 * that keeps failing and claiming again (a store refusing writes) would otherwise grow every checkpoint.
 */
final class PartitionLog {

    /**
     * Every this many entries, the state is written whole and the entries before the checkpoint before it deleted: a reader
     * with nothing known reads at most twice this many entries (a writer's start, one GET each on S3).
     */
    static final int CHECKPOINT_EVERY = 50;
    private static final int CLAIM_ATTEMPTS = 50;
    private static final int READ_ATTEMPTS = 10;
    private static final Pattern ENTRY = Pattern.compile("entry-(\\d{19})");
    private static final Pattern CHECKPOINT = Pattern.compile("checkpoint-(\\d{19})");
    private static final String LINK = "(?: after ([0-9a-f]{16}|none))?";
    private static final Pattern CLAIM_LINE = Pattern.compile("claim (\\d{1,9}) (\\d{1,19}) ([A-Za-z0-9/-]{1,80})" + LINK);
    /** The claim id of epoch 0, the files written before epochs. */
    static final String BEFORE_EPOCHS = "before-epochs";
    private static final Pattern COMMIT_LINE = Pattern.compile("commit (\\d{1,9}) (\\d{1,19}) ([A-Za-z0-9/-]{1,80})" + LINK);
    private static final Pattern ANY_LINK = Pattern.compile(".* after ([0-9a-f]{16}|none)");
    /** The link of the first entry: it follows none. */
    static final String NO_ENTRY = "none";
    /** The link of a state read from a checkpoint written before links: any entry may follow it. */
    private static final String UNKNOWN = "";

    private final ObjectStore store;
    /** The last state read of each partition: the next read lists only the entries after it. */
    private final Map<Integer, State> known = new ConcurrentHashMap<>();

    PartitionLog(ObjectStore store) {
        this.store = store;
    }

    /** A writer of the partition found that another has claimed it since: it must stop writing it. */
    static final class Fenced extends RuntimeException {
        Fenced(int partition, int epoch) {
            super("Partition " + partition + " of the query log was claimed by another writer since epoch " + epoch + " began");
        }
    }

    /** Where an epoch begins, and whose it is. */
    record Start(long offset, String claimId) {
    }

    /**
     * A partition's state through an entry.
     *
     * @param sequence  the last entry folded in (-1: none)
     * @param committed the last offset of the last whole batch (-1: none)
     * @param epochs    each epoch that began, by number, from 1, less those whose window ended empty
     * @param link      the link of the last entry folded in, which the next must name ({@link #NO_ENTRY}: none yet)
     */
    record State(int partition, long sequence, long committed, NavigableMap<Integer, Start> epochs, String link) {

        State {
            epochs = Collections.unmodifiableNavigableMap(new TreeMap<>(epochs));
        }

        static State empty(int partition) {
            return new State(partition, -1, -1, new TreeMap<>(), NO_ENTRY);
        }

        /**
         * The state before the first entry: empty, or, in a log written before epochs (a directory whose partition has
         * only the one-line commit file {@code _commits/partition-<p>}), epoch 0 from offset 0 to the offset committed
         * there, which is what the files named without an epoch hold.
         */
        static State before(int partition, OptionalLong committedBeforeEpochs) {
            if (committedBeforeEpochs.isEmpty()) {
                return empty(partition);
            }
            return new State(partition, -1, committedBeforeEpochs.getAsLong(), new TreeMap<>(Map.of(0, new Start(0, BEFORE_EPOCHS))),
                    NO_ENTRY);
        }

        /** The epoch whose writer may commit (0: none has claimed the partition since epochs began). */
        int current() {
            return epochs.isEmpty() ? 0 : epochs.lastKey();
        }

        OptionalLong committedOffset() {
            return committed < 0 ? OptionalLong.empty() : OptionalLong.of(committed);
        }

        /** The last offset the epoch's objects may hold to count: the committed one for the current epoch. */
        OptionalLong end(int epoch) {
            if (!epochs.containsKey(epoch)) {
                return OptionalLong.empty();
            }
            Map.Entry<Integer, Start> next = epochs.higherEntry(epoch);
            return OptionalLong.of(next == null ? committed : next.getValue().offset() - 1);
        }

        /**
         * Whether an object of the epoch whose offsets end at {@code last} is part of the log: its epoch began, and it
         * ends within the epoch's window. Its first offset may lie in an earlier epoch's window: a compaction names what
         * it merged with the epoch of the object that reaches furthest (QueryLogRetention).
         */
        boolean counts(int epoch, long last) {
            return epochs.containsKey(epoch) && last <= end(epoch).getAsLong();
        }

        /** Whether such an object will never count, whatever is appended: its epoch has ended without it. */
        boolean isGarbage(int epoch, long last) {
            return epoch < current() && !counts(epoch, last);
        }

        /**
         * Whether the entry may follow this state: it names the last entry folded in as its predecessor, or names none
         * (an entry written before links, or junk, which {@link #apply} passes over).
         */
        boolean precedes(String entry) {
            Matcher named = ANY_LINK.matcher(entry);
            return !named.matches() || link.equals(UNKNOWN) || link.equals(named.group(1));
        }

        /** This state with entry {@code sequence} folded in; an entry that breaks the rules changes nothing but the sequence. */
        State apply(long sequence, String entry) {
            NavigableMap<Integer, Start> next = new TreeMap<>(epochs);
            long nextCommitted = committed;
            Matcher claim = CLAIM_LINE.matcher(entry);
            Matcher commit = COMMIT_LINE.matcher(entry);
            if (claim.matches()) {
                int epoch = Integer.parseInt(claim.group(1));
                long first = Long.parseLong(claim.group(2));
                if (epoch == current() + 1 && first == committed + 1) {
                    Map.Entry<Integer, Start> last = next.lastEntry();
                    if (last != null && last.getValue().offset() == first) {
                        next.remove(last.getKey()); // its window ends empty: it counts nothing
                    }
                    next.put(epoch, new Start(first, claim.group(3)));
                }
            } else if (commit.matches()) {
                int epoch = Integer.parseInt(commit.group(1));
                long last = Long.parseLong(commit.group(2));
                if (epoch == current() && epoch > 0 && epochs.get(epoch).claimId().equals(commit.group(3)) && last > committed) {
                    nextCommitted = last;
                }
            }
            return new State(partition, sequence, nextCommitted, next, PartitionLog.link(entry));
        }

        String format() {
            StringBuilder text = new StringBuilder("sequence ").append(sequence).append('\n')
                    .append("committed ").append(committed).append('\n')
                    .append("link ").append(link).append('\n');
            epochs.forEach((epoch, start) -> text.append("epoch ").append(epoch).append(' ').append(start.offset()).append(' ')
                    .append(start.claimId()).append('\n'));
            return text.toString();
        }

        static Optional<State> parse(int partition, String text) {
            try {
                List<String> lines = text.lines().toList();
                if (lines.size() < 2 || !lines.get(0).startsWith("sequence ") || !lines.get(1).startsWith("committed ")) {
                    return Optional.empty();
                }
                NavigableMap<Integer, Start> epochs = new TreeMap<>();
                String link = UNKNOWN;
                int first = 2;
                if (lines.size() > 2 && lines.get(2).matches("link ([0-9a-f]{16}|none)")) {
                    link = lines.get(2).substring(5);
                    first = 3;
                }
                for (String line : lines.subList(first, lines.size())) {
                    String[] fields = line.split(" ");
                    if (fields.length != 4 || !fields[0].equals("epoch")) {
                        return Optional.empty();
                    }
                    epochs.put(Integer.parseInt(fields[1]), new Start(Long.parseLong(fields[2]), fields[3]));
                }
                return Optional.of(new State(partition, Long.parseLong(lines.get(0).substring(9)),
                        Long.parseLong(lines.get(1).substring(10)), epochs, link));
            } catch (NumberFormatException damaged) {
                return Optional.empty();
            }
        }
    }

    /** An entry's link: the first 16 hex digits of its SHA-256, which the entry after it names. */
    static String link(String entry) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(entry.getBytes(StandardCharsets.ISO_8859_1));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }

    /**
     * A writer's hold on a partition: its epoch, the offset to resume from, and the last entry it knows.
     *
     * @param committed the committed offset (-1: none), so the writer resumes at {@code committed + 1}
     * @param link      the link of entry {@code sequence}, which the writer's next entry names
     */
    record Claim(int partition, int epoch, String id, long sequence, long committed, String link) {

        long resumeAt() {
            return committed + 1;
        }
    }

    private static String linkOf(State state) {
        return state.link().equals(UNKNOWN) ? NO_ENTRY : state.link();
    }

    private static String directory(int partition) {
        return "_log/partition-" + partition + "/";
    }

    private static String entryKey(int partition, long sequence) {
        return directory(partition) + "entry-" + String.format("%019d", sequence);
    }

    private static String checkpointKey(int partition, long sequence) {
        return directory(partition) + "checkpoint-" + String.format("%019d", sequence);
    }

    /** Takes the partition for a new epoch: whoever wrote it before is fenced from now on. */
    Claim claim(int partition) {
        String id = UUID.randomUUID().toString();
        for (int attempt = 1; attempt <= CLAIM_ATTEMPTS; attempt++) {
            State state = read(partition);
            int epoch = state.current() + 1;
            long sequence = state.sequence() + 1;
            String entry = "claim " + epoch + " " + (state.committed() + 1) + " " + id + " after " + linkOf(state);
            if (append(partition, sequence, entry)) {
                return new Claim(partition, epoch, id, sequence, state.committed(), link(entry));
            }
            // Another writer appended first: read what it did and try again, after a pause that differs between writers.
            sleep(ThreadLocalRandom.current().nextLong(1, 5L * attempt));
        }
        throw new IllegalStateException("Could not claim partition " + partition + " of the query log in " + CLAIM_ATTEMPTS
                + " attempts: too many writers claiming it at once");
    }

    /**
     * Records that every object of the claim's epoch up to {@code last} is in place.
     *
     * @return the claim as it stands after the commit
     * @throws Fenced if another writer claimed the partition since
     */
    Claim commit(Claim claim, long last) {
        if (last <= claim.committed()) {
            throw new IllegalArgumentException("Commit of offset " + last + " at or before the committed " + claim.committed());
        }
        long sequence = claim.sequence() + 1;
        String after = claim.link();
        for (int attempt = 1; attempt <= CLAIM_ATTEMPTS; attempt++) {
            String entry = "commit " + claim.epoch() + " " + last + " " + claim.id() + " after " + after;
            if (append(claim.partition(), sequence, entry)) {
                return new Claim(claim.partition(), claim.epoch(), claim.id(), sequence, last, link(entry));
            }
            // The entry is someone's: ours only if every entry since is (none can be, unless junk), else a claim fenced us.
            State state = read(claim.partition());
            if (state.current() != claim.epoch() || !state.epochs().get(claim.epoch()).claimId().equals(claim.id())) {
                throw new Fenced(claim.partition(), claim.epoch());
            }
            if (state.committed() >= last) {
                return new Claim(claim.partition(), claim.epoch(), claim.id(), state.sequence(), state.committed(), linkOf(state));
            }
            sequence = state.sequence() + 1;
            after = linkOf(state);
        }
        throw new IllegalStateException("Could not commit partition " + claim.partition() + " of the query log in "
                + CLAIM_ATTEMPTS + " attempts: its entries are not what its store lists");
    }

    /**
     * Appends entry {@code sequence}, or learns that it was there. A response lost after the store made the object
     * (and a retry refused) still counts as ours: the entry holds our claim id, which no other writer has. An entry
     * created at a number a checkpoint has passed is not ours either: the number was used and deleted while this writer
     * stalled, and no reader from the checkpoint will see it.
     */
    private boolean append(int partition, long sequence, String entry) {
        byte[] content = entry.getBytes(StandardCharsets.US_ASCII);
        String key = entryKey(partition, sequence);
        if (!store.createOrRecognise(key, content) || store.any(directory(partition) + "checkpoint-", checkpointKey(partition, sequence))) {
            return false;
        }
        // What this writer appended it knows without reading it back.
        known.computeIfPresent(partition, (p, state) -> state.sequence() == sequence - 1 ? state.apply(sequence, entry) : state);
        if (sequence > 0 && sequence % CHECKPOINT_EVERY == 0) {
            checkpoint(partition);
        }
        return true;
    }

    /** The partition's state now: the last checkpoint and the entries after it, or only the entries after the last read. */
    State read(int partition) {
        for (int attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
            State base = known.get(partition);
            if (base == null) {
                base = lastCheckpoint(partition);
                if (base == null) {
                    continue;
                }
            }
            Optional<State> folded = foldAfter(base);
            if (folded.isPresent()) {
                known.merge(partition, folded.get(), (old, now) -> now.sequence() >= old.sequence() ? now : old);
                return folded.get();
            }
            // Entries after the state read were deleted (a checkpoint passed it): start again from the last checkpoint.
            known.remove(partition, base);
        }
        throw new IllegalStateException("Could not read partition " + partition + " of the query log's commits in "
                + READ_ATTEMPTS + " attempts: its entries kept changing");
    }

    /** The last checkpoint's state, the empty state if there is none yet, or null if it vanished while being read. */
    private State lastCheckpoint(int partition) {
        List<ObjectStore.Listed> checkpoints = store.list(directory(partition) + "checkpoint-", null);
        for (int i = checkpoints.size() - 1; i >= 0; i--) {
            String name = checkpoints.get(i).key().substring(directory(partition).length());
            Matcher matcher = CHECKPOINT.matcher(name);
            if (matcher.matches()) {
                Optional<byte[]> content = store.read(checkpoints.get(i).key());
                if (content.isEmpty()) {
                    return null;
                }
                Optional<State> state = State.parse(partition, new String(content.get(), StandardCharsets.US_ASCII));
                if (state.isPresent() && state.get().sequence() == Long.parseLong(matcher.group(1))) {
                    return state.get();
                }
            }
        }
        return State.before(partition, committedBeforeEpochs(partition));
    }

    /** The one-line commit file of a log written before epochs, if the partition has one. */
    private OptionalLong committedBeforeEpochs(int partition) {
        String key = "_commits/partition-" + partition;
        Optional<byte[]> content = store.read(key);
        if (content.isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(new String(content.get(), StandardCharsets.US_ASCII).strip()));
        } catch (NumberFormatException e) {
            throw new IllegalStateException("The query log's commit file " + key + " in " + store.describe() + " is damaged", e);
        }
    }

    /** The state with the entries after it folded in, or empty if one of them is gone (the read must start again). */
    private Optional<State> foldAfter(State base) {
        int partition = base.partition();
        String after = base.sequence() < 0 ? null : entryKey(partition, base.sequence());
        State state = base;
        for (ObjectStore.Listed listed : store.list(directory(partition) + "entry-", after)) {
            Matcher matcher = ENTRY.matcher(listed.key().substring(directory(partition).length()));
            if (!matcher.matches()) {
                continue; // not an entry (a store's temporary beside one)
            }
            long sequence = Long.parseLong(matcher.group(1));
            Optional<byte[]> content = sequence == state.sequence() + 1 ? store.read(listed.key()) : Optional.empty();
            if (content.isEmpty()) {
                // A gap, or an entry gone while read: a checkpoint passed the state read, and its entries were deleted.
                return Optional.empty();
            }
            String entry = new String(content.get(), StandardCharsets.ISO_8859_1);
            if (!state.precedes(entry)) {
                // Not the entry after the one folded: the state was read from an entry whose number was used again
                // after a checkpoint passed it (a stalled writer's). Start again from the last checkpoint.
                return Optional.empty();
            }
            state = state.apply(sequence, entry);
        }
        return Optional.of(state);
    }

    /**
     * Writes the state as a checkpoint, then deletes the checkpoints before the one before it and the entries up to
     * that one: a reader that listed the older checkpoint a moment ago still finds the entries after it.
     */
    private void checkpoint(int partition) {
        State state = read(partition);
        store.create(checkpointKey(partition, state.sequence()), state.format().getBytes(StandardCharsets.US_ASCII));
        List<ObjectStore.Listed> checkpoints = store.list(directory(partition) + "checkpoint-", null).stream()
                .filter(listed -> CHECKPOINT.matcher(listed.key().substring(directory(partition).length())).matches()).toList();
        if (checkpoints.size() < 2) {
            return;
        }
        String kept = checkpoints.get(checkpoints.size() - 2).key();
        long keptSequence = Long.parseLong(kept.substring(kept.length() - 19));
        for (ObjectStore.Listed older : checkpoints.subList(0, checkpoints.size() - 2)) {
            store.delete(older.key());
        }
        for (ObjectStore.Listed entry : store.list(directory(partition) + "entry-", null)) {
            Matcher matcher = ENTRY.matcher(entry.key().substring(directory(partition).length()));
            if (matcher.matches() && Long.parseLong(matcher.group(1)) <= keptSequence) {
                store.delete(entry.key());
            } else if (matcher.matches()) {
                break;
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while claiming a partition of the query log", e);
        }
    }
}
