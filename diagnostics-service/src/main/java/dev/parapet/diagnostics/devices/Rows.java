package dev.parapet.diagnostics.devices;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A task's device rows, decoded, in front of its store: a row is read from the store the first time it is
 * needed, then served from memory; a changed row is written to the store once, by {@link #writeChanged()},
 * however many heartbeats changed it since. At most {@code kept} rows are held; once that many are, the rows
 * of other devices are read from and written to the store each time (a least-recently-used eviction thrashed
 * with 100 000 devices; the bound defaults to a fifth of the heap, enough for them all). One stream thread uses it.
 *
 * <p>A heartbeat reads its row and then puts the next one: the put finds the row's place from the read before it,
 * so each heartbeat looks its key up once (among 100 000 keys, each lookup is a few cache misses).
 */
final class Rows<K> {

    /** A row held, and whether it has changed since it was last written to the store. */
    private static final class Held<K> {
        final K key;
        DeviceRow row;
        boolean changed;

        Held(K key, DeviceRow row) {
            this.key = key;
            this.row = row;
        }
    }

    private final KeyValueStore<K, DeviceRow> store;
    private final int kept;
    private final Map<K, Held<K>> held = new HashMap<>();
    private final List<Held<K>> changed = new ArrayList<>();
    /** The row read last, which the put that follows its read changes. */
    private Held<K> last;

    Rows(KeyValueStore<K, DeviceRow> store, int kept) {
        this.store = store;
        this.kept = kept;
    }

    /** The row, or null if the device has none. */
    DeviceRow get(K key) {
        Held<K> row = held.get(key);
        if (row != null) {
            last = row;
            return row.row;
        }
        DeviceRow stored = store.get(key);
        if (stored != null && held.size() < kept) {
            last = new Held<>(key, stored);
            held.put(key, last);
        }
        return stored;
    }

    void put(K key, DeviceRow row) {
        Held<K> place = last != null && last.key.equals(key) ? last : held.get(key);
        if (place == null && held.size() < kept) {
            place = new Held<>(key, row);
            held.put(key, place);
        }
        if (place == null) {
            store.put(key, row);
            return;
        }
        place.row = row;
        if (!place.changed) {
            place.changed = true;
            changed.add(place);
        }
    }

    /** The changed rows into the store (and so its changelog), before a commit or a read of the store itself. */
    void writeChanged() {
        int written = 0;
        try {
            for (Held<K> row : changed) {
                store.put(row.key, row.row);
                row.changed = false;
                written++;
            }
        } finally {
            changed.subList(0, written).clear();   // what failed, and what came after it, is still to be written
        }
    }

    /** Forgets every row held, changed or not: the store is the truth. */
    void clear() {
        changed.clear();
        held.clear();
        last = null;
    }

    int size() {
        return held.size();
    }
}
