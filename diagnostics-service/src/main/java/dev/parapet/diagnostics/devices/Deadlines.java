package dev.parapet.diagnostics.devices;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * When each key (a device, or an account) is next due for another look, in time order: at most one
 * time per key, the latest scheduled replacing the one before. The findings that come with time alone
 * (no heartbeat, configuration behind) are reviewed by taking what is due, instead of reading every
 * device every few seconds. One stream thread uses it.
 */
final class Deadlines {

    private record Due(long at, String key) implements Comparable<Due> {
        @Override
        public int compareTo(Due other) {
            int byTime = Long.compare(at, other.at);
            return byTime != 0 ? byTime : key.compareTo(other.key);
        }
    }

    private final Map<String, Long> byKey = new HashMap<>();
    private final TreeSet<Due> byTime = new TreeSet<>();

    /** Due at {@code at} (epoch milliseconds), instead of any earlier time scheduled for it. */
    void schedule(String key, long at) {
        Long previous = byKey.put(key, at);
        if (previous != null) {
            if (previous == at) {
                return;
            }
            byTime.remove(new Due(previous, key));
        }
        byTime.add(new Due(at, key));
    }

    void cancel(String key) {
        Long previous = byKey.remove(key);
        if (previous != null) {
            byTime.remove(new Due(previous, key));
        }
    }

    /** The keys due at {@code now} or before, earliest first, no longer scheduled. */
    List<String> takeDue(long now) {
        List<String> due = new ArrayList<>();
        while (!byTime.isEmpty() && byTime.first().at() <= now) {
            Due first = byTime.pollFirst();
            byKey.remove(first.key());
            due.add(first.key());
        }
        return due;
    }

    int size() {
        return byKey.size();
    }

    void clear() {
        byKey.clear();
        byTime.clear();
    }
}
