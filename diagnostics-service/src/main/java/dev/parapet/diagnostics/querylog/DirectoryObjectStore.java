package dev.parapet.diagnostics.querylog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The query log's objects as files under a directory: a local volume, or a shared one whose renames are atomic and
 * whose hard links fail when the name is taken (a local file system, NFSv4). Each object is written under a hidden
 * temporary name beside its own ({@code .<name>.<uuid>.tmp}, never listed) and then renamed, or, to create it only
 * if absent, linked to its name.
 */
final class DirectoryObjectStore implements ObjectStore {

    private final Path root;

    DirectoryObjectStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** The file that holds the object of a key. */
    Path path(String key) {
        Path path = root.resolve(key).normalize();
        if (key.isEmpty() || key.startsWith("/") || !path.startsWith(root) || path.equals(root)) {
            throw new IllegalArgumentException("Not a key of the query log: " + key);
        }
        return path;
    }

    @Override
    public String describe() {
        return root.toString();
    }

    @Override
    public List<Listed> list(String prefix, String startAfter) {
        // The directory the prefix's last "/" names holds every key that starts with it.
        int slash = prefix.lastIndexOf('/');
        Path start = slash < 0 ? root : root.resolve(prefix.substring(0, slash));
        List<Listed> listed = new ArrayList<>();
        if (!start.normalize().startsWith(root)) {
            throw new IllegalArgumentException("Not a prefix of the query log: " + prefix);
        }
        try (Stream<Path> files = Files.walk(start)) {
            files.forEach(file -> {
                String key = key(file);
                if (key.startsWith(prefix) && (startAfter == null || key.compareTo(startAfter) > 0) && !isTemporary(file)) {
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
        } catch (NoSuchFileException | UncheckedIOException none) {
            if (none instanceof UncheckedIOException unchecked && !(unchecked.getCause() instanceof NoSuchFileException)) {
                throw unchecked;
            }
            // no such directory, or removed meanwhile
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        listed.sort(java.util.Comparator.comparing(Listed::key));
        return listed;
    }

    private String key(Path file) {
        return root.relativize(file).toString().replace(java.io.File.separatorChar, '/');
    }

    private static boolean isTemporary(Path file) {
        String name = file.getFileName().toString();
        return name.startsWith(".") && name.endsWith(".tmp");
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
        Path temporary = temporary(target);
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
    public Listed publish(Path file, String key) {
        Path target = path(key);
        Path temporary = temporary(target);
        try {
            Files.createDirectories(target.getParent());
            Files.copy(file, temporary);
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return new Listed(key, version(Files.readAttributes(target, BasicFileAttributes.class)), Files.size(target));
        } catch (IOException e) {
            deleteQuietly(temporary);
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void download(Listed object, Path target) throws Vanished {
        Path source = path(object.key());
        Path temporary = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
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
    public void delete(String key) {
        try {
            Files.deleteIfExists(path(key));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path temporary(Path target) {
        return target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a temporary left behind is never listed
        }
    }

    @Override
    public void close() {
        // nothing held
    }
}
