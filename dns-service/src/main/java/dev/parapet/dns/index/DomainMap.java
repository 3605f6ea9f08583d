package dev.parapet.dns.index;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A mutable map from domain to a 64-bit value (a category bit mask), kept as fingerprints like
 * {@link DomainSet}: 16 bytes a slot at 75% load, no names. One thread updates it (the topic follower);
 * {@link #snapshot()} copies it into an immutable {@link DomainSet} for the query path, so lookups never
 * see a half-made change. Deletion shifts entries back (linear probing), so no tombstones accumulate.
 */
public final class DomainMap {

    private final long k0 = DomainSet.RANDOM.nextLong();
    private final long k1 = DomainSet.RANDOM.nextLong();
    private long[] slots = new long[16];
    private long[] values = new long[16];
    private int size;

    public int size() {
        return size;
    }

    /** Sets the value of a domain (normalised); a value of 0 removes it. */
    public void put(String domain, long value) {
        byte[] bytes = domain.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length == 0 || bytes.length > 255) {
            return;
        }
        long fingerprint = DomainSet.fingerprint(k0, k1, bytes, 0, bytes.length);
        if (value == 0) {
            remove(fingerprint);
            return;
        }
        if (size + 1 > slots.length * DomainSet.LOAD) {
            resize(slots.length * 2);
        }
        int slot = DomainSet.slotOf(fingerprint, slots.length);
        while (slots[slot] != DomainSet.EMPTY && slots[slot] != fingerprint) {
            slot = next(slot);
        }
        if (slots[slot] == DomainSet.EMPTY) {
            size++;
        }
        slots[slot] = fingerprint;
        values[slot] = value;
    }

    private void remove(long fingerprint) {
        int slot = DomainSet.slotOf(fingerprint, slots.length);
        while (slots[slot] != fingerprint) {
            if (slots[slot] == DomainSet.EMPTY) {
                return;
            }
            slot = next(slot);
        }
        size--;
        // Backward-shift: move later entries of the run into the hole when their home allows it.
        int hole = slot;
        int at = next(hole);
        while (slots[at] != DomainSet.EMPTY) {
            int home = DomainSet.slotOf(slots[at], slots.length);
            boolean movable = hole <= at ? (home <= hole || home > at) : (home <= hole && home > at);
            if (movable) {
                slots[hole] = slots[at];
                values[hole] = values[at];
                hole = at;
            }
            at = next(at);
        }
        slots[hole] = DomainSet.EMPTY;
        values[hole] = 0;
    }

    private int next(int slot) {
        return slot + 1 == slots.length ? 0 : slot + 1;
    }

    private void resize(int capacity) {
        long[] oldSlots = slots;
        long[] oldValues = values;
        slots = new long[capacity];
        values = new long[capacity];
        for (int i = 0; i < oldSlots.length; i++) {
            if (oldSlots[i] != DomainSet.EMPTY) {
                int slot = DomainSet.slotOf(oldSlots[i], capacity);
                while (slots[slot] != DomainSet.EMPTY) {
                    slot = next(slot);
                }
                slots[slot] = oldSlots[i];
                values[slot] = oldValues[i];
            }
        }
    }

    /** An immutable copy for lookups ({@link DomainSet#valueOf}). */
    public DomainSet snapshot() {
        return new DomainSet(k0, k1, Arrays.copyOf(slots, slots.length), Arrays.copyOf(values, values.length), size);
    }
}
