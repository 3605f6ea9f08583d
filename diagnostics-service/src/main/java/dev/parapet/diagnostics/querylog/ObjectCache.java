package dev.parapet.diagnostics.querylog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;

/**
 * Local copies of an object store's objects, for DuckDB, which reads local files only (docs/query-log-object-store.md
 * §5). A copy is named by its object's key and version ({@code <key>@<version>}), so an object rewritten (retention's
 * roll-up) or deleted is never read from an old copy by a search that listed it anew; the old copy is no longer
 * named by any listing and goes as the least recently read. The copies are bounded in bytes; one read in the last two
 * minutes (a search still reading it) is kept past the bound, and one not read for an hour goes whatever the bound.
 * The copies are swept at the start, after every sixteenth of the bound added, and at least every ten minutes while
 * the store is used; a sweep also removes the directories it left empty.
 */
final class ObjectCache {

    /** How an object is copied here: to the target, at the version listed, or {@link ObjectStore.Vanished}. */
    interface Fetch {
        void into(ObjectStore.Listed object, Path target) throws ObjectStore.Vanished;
    }

    private static final Duration IN_USE = Duration.ofMinutes(2);
    private static final Duration IDLE = Duration.ofHours(1);
    private static final long SWEEP_EVERY = Duration.ofMinutes(10).toNanos();

    private final Path directory;
    private final long bound;
    private final ConcurrentHashMap<Path, Object> fetching = new ConcurrentHashMap<>();
    private long addedSinceSweep;
    private volatile long lastSweep;
    /** Copies are made under its read lock, and sweeps run under its write lock: a sweep never removes a directory being filled. */
    private final ReadWriteLock copying = new ReentrantReadWriteLock();

    ObjectCache(Path directory, long bound) {
        this.directory = directory.toAbsolutePath().normalize();
        this.bound = bound;
        try {
            Files.createDirectories(this.directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        sweep();
    }

    /** The local copy of the object at the version listed, fetched now if there is none (once, however many ask at once). */
    Path local(ObjectStore.Listed object, Fetch fetch) throws ObjectStore.Vanished {
        if (System.nanoTime() - lastSweep > SWEEP_EVERY) {
            sweep();
        }
        Path file = file(object);
        if (Files.isRegularFile(file) && touch(file)) {
            return file;
        }
        Object lock = fetching.computeIfAbsent(file, f -> new Object());
        boolean fetched = false;
        try {
            synchronized (lock) {
                if (!Files.isRegularFile(file)) {
                    copying.readLock().lock();
                    try {
                        Files.createDirectories(file.getParent());
                        fetch.into(object, file);
                    } finally {
                        copying.readLock().unlock();
                    }
                    fetched = true;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            fetching.remove(file, lock);
        }
        if (fetched) {
            added(object.size());
        }
        return file;
    }

    /** Keeps a file just written as the object's copy (the file is moved here). */
    void keep(ObjectStore.Listed object, Path written) {
        Path file = file(object);
        copying.readLock().lock();
        try {
            Files.createDirectories(file.getParent());
            Files.move(written, file, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            copying.readLock().unlock();
        }
        added(object.size());
    }

    /** Deletes every copy of objects under the prefix. */
    void forget(String prefix) {
        Path under = resolve(prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix);
        copying.writeLock().lock();
        try (Stream<Path> files = Files.exists(under) ? Files.walk(under) : Stream.empty()) {
            List<Path> all = files.sorted(Comparator.reverseOrder()).toList();
            for (Path path : all) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            copying.writeLock().unlock();
        }
    }

    private Path file(ObjectStore.Listed object) {
        return resolve(object.key() + "@" + object.version().replaceAll("[^0-9A-Za-z-]", "_"));
    }

    /** A path under the cache's directory: a key that would lead out of it (planted in the bucket) is refused. */
    private Path resolve(String relative) {
        Path path = directory.resolve(relative).normalize();
        if (!path.startsWith(directory) || path.equals(directory)) {
            throw new IllegalStateException("Not a key of the query log: " + relative);
        }
        return path;
    }

    private static boolean touch(Path file) {
        try {
            Files.setLastModifiedTime(file, FileTime.from(Instant.now()));
            return true;
        } catch (IOException gone) {
            return false;   // evicted meanwhile: fetched again
        }
    }

    private synchronized void added(long bytes) {
        addedSinceSweep += bytes;
        if (addedSinceSweep > bound / 16 || System.nanoTime() - lastSweep > SWEEP_EVERY) {
            sweep();
        }
    }

    /** Deletes copies idle for an hour, then the least recently read until the bound holds (sparing those in use). */
    synchronized void sweep() {
        copying.writeLock().lock();
        try {
            sweepHeld();
        } finally {
            copying.writeLock().unlock();
        }
    }

    private void sweepHeld() {
        addedSinceSweep = 0;
        lastSweep = System.nanoTime();
        record Copy(Path file, long size, Instant read) {
        }
        List<Copy> copies = new ArrayList<>();
        List<Path> directories = new ArrayList<>();
        try (Stream<Path> files = Files.walk(directory)) {
            files.forEach(file -> {
                try {
                    BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                    if (attributes.isRegularFile()) {
                        copies.add(new Copy(file, attributes.size(), attributes.lastModifiedTime().toInstant()));
                    } else if (attributes.isDirectory() && !file.equals(directory)) {
                        directories.add(file);
                    }
                } catch (IOException gone) {
                    // deleted meanwhile
                }
            });
        } catch (IOException | UncheckedIOException e) {
            return;   // swept next time
        }
        copies.sort(Comparator.comparing(Copy::read));
        long total = copies.stream().mapToLong(Copy::size).sum();
        Instant now = Instant.now();
        for (Copy copy : copies) {
            boolean idle = copy.read().isBefore(now.minus(IDLE));
            boolean over = total > bound && copy.read().isBefore(now.minus(IN_USE));
            if (idle || over) {
                try {
                    Files.deleteIfExists(copy.file());
                    total -= copy.size();
                } catch (IOException ignored) {
                    // tried again at the next sweep
                }
            }
        }
        // Deepest first, so a parent emptied by its children goes too; one that a fetch fills meanwhile stays.
        directories.sort(Comparator.comparingInt(Path::getNameCount).reversed());
        for (Path empty : directories) {
            try {
                Files.delete(empty);
            } catch (IOException notEmpty) {
                // holds copies, or was filled meanwhile
            }
        }
    }
}
