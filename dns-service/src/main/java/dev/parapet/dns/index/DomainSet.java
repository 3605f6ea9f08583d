package dev.parapet.dns.index;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * An immutable set of domain names that answers, without allocating, whether a queried name or one
 * of its parent domains is in it, and which one: a listed domain covers all its subdomains.
 * <p>
 * It keeps no names, only a 64-bit SipHash-2-4 fingerprint of each, under a key drawn at random per
 * process, in an open-addressing table of longs 75% full: about 10.7 bytes a domain. Two names share a
 * fingerprint with probability 2^-64 per pair, and because the key is secret nobody can craft a name
 * that collides with a listed one (which could otherwise pass as an allowed domain). A lookup
 * fingerprints each suffix of the query that starts at a label, the whole name first, so the most
 * specific listed domain is found first.
 */
public final class DomainSet {

    static final double LOAD = 0.75;
    static final long EMPTY = 0;
    static final SecureRandom RANDOM = new SecureRandom();

    private final long k0;
    private final long k1;
    private final long[] slots;
    /** A value per slot (a category bit mask), or null for a plain set. */
    private final long[] values;
    private final int size;

    DomainSet(long k0, long k1, long[] slots, long[] values, int size) {
        this.k0 = k0;
        this.k1 = k1;
        this.slots = slots;
        this.values = values;
        this.size = size;
    }

    public static Builder builder(int expected) {
        return new Builder(expected, RANDOM.nextLong(), RANDOM.nextLong());
    }

    public static DomainSet of(String... domains) {
        Builder builder = builder(domains.length);
        for (String domain : domains) {
            builder.add(domain);
        }
        return builder.build();
    }

    public int size() {
        return size;
    }

    /** Heap bytes of the table that holds the set. */
    public long footprintBytes() {
        return 8L * slots.length;
    }

    public boolean coversName(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        return match(bytes, 0, bytes.length) >= 0;
    }

    /**
     * Where in {@code name[offset, offset+length)} (a dotted name, any case, no trailing dot) the most
     * specific listed domain starts, or -1 if neither the name nor any parent is listed.
     */
    public int match(byte[] name, int offset, int length) {
        long found = find(name, offset, length);
        return found < 0 ? -1 : (int) (found >>> 32);
    }

    /**
     * The value of the most specific listed domain covering the name (the name itself or its nearest
     * listed parent), or 0 when none is listed. Only for sets built with values ({@link DomainMap}).
     */
    public long valueOf(byte[] name, int offset, int length) {
        long found = find(name, offset, length);
        return found < 0 ? 0 : values == null ? 1 : values[(int) found];
    }

    /**
     * The most specific listed suffix of the name: where it starts (high 32 bits) and its slot (low
     * 32 bits), or -1. Each label suffix is fingerprinted in turn, the whole name first.
     */
    private long find(byte[] name, int offset, int length) {
        int end = offset + length;
        for (int start = offset; start < end; ) {
            int slot = slotOfFingerprint(fingerprint(k0, k1, name, start, end - start));
            if (slot >= 0) {
                return (long) start << 32 | slot;
            }
            int dot = start;
            while (dot < end && name[dot] != '.') {
                dot++;
            }
            if (dot >= end) {
                return -1;
            }
            start = dot + 1;
        }
        return -1;
    }

    private int slotOfFingerprint(long fingerprint) {
        if (slots.length == 0) {
            return -1;
        }
        int slot = slotOf(fingerprint, slots.length);
        while (true) {
            long at = slots[slot];
            if (at == EMPTY) {
                return -1;
            }
            if (at == fingerprint) {
                return slot;
            }
            slot = slot + 1 == slots.length ? 0 : slot + 1;
        }
    }

    static int slotOf(long fingerprint, int capacity) {
        return (int) Long.remainderUnsigned(fingerprint, capacity);
    }

    /** SipHash-2-4 of the lower-cased bytes; never 0 (0 marks an empty slot). */
    static long fingerprint(long k0, long k1, byte[] bytes, int offset, int length) {
        long h = sipHash24(k0, k1, bytes, offset, length);
        return h == EMPTY ? 1 : h;
    }

    static long sipHash24(long k0, long k1, byte[] bytes, int offset, int length) {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        int blocks = length / 8;
        for (int block = 0; block < blocks; block++) {
            long m = 0;
            for (int i = 7; i >= 0; i--) {
                m = (m << 8) | (lower(bytes[offset + block * 8 + i]) & 0xffL);
            }
            v3 ^= m;
            for (int round = 0; round < 2; round++) {
                v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
                v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
                v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
                v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }
        long last = ((long) length & 0xff) << 56;
        for (int i = length - 1; i >= blocks * 8; i--) {
            last |= (lower(bytes[offset + i]) & 0xffL) << (8 * (i - blocks * 8));
        }
        v3 ^= last;
        for (int round = 0; round < 2; round++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        v0 ^= last;
        v2 ^= 0xff;
        for (int round = 0; round < 4; round++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }

    private static byte lower(byte b) {
        return b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b;
    }

    /** Collects names (already normalised: lower case, no trailing dot, punycode), then builds the set. */
    public static final class Builder {

        private final long k0;
        private final long k1;
        private long[] slots;
        private int count;

        Builder(int expected, long k0, long k1) {
            this.k0 = k0;
            this.k1 = k1;
            this.slots = new long[capacityFor(Math.max(expected, 8))];
        }

        private static int capacityFor(int count) {
            return (int) Math.min(Integer.MAX_VALUE - 8, (long) Math.ceil(count / LOAD) + 1);
        }

        /** Adds a name; false if it was there already or is empty or longer than a DNS name can be. */
        public boolean add(String domain) {
            byte[] bytes = domain.getBytes(StandardCharsets.US_ASCII);
            return add(bytes, 0, bytes.length);
        }

        /** Adds a name given as ASCII bytes (any case: the fingerprint folds it), as {@link #add(String)}. */
        public boolean add(byte[] name, int offset, int length) {
            return length > 0 && length <= 255 && addFingerprint(fingerprint(k0, k1, name, offset, length));
        }

        private boolean addFingerprint(long fingerprint) {
            if (count + 1 > slots.length * LOAD) {
                rehash(capacityFor(slots.length * 2));
            }
            int slot = slotOf(fingerprint, slots.length);
            while (slots[slot] != EMPTY) {
                if (slots[slot] == fingerprint) {
                    return false;
                }
                slot = slot + 1 == slots.length ? 0 : slot + 1;
            }
            slots[slot] = fingerprint;
            count++;
            return true;
        }

        private void rehash(int capacity) {
            long[] old = slots;
            slots = new long[capacity];
            for (long fingerprint : old) {
                if (fingerprint != EMPTY) {
                    int slot = slotOf(fingerprint, slots.length);
                    while (slots[slot] != EMPTY) {
                        slot = slot + 1 == slots.length ? 0 : slot + 1;
                    }
                    slots[slot] = fingerprint;
                }
            }
        }

        /** The set, its table sized to 75% load for what it holds. */
        public DomainSet build() {
            int capacity = capacityFor(count);
            if (capacity != slots.length) {
                rehash(capacity);
            }
            return new DomainSet(k0, k1, Arrays.copyOf(slots, slots.length), null, count);
        }
    }
}
