package dev.parapet.diagnostics.devices;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A task's device rows, decoded, in front of its store: a row is read from the store the first time it is
 * needed, then served from memory; a changed row is written to the store once, by {@link #writeChanged()},
 * however many heartbeats changed it since. At most {@code kept} rows are held; once that many are, the rows
 * of other devices are read from and written to the store each time, as they all were before (the store's
 * record cache then does what it did). Nothing is evicted, so a full task costs what it used to, never more.
 * One stream thread uses it.
 */
final class Rows {

    private final KeyValueStore<String, DeviceRow> store;
    private final int kept;
    private final Set<String> changed = new HashSet<>();
    private final Map<String, DeviceRow> held = new HashMap<>();

    Rows(KeyValueStore<String, DeviceRow> store, int kept) {
        this.store = store;
        this.kept = kept;
    }

    /** The row, or null if the device has none. */
    DeviceRow get(String key) {
        DeviceRow row = held.get(key);
        if (row == null) {
            row = store.get(key);
            if (row != null && held.size() < kept) {
                held.put(key, row);
            }
        }
        return row;
    }

    void put(String key, DeviceRow row) {
        if (held.size() < kept || held.containsKey(key)) {
            held.put(key, row);
            changed.add(key);
        } else {
            store.put(key, row);
        }
    }

    /** The changed rows into the store (and so its changelog), before a commit or a read of the store itself. */
    void writeChanged() {
        for (Iterator<String> keys = changed.iterator(); keys.hasNext(); ) {
            String key = keys.next();
            store.put(key, held.get(key));
            keys.remove();
        }
    }

    /** Forgets every row held, changed or not: the store is the truth. */
    void clear() {
        changed.clear();
        held.clear();
    }

    int size() {
        return held.size();
    }
}
