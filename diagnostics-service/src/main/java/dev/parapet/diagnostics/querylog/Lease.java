package dev.parapet.diagnostics.querylog;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A hold on a key of an object store between instances, on create-if-absent alone: numbered objects
 * {@code <prefix>lease-<n>}, each saying who holds the key until when. Whoever creates the number after an expired (or
 * released) one holds it; the holder renews by creating the next number every third of the lease's time, and learns
 * that it lost the hold when the number is taken, or when a higher one exists: the highest number is never deleted,
 * so a holder that stalled while others took and released the key, deleting the numbers before theirs, finds theirs
 * above the one it created again. {@link #check} fails once a third of the time is left unrenewed, so a
 * holder stops acting well before another may take over; a holder paused longer than that between its check and its
 * next change is the risk left (docs/query-log-object-store.md §4.6).
 */
final class Lease implements ObjectStore.Hold {

    /** How far apart two instances' clocks may be: an expired lease is taken this much later. */
    static final Duration SKEW = Duration.ofSeconds(5);
    private static final Pattern ENTRY = Pattern.compile("lease-(\\d{19})");
    private static final Pattern CONTENT = Pattern.compile("([0-9a-f-]{36}) (\\d{1,19})");

    private final ObjectStore store;
    private final String prefix;
    private final String holder;
    private final Duration time;
    private long sequence;
    private long expires;
    private boolean lost;
    private boolean closed;
    private ScheduledFuture<?> renewal;

    private Lease(ObjectStore store, String prefix, String holder, Duration time, long sequence, long expires) {
        this.store = store;
        this.prefix = prefix;
        this.holder = holder;
        this.time = time;
        this.sequence = sequence;
        this.expires = expires;
    }

    static Optional<ObjectStore.Hold> take(ObjectStore store, String prefix, Duration wait, Duration time, ScheduledExecutorService renewals) {
        String holder = UUID.randomUUID().toString();
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            List<ObjectStore.Listed> entries = store.list(prefix + "lease-", null).stream()
                    .filter(listed -> ENTRY.matcher(listed.key().substring(prefix.length())).matches()).toList();
            long last = entries.isEmpty() ? -1 : number(prefix, entries.get(entries.size() - 1).key());
            Optional<byte[]> content = last < 0 ? Optional.of(new byte[0]) : store.read(key(prefix, last));
            if (content.isPresent() && free(new String(content.get(), StandardCharsets.US_ASCII))) {
                long until = System.currentTimeMillis() + time.toMillis();
                byte[] ours = (holder + " " + until).getBytes(StandardCharsets.US_ASCII);
                if (store.createOrRecognise(key(prefix, last + 1), ours)) {
                    Lease lease = new Lease(store, prefix, holder, time, last + 1, until);
                    for (ObjectStore.Listed older : entries) {
                        store.delete(older.key());
                    }
                    long every = Math.max(1, time.toMillis() / 3);
                    lease.renewal = renewals.scheduleAtFixedRate(lease::renew, every, every, TimeUnit.MILLISECONDS);
                    return Optional.of(lease);
                }
                continue;   // another instance took it first: read what it wrote
            }
            if (System.nanoTime() - deadline > 0) {
                return Optional.empty();
            }
            try {
                Thread.sleep(Math.min(250, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }

    /** Whether a lease's content lets another take the key: none, released, expired, or not one of ours (then expired too). */
    private static boolean free(String content) {
        if (content.isEmpty()) {
            return true;
        }
        Matcher matcher = CONTENT.matcher(content);
        return !matcher.matches() || System.currentTimeMillis() > Long.parseLong(matcher.group(2)) + SKEW.toMillis();
    }

    private static long number(String prefix, String key) {
        return Long.parseLong(key.substring(prefix.length() + "lease-".length()));
    }

    private static String key(String prefix, long sequence) {
        return prefix + "lease-" + String.format("%019d", sequence);
    }

    private synchronized void renew() {
        if (lost || closed) {
            return;
        }
        try {
            long until = System.currentTimeMillis() + time.toMillis();
            String next = key(prefix, sequence + 1);
            if (store.createOrRecognise(next, (holder + " " + until).getBytes(StandardCharsets.US_ASCII))
                    && !store.any(prefix + "lease-", next)) {
                store.delete(key(prefix, sequence));
                sequence++;
                expires = until;
            } else {
                lost = true;
            }
        } catch (RuntimeException unreachable) {
            // the store did not answer: check() fails once too little of the lease is left
        }
    }

    @Override
    public synchronized void check() {
        if (lost || System.currentTimeMillis() > expires - time.toMillis() / 3) {
            throw new IllegalStateException("The query log's hold on " + prefix + " was lost (not renewed in time)");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (renewal != null) {
            renewal.cancel(false);
        }
        if (!lost) {
            try {
                // Released: the next number says the lease ended, so the next holder need not wait for it to expire.
                if (store.create(key(prefix, sequence + 1), (holder + " 0").getBytes(StandardCharsets.US_ASCII))) {
                    store.delete(key(prefix, sequence));
                }
            } catch (RuntimeException unreachable) {
                // it expires instead
            }
        }
    }
}
