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
import java.util.stream.Stream;

/**
 * Local copies of an object store's objects, for DuckDB, which reads local files only (docs/query-log-object-store.md
 * §5). A copy is named by its object's key and version ({@code <key>@<version>}), so an object rewritten (retention's
 * roll-up) or deleted is never read from an old copy by a search that listed it anew; the old copy is no longer
 * named by any listing and goes as the least recently read. The copies are bounded in bytes; one read in the last two
 * minutes (a search still reading it) is kept past the bound, and one not read for an hour goes whatever the bound.
 */
final class ObjectCache {

    /** How an object is copied here: to the target, at the version listed, or {@link ObjectStore.Vanished}. */
    interface Fetch {
        void into(ObjectStore.Listed object, Path target) throws ObjectStore.Vanished;
    }

    private static final Duration IN_USE = Duration.ofMinutes(2);
    private static final Duration IDLE = Duration.ofHours(1);

    private final Path directory;
    private final long bound;
    private final ConcurrentHashMap<Path, Object> fetching = new ConcurrentHashMap<>();
    private long addedSinceSweep;

    ObjectCache(Path directory, long bound) {
        this.directory = directory.toAbsolutePath().normalize();
        this.bound = bound;
        try {
            Files.createDirectories(this.directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The local copy of the object at the version listed, fetched now if there is none (once, however many ask at once). */
    Path local(ObjectStore.Listed object, Fetch fetch) throws ObjectStore.Vanished {
        Path file = file(object);
        if (Files.isRegularFile(file) && touch(file)) {
            return file;
        }
        Object lock = fetching.computeIfAbsent(file, f -> new Object());
        try {
            synchronized (lock) {
                if (!Files.isRegularFile(file)) {
                    Files.createDirectories(file.getParent());
                    fetch.into(object, file);
                    added(object.size());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            fetching.remove(file, lock);
        }
        return file;
    }

    /** Keeps a file just written as the object's copy (the file is moved here). */
    void keep(ObjectStore.Listed object, Path written) {
        Path file = file(object);
        try {
            Files.createDirectories(file.getParent());
            Files.move(written, file, StandardCopyOption.REPLACE_EXISTING);
            added(object.size());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes every copy of objects under the prefix. */
    void forget(String prefix) {
        Path under = resolve(prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix);
        if (!Files.exists(under)) {
            return;
        }
        try (Stream<Path> files = Files.walk(under)) {
            List<Path> all = files.sorted(Comparator.reverseOrder()).toList();
            for (Path path : all) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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
        if (addedSinceSweep > bound / 16) {
            addedSinceSweep = 0;
            sweep();
        }
    }

    /** Deletes copies idle for an hour, then the least recently read until the bound holds (sparing those in use). */
    synchronized void sweep() {
        record Copy(Path file, long size, Instant read) {
        }
        List<Copy> copies = new ArrayList<>();
        try (Stream<Path> files = Files.walk(directory)) {
            files.forEach(file -> {
                try {
                    BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                    if (attributes.isRegularFile()) {
                        copies.add(new Copy(file, attributes.size(), attributes.lastModifiedTime().toInstant()));
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
    }
}
