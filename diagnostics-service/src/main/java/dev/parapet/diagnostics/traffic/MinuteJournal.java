package dev.parapet.diagnostics.traffic;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
 * store ({@link #STORE}, changelogged like the others, so exactly-once is kept); once the minute is over, just before
 * it is rolled up into its hour, its records are added up and written to the minute store once per counter
 * ({@link #merge}), and deleted.
 *
 * <p>A minute as queried is therefore the minute store's count plus the journal's ({@link #read}). A record's key is
 * {@code <account prefix><minute, 16 hex digits>.<sequence, 16 hex digits>}, so an account's records of a range of minutes
 * are one key range. Counts for a minute already rolled up (late verdicts) go to the minute store directly, as before.
 *
 * <p>The minute store's key {@link #LATEST} names the latest minute written to it (committed with the counters): a minute
 * after it holds nothing there, so merging it needs no read of the store.
 */
public final class MinuteJournal {

    public static final String STORE = "traffic-journal";
    /** The minute store's key for the latest minute written. */
    static final String LATEST = TrafficKeys.OWN + "latest";
    /** A record of the journal holds at most about this many bytes; more counts of an account and minute go to another record. */
    static final int RECORD_BYTES = 1 << 20;
    private static final long UNREAD = Long.MIN_VALUE + 1;

    private final int recordBytes;
    /** The next record's sequence number; {@link #UNREAD} until the journal was read after a start or an abort. */
    private long sequence = UNREAD;
    /** The latest minute in the minute store, {@link #UNREAD} until read. */
    private long latest = UNREAD;

    MinuteJournal() {
        this(RECORD_BYTES);
    }

    MinuteJournal(int recordBytes) {
        this.recordBytes = recordBytes;
    }

    /** After a start or an abort: the stores are read again at the next write. */
    void reset() {
        sequence = UNREAD;
        latest = UNREAD;
    }

    /**
     * Writes the pending counts: those of minutes after {@code rolledThrough} to the journal, one record per account and
     * minute; those of minutes already rolled up to the minute store (read, add, write). Then holds nothing.
     */
    void write(PendingCounts pending, long rolledThrough, KeyValueStore<String, byte[]> journal, WindowStore<String, Long> minutes) {
        readMarkers(journal, minutes);
        Map<Long, Map<String, Record>> records = new HashMap<>();
        pending.forEach((minute, key, count) -> {
            if (minute > rolledThrough) {
                int bar = key.indexOf('|') + 1;
                Record record = records.computeIfAbsent(minute, m -> new HashMap<>()).computeIfAbsent(key.substring(0, bar), a -> new Record());
                if (record.size() >= recordBytes) {
                    journal.put(key(key.substring(0, bar), minute, sequence++), record.bytes());
                    record.clear();
                }
                record.add(key.substring(bar), count);
            } else {
                Long stored = minute > latest ? null : minutes.fetch(key, minute);
                minutes.put(key, stored == null ? count : stored + count, minute);
                latest(minutes, minute);
            }
        });
        records.forEach((minute, accounts) -> accounts.forEach((account, record) -> journal.put(key(account, minute, sequence++), record.bytes())));
        pending.clear();
    }

    /** Adds the journal's counts of the minutes until {@code through} (inclusive) to the minute store, and deletes them from the journal. */
    void merge(long through, KeyValueStore<String, byte[]> journal, WindowStore<String, Long> minutes) {
        readMarkers(journal, minutes);
        PendingCounts merged = new PendingCounts();
        List<String> done = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> all = journal.all()) {
            while (all.hasNext()) {
                KeyValue<String, byte[]> entry = all.next();
                int bar = entry.key.indexOf('|') + 1;
                long minute = minute(entry.key, bar);
                if (minute <= through) {
                    String account = entry.key.substring(0, bar);
                    decode(entry.value, (dimension, count) -> merged.add(account + dimension, minute, count));
                    done.add(entry.key);
                }
            }
        }
        long before = latest;
        merged.forEach((minute, key, count) -> {
            Long stored = minute > before ? null : minutes.fetch(key, minute);
            minutes.put(key, stored == null ? count : stored + count, minute);
        });
        merged.forEach((minute, key, count) -> latest = Math.max(latest, minute));
        if (latest > before) {
            minutes.put(LATEST, latest, latest);
        }
        done.forEach(journal::delete);
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

    private void latest(WindowStore<String, Long> minutes, long minute) {
        if (minute > latest) {
            latest = minute;
            minutes.put(LATEST, latest, latest);
        }
    }

    /** After a start or an abort: the next sequence number after the journal's, and the minute store's latest minute. */
    private void readMarkers(KeyValueStore<String, byte[]> journal, WindowStore<String, Long> minutes) {
        if (sequence == UNREAD) {
            long last = -1;
            try (KeyValueIterator<String, byte[]> all = journal.all()) {
                while (all.hasNext()) {
                    String key = all.next().key;
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
