package dev.parapet.diagnostics.devices;

import java.util.concurrent.ConcurrentHashMap;

/**
 * One copy of each of the few values that many devices share (operating system names, editions and versions, agent
 * versions, states): the rows held in memory point at it instead of each keeping its own, which is a third of a row's
 * size. The values come from agents, so at most a bound of them are kept; past it a value is simply not shared.
 */
final class Interned {

    /** The values of the device rows: 10 000 at most. */
    static final Interned VALUES = new Interned(10_000);

    private final int max;
    private final ConcurrentHashMap<String, String> values = new ConcurrentHashMap<>();

    Interned(int max) {
        this.max = max;
    }

    String of(String value) {
        if (value == null) {
            return null;
        }
        String known = values.get(value);
        if (known != null) {
            return known;
        }
        if (values.size() >= max) {
            return value;
        }
        String first = values.putIfAbsent(value, value);
        return first == null ? value : first;
    }

    /** {@code value}, as the copy {@code before} already is when they are equal (a heartbeat usually repeats the last one). */
    String of(String value, String before) {
        return value != null && value.equals(before) ? before : of(value);
    }
}
