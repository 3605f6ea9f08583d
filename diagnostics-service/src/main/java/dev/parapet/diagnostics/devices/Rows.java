package dev.parapet.diagnostics.devices;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A task's device rows, decoded, in front of its store (which has no record cache): a row is read from the
 * store the first time it is needed, then served from memory; a changed row is written to the store once,
 * by {@link #writeChanged()}, however many heartbeats changed it since. At most {@code kept} rows are held:
 * the least recently used goes first, written to the store before it goes if it had changed. One stream
 * thread uses it.
 */
final class Rows {

    private final KeyValueStore<String, DeviceRow> store;
    private final Set<String> changed = new HashSet<>();
    private final LinkedHashMap<String, DeviceRow> held;

    Rows(KeyValueStore<String, DeviceRow> store, int kept) {
        this.store = store;
        this.held = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, DeviceRow> eldest) {
                if (size() <= kept) {
                    return false;
                }
                if (changed.remove(eldest.getKey())) {
                    store.put(eldest.getKey(), eldest.getValue());
                }
                return true;
            }
        };
    }

    /** The row, or null if the device has none. */
    DeviceRow get(String key) {
        DeviceRow row = held.get(key);
        if (row == null) {
            row = store.get(key);
            if (row != null) {
                held.put(key, row);
            }
        }
        return row;
    }

    void put(String key, DeviceRow row) {
        held.put(key, row);
        changed.add(key);
    }

    /** The changed rows into the store (and so its changelog), before a commit or a read of the store itself. */
    void writeChanged() {
        for (String key : changed) {
            store.put(key, held.get(key));
        }
        changed.clear();
    }

    /** Forgets every row held, changed or not: after an aborted transaction, the store is the truth. */
    void clear() {
        changed.clear();
        held.clear();
    }

    int size() {
        return held.size();
    }
}
