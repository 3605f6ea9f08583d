package dev.parapet.diagnostics.querylog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The query log's objects as files under a directory: a local volume, or a shared one whose renames are atomic and
 * whose hard links fail when the name is taken (a local file system, NFSv4). An object is written into a temporary
 * file under {@code _work/} (the same file system) and renamed into place, or, to create it only if absent, linked to
 * its name. {@code _work/} is never listed; hidden names beside objects are listed like any other (the log's readers pass
 * over them, and retention deletes what a run that stopped left of them).
 */
final class DirectoryObjectStore implements ObjectStore {

    /** Temporaries older than this in {@code _work/} are a crashed writer's, deleted at the start. */
    private static final Duration STALE = Duration.ofDays(1);

    private final Path root;
    private final Path work;

    DirectoryObjectStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
        this.work = this.root.resolve("_work");
        sweepStaleTemporaries();
    }

    /** The file that holds the object of a key. */
    Path path(String key) {
        Path path = root.resolve(key).normalize();
        if (key.isEmpty() || key.startsWith("/") || !path.startsWith(root) || path.equals(root)) {
            throw new IllegalArgumentException("Not a key of the query log: " + key);
        }
        return path;
    }

    Path root() {
        return root;
    }

    @Override
    public String describe() {
        return root.toString();
    }

    @Override
    public List<Listed> list(String prefix, String startAfter) {
        // The directory the prefix's last "/" names holds every key that starts with it.
        int slash = prefix.lastIndexOf('/');
        Path start = (slash < 0 ? root : root.resolve(prefix.substring(0, slash))).normalize();
        if (!start.startsWith(root)) {
            throw new IllegalArgumentException("Not a prefix of the query log: " + prefix);
        }
        List<Listed> listed = new ArrayList<>();
        if (!Files.isDirectory(start)) {
            return listed;
        }
        try (Stream<Path> files = Files.walk(start)) {
            files.forEach(file -> {
                String key = key(file);
                if (key.startsWith(prefix) && (startAfter == null || key.compareTo(startAfter) > 0) && !key.startsWith("_work/")) {
                    try {
                        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                        if (attributes.isRegularFile()) {
                            listed.add(new Listed(key, version(attributes), attributes.size()));
                        }
                    } catch (NoSuchFileException gone) {
                        // deleted while listed
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            });
        } catch (UncheckedIOException e) {
            if (!(e.getCause() instanceof NoSuchFileException)) {
                throw e;
            }
            // a directory removed while walked (retention, another instance): what is left is listed next time
        } catch (NoSuchFileException removed) {
            // removed before it was walked
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        listed.sort(Comparator.comparing(Listed::key));
        return listed;
    }

    @Override
    public List<String> children(String prefix) {
        Path directory = prefix.isEmpty() ? root : path(prefix);
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> listing = Files.newDirectoryStream(directory)) {
            for (Path child : listing) {
                if (Files.isDirectory(child)) {
                    names.add(child.getFileName().toString());
                }
            }
        } catch (NoSuchFileException none) {
            // nothing there (yet, or any more)
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        names.sort(null);
        return names;
    }

    private String key(Path file) {
        return root.relativize(file).toString().replace(java.io.File.separatorChar, '/');
    }

    private static String version(BasicFileAttributes attributes) {
        return attributes.size() + "-" + attributes.lastModifiedTime().toInstant().getEpochSecond() + "."
                + attributes.lastModifiedTime().toInstant().getNano() + "-" + attributes.fileKey();
    }

    @Override
    public Optional<byte[]> read(String key) {
        try {
            return Optional.of(Files.readAllBytes(path(key)));
        } catch (NoSuchFileException none) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public boolean create(String key, byte[] content) {
        Path target = path(key);
        Path temporary = ObjectStore.hiddenBeside(target);
        try {
            Files.createDirectories(target.getParent());
            Files.write(temporary, content);
            try {
                // A link fails if the name is taken, whoever else is linking at the same moment.
                Files.createLink(target, temporary);
                return true;
            } catch (FileAlreadyExistsException taken) {
                return false;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(temporary);
        }
    }

    @Override
    public Path temporary(String key) {
        path(key);
        try {
            Files.createDirectories(work);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return work.resolve(UUID.randomUUID() + ".tmp");
    }

    @Override
    public Listed publish(Path file, String key) {
        Path target = path(key);
        try {
            Files.createDirectories(target.getParent());
            if (!file.toAbsolutePath().normalize().startsWith(root)) {
                // Not one of ours: copied beside its target first, so that the rename is atomic.
                Path beside = ObjectStore.hiddenBeside(target);
                Files.copy(file, beside);
                Files.delete(file);
                file = beside;
            }
            Files.move(file, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            BasicFileAttributes attributes = Files.readAttributes(target, BasicFileAttributes.class);
            return new Listed(key, version(attributes), attributes.size());
        } catch (IOException e) {
            deleteQuietly(file);
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void write(String key, byte[] content) {
        Path temporary = temporary(key);
        try {
            Files.write(temporary, content);
        } catch (IOException e) {
            deleteQuietly(temporary);
            throw new UncheckedIOException(e);
        }
        publish(temporary, key);
    }

    @Override
    public void download(Listed object, Path target) throws Vanished {
        Path source = path(object.key());
        Path temporary = ObjectStore.hiddenBeside(target);
        try {
            Files.copy(source, temporary);
            // Copied, then checked: a rewrite during the copy changes the version too, so what was copied is the version listed.
            if (!version(Files.readAttributes(source, BasicFileAttributes.class)).equals(object.version())) {
                throw new Vanished(object.key());
            }
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (NoSuchFileException gone) {
            throw new Vanished(object.key());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(temporary);
        }
    }

    @Override
    public Path local(Listed object) throws Vanished {
        Path file = path(object.key());
        if (!Files.isRegularFile(file)) {
            throw new Vanished(object.key());
        }
        return file;
    }

    @Override
    public void forget(String prefix) {
        // nothing copied: the files are the objects
    }

    @Override
    public void move(String from, String to) {
        Path source = path(from);
        Path target = path(to);
        try {
            Files.createDirectories(target.getParent());
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        deleteEmptyParents(source);
    }

    @Override
    public void delete(String key) {
        Path file = path(key);
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        deleteEmptyParents(file);
    }

    /** Directories left empty go, up to the table's, so that a deleted hour or account leaves nothing behind. */
    private void deleteEmptyParents(Path file) {
        for (Path directory = file.getParent(); directory != null && directory.getNameCount() > root.getNameCount() + 1;
             directory = directory.getParent()) {
            if (!deleteIfEmpty(directory)) {
                break;
            }
        }
    }

    private static boolean deleteIfEmpty(Path directory) {
        try {
            return Files.deleteIfExists(directory);
        } catch (java.nio.file.DirectoryNotEmptyException stillUsed) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A lock on the key's file, held by this process until closed; works between instances where the volume honours locks. */
    @Override
    public Optional<Hold> tryHold(String key, Duration wait) {
        Path file = path(key);
        long deadline = System.nanoTime() + wait.toNanos();
        try {
            Files.createDirectories(file.getParent());
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                FileLock lock = tryLock(channel);
                while (lock == null) {
                    if (System.nanoTime() - deadline > 0) {
                        channel.close();
                        return Optional.empty();
                    }
                    Thread.sleep(50);
                    lock = tryLock(channel);
                }
                return Optional.of(new Hold() {
                    @Override
                    public void check() {
                        // held as long as this process lives
                    }

                    @Override
                    public void close() {
                        try {
                            channel.close();
                        } catch (IOException ignored) {
                            // released with its channel in any case
                        }
                    }
                });
            } catch (InterruptedException e) {
                channel.close();
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException heldInThisJvm) {
            return null;   // another instance of the service in the same JVM (tests start two)
        }
    }

    private void sweepStaleTemporaries() {
        if (!Files.isDirectory(work)) {
            return;
        }
        Instant before = Instant.now().minus(STALE);
        try (DirectoryStream<Path> temporaries = Files.newDirectoryStream(work, "*.tmp")) {
            for (Path temporary : temporaries) {
                if (Files.getLastModifiedTime(temporary).toInstant().isBefore(before)) {
                    deleteQuietly(temporary);
                }
            }
        } catch (IOException ignored) {
            // swept at the next start
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a hidden name left behind: readers pass over it, and retention deletes it
        }
    }

    @Override
    public void close() {
        // nothing held
    }
}
