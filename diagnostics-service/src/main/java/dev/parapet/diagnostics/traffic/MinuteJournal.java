package dev.parapet.diagnostics.traffic;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The counts of the minutes not yet rolled up, kept as one record per account, minute and commit instead of one
 * minute-store write per counter and commit. A busy account's names, devices and users are mostly distinct within
 * a second, so the minute store took one RocksDB write and one changelog record for nearly every counter at every
 * commit, the same counter again at the next (about 77 000 a second at 56 000 verdicts/s): most of the aggregation's
 * work (docs/diagnostics.md). Here a commit writes an account's new counts of a minute as one record of the journal
 * store ({@link #STORE}, changelogged like the others, so exactly-once is kept); once the minute is over, before it is
 * rolled up into its hour, each account's records of it are added up and written to the minute store once per counter
 * ({@link #merge}: a few accounts per commit, so that no transaction takes a whole minute's counters), and deleted.
 *
 * <p>A minute as queried is therefore the minute store's count plus the journal's ({@link #read}). A record's key is
 * {@code <account prefix><minute, 16 hex digits>.<sequence, 16 hex digits>}, so an account's records of a range of minutes
 * are one key range. Counts for a minute already rolled up (late verdicts) go to the minute store directly, as before.
 *
 * <p>The minute store's key {@link #LATEST} names the latest minute written to it (committed with the counters): a minute
 * after the one it named at the start holds there only what was merged since, which is held in memory until the roll-up,
 * so merging it needs no read of the store.
 */
public final class MinuteJournal {

    public static final String STORE = "traffic-journal";
    /** The minute store's key for the latest minute written. */
    static final String LATEST = TrafficKeys.OWN + "latest";
    /** A record of the journal holds at most about this many bytes; more counts of an account and minute go to another record. */
    static final int RECORD_BYTES = 1 << 20;
    /**
     * At most about this many counters are merged into the minute store per commit (a whole account's minute at least), so that
     * the minute's end does not put every counter of the minute into one transaction: at 56 000 verdicts/s that is over a
     * million, more than a transaction may take (it timed out and the task was fenced, again and again).
     */
    static final int MERGE_BUDGET = 20_000;
    private static final long UNREAD = Long.MIN_VALUE + 1;

    private final int recordBytes;
    private final int mergeBudget;
    /** The journal's record keys by minute and account; null until read after a start or an abort. */
    private TreeMap<Long, Map<String, List<String>>> index;
    /** The next record's sequence number. */
    private long sequence;
    /** The latest minute in the minute store, {@link #UNREAD} until read; and its value when read (the store's counts until then are unknown). */
    private long latest = UNREAD;
    private long latestAtStart;
    /**
     * What was merged into the minute store since then, for the minutes after {@link #latestAtStart}, until rolled up into the
     * hours: exactly what the store holds of those minutes (nothing else writes them before their roll-up).
     */
    private final PendingCounts mergedCounts = new PendingCounts();

    MinuteJournal() {
        this(RECORD_BYTES, MERGE_BUDGET);
    }

    MinuteJournal(int recordBytes, int mergeBudget) {
        this.recordBytes = recordBytes;
        this.mergeBudget = mergeBudget;
    }

    /** After a start or an abort: the stores are read again at the next write. */
    void reset() {
        index = null;
        latest = UNREAD;
        mergedCounts.clear();
    }

    /**
     * Writes the pending counts: those of minutes after {@code rolledThrough} to the journal, one record per account and
     * minute; those of minutes already rolled up to the minute store (read, add, write). Then holds nothing.
     */
    void write(PendingCounts pending, long rolledThrough, KeyValueStore<String, byte[]> journal, WindowStore<String, Long> minutes) {
        read(journal, minutes);
        Map<Long, Map<String, Record>> records = new HashMap<>();
        pending.forEach((minute, key, count) -> {
            if (minute > rolledThrough) {
                int bar = key.indexOf('|') + 1;
                String account = key.substring(0, bar);
                Record record = records.computeIfAbsent(minute, m -> new HashMap<>()).computeIfAbsent(account, a -> new Record());
                if (record.size() >= recordBytes) {
                    append(journal, account, minute, record);
                    record.clear();
                }
                record.add(key.substring(bar), count);
            } else {
                Long stored = minutes.fetch(key, minute);
                minutes.put(key, stored == null ? count : stored + count, minute);
                latest(minutes, minute);
            }
        });
        records.forEach((minute, accounts) -> accounts.forEach((account, record) -> append(journal, account, minute, record)));
        pending.clear();
    }

    /**
     * Merges the journal's counts of the minutes until {@code through} (inclusive) into the minute store, an account's minute at
     * a time (its records added up: one write per counter), oldest first, until about {@link #MERGE_BUDGET} counters; deletes
     * what it merged from the journal. Returns the first minute with records left ({@link Long#MAX_VALUE} if none).
     */
    long merge(long through, KeyValueStore<String, byte[]> journal, WindowStore<String, Long> minutes) {
        read(journal, minutes);
        int budget = mergeBudget;
        while (!index.isEmpty() && index.firstKey() <= through && budget > 0) {
            Map.Entry<Long, Map<String, List<String>>> first = index.firstEntry();
            long minute = first.getKey();
            for (Iterator<Map.Entry<String, List<String>>> it = first.getValue().entrySet().iterator(); it.hasNext() && budget > 0; ) {
                Map.Entry<String, List<String>> account = it.next();
                budget -= mergeAccount(account.getKey(), minute, account.getValue(), journal, minutes);
                it.remove();
            }
            if (first.getValue().isEmpty()) {
                index.remove(minute);
            }
        }
        return index.isEmpty() ? Long.MAX_VALUE : index.firstKey();
    }

    /**
     * The minute counts from {@code from} through {@code through} (inclusive, every minute merged), to be rolled up into their
     * hours, then held no longer. Those merged since the start are held in memory: reading a minute back from
     * the minute store meant scanning all of it (a window store orders its keys by counter, then time), which grew with every
     * minute the store holds. Only the minutes written before the start are read from the store.
     */
    void rollUp(long from, long through, WindowStore<String, Long> minutes, RolledHours.WindowCount each) {
        if (from <= latestAtStart) {
            RolledHours.minutes(minutes, from, Math.min(through, latestAtStart), (key, count) -> each.add(key.key(), key.window().start(), count));
        }
        mergedCounts.drainThrough(through, (minute, key, count) -> each.add(key, minute, count));
    }

    private int mergeAccount(String account, long minute, List<String> keys, KeyValueStore<String, byte[]> journal,
                             WindowStore<String, Long> minutes) {
        Map<String, long[]> sums = new HashMap<>();
        for (String key : keys) {
            byte[] record = journal.get(key);
            if (record != null) {
                decode(record, (dimension, count) -> sums.computeIfAbsent(dimension, d -> new long[1])[0] += count);
            }
        }
        sums.forEach((dimension, count) -> {
            String key = account + dimension;
            long total;
            if (minute > latestAtStart) {
                total = mergedCounts.add(key, minute, count[0]); // what the store holds of it, without reading RocksDB
            } else {
                Long before = minutes.fetch(key, minute); // written before the start: only the store knows
                total = before == null ? count[0] : before + count[0];
            }
            minutes.put(key, total, minute);
        });
        latest(minutes, minute);
        keys.forEach(journal::delete);
        return sums.size();
    }

    /**
     * The journal's counts of the account (its key prefix; every account if null) in the minutes from {@code from} until
     * {@code to} (exclusive), each with its full key and minute.
     */
    public static void read(ReadOnlyKeyValueStore<String, byte[]> journal, String account, long from, long to, RolledHours.WindowCount each) {
        if (from >= to) {
            return;
        }
        try (KeyValueIterator<String, byte[]> records = account == null ? journal.all()
                : journal.range(account + hex(Math.max(0, from)), account + hex(to))) {
            while (records.hasNext()) {
                KeyValue<String, byte[]> record = records.next();
                int bar = record.key.indexOf('|') + 1;
                long minute = minute(record.key, bar);
                if (minute >= from && minute < to) {
                    String prefix = record.key.substring(0, bar);
                    decode(record.value, (dimension, count) -> each.add(prefix + dimension, minute, count));
                }
            }
        }
    }

    private void append(KeyValueStore<String, byte[]> journal, String account, long minute, Record record) {
        String key = key(account, minute, sequence++);
        journal.put(key, record.bytes());
        index.computeIfAbsent(minute, m -> new HashMap<>()).computeIfAbsent(account, a -> new ArrayList<>()).add(key);
    }

    private void latest(WindowStore<String, Long> minutes, long minute) {
        if (minute > latest) {
            latest = minute;
            minutes.put(LATEST, latest, latest);
        }
    }

    /** After a start or an abort: the journal's records (and the next sequence number after theirs), and the minute store's latest minute. */
    private void read(KeyValueStore<String, byte[]> journal, WindowStore<String, Long> minutes) {
        if (index == null) {
            index = new TreeMap<>();
            long last = -1;
            try (KeyValueIterator<String, byte[]> all = journal.all()) {
                while (all.hasNext()) {
                    String key = all.next().key;
                    int bar = key.indexOf('|') + 1;
                    index.computeIfAbsent(minute(key, bar), m -> new HashMap<>()).computeIfAbsent(key.substring(0, bar), a -> new ArrayList<>())
                            .add(key);
                    last = Math.max(last, Long.parseUnsignedLong(key.substring(key.lastIndexOf('.') + 1), 16));
                }
            }
            sequence = last + 1;
        }
        if (latest == UNREAD) {
            latest = RolledHours.marker(minutes, LATEST);
            if (latest == RolledHours.NONE && !RolledHours.empty(minutes)) {
                // Counters written by an earlier version, without the marker: it counted no verdict more than MAX_AHEAD ahead.
                long now = System.currentTimeMillis() + TrafficProcessor.MAX_AHEAD;
                latest = now - Math.floorMod(now, TrafficProcessor.MINUTE);
                minutes.put(LATEST, latest, latest);
            }
            latestAtStart = latest;
        }
    }

    static String key(String account, long minute, long sequence) {
        return account + hex(minute) + '.' + hex(sequence);
    }

    private static String hex(long value) {
        String digits = Long.toHexString(value);
        return "0".repeat(16 - digits.length()) + digits;
    }

    private static long minute(String key, int bar) {
        return Long.parseUnsignedLong(key, bar, bar + 16, 16);
    }

    @FunctionalInterface
    interface DimensionCount {
        void add(String dimension, long count);
    }

    static void decode(byte[] record, DimensionCount each) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(record))) {
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                each.add(in.readUTF(), in.readLong());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("a traffic journal record that cannot be read", e);
        }
    }

    /** An account's counts of a minute as one record: how many, then each dimension and its count. */
    static final class Record {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(4096);
        private final DataOutputStream out = new DataOutputStream(bytes);
        private int n;

        Record() {
            clear();
        }

        void add(String dimension, long count) {
            try {
                out.writeUTF(dimension);
                out.writeLong(count);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            n++;
        }

        int size() {
            return bytes.size();
        }

        byte[] bytes() {
            byte[] record = bytes.toByteArray();
            record[0] = (byte) (n >>> 24);
            record[1] = (byte) (n >>> 16);
            record[2] = (byte) (n >>> 8);
            record[3] = (byte) n;
            return record;
        }

        void clear() {
            bytes.reset();
            n = 0;
            for (int i = 0; i < 4; i++) {
                bytes.write(0);
            }
        }
    }
}
