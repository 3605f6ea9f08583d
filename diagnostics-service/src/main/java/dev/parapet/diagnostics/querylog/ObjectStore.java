package dev.parapet.diagnostics.querylog;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where the query log keeps its objects: a directory ({@link DirectoryObjectStore}) or an S3 bucket and prefix
 * ({@link S3ObjectStore}). Keys are {@code /}-separated and relative to the root. Every write makes a whole object
 * appear at once: a reader sees the old object or the whole new one, never part of one.
 * <p>
 * The one conditional write is {@link #create}, create-if-absent. It is all the log's exactly-once protocol needs
 * ({@link PartitionLog}), and the one conditional write that AWS S3 and S3Proxy's filesystem store both settle
 * atomically between two writers (docs/query-log-object-store.md §14).
 */
interface ObjectStore extends AutoCloseable {

    /**
     * An object as listed.
     *
     * @param version what changes whenever its content does (S3: the ETag; directory: size and modification time)
     */
    record Listed(String key, String version, long size) {
    }

    /** The object was deleted or rewritten since it was listed: list again. */
    final class Vanished extends Exception {
        Vanished(String key) {
            super("The query log's object " + key + " was deleted or rewritten since it was listed");
        }
    }

    /** What the root is, for messages and logs (no secrets). */
    String describe();

    /** The objects whose keys start with {@code prefix} and sort after {@code startAfter} (null: from the first), in key order. */
    List<Listed> list(String prefix, String startAfter);

    /** Whether any object's key starts with {@code prefix} and sorts after {@code startAfter} (null: from the first). */
    default boolean any(String prefix, String startAfter) {
        return !list(prefix, startAfter).isEmpty();
    }

    /** The names of the "directories" right under a prefix that ends with {@code /} (such as {@code account=<uuid>}), sorted. */
    List<String> children(String prefix);

    /** A small object's bytes, or empty if there is none. */
    Optional<byte[]> read(String key);

    /**
     * Creates the object only if none has the key. Of two writers creating one key at once, exactly one gets true.
     *
     * @return whether this call created it (false: an object was there)
     */
    boolean create(String key, byte[] content);

    /**
     * {@link #create}, or finds the object already holds exactly this content: the store made it, but its answer was lost
     * and a retry refused. Content no other writer writes (a claim id, a holder's id) makes this tell ours from theirs.
     *
     * @return whether the object is ours
     */
    default boolean createOrRecognise(String key, byte[] content) {
        return create(key, content) || read(key).map(found -> java.util.Arrays.equals(found, content)).orElse(false);
    }

    /** A hidden name beside a file, for its content before it is renamed into place (a temporary no listing keeps). */
    static Path hiddenBeside(Path target) {
        return target.resolveSibling("." + target.getFileName() + "." + java.util.UUID.randomUUID() + ".tmp");
    }

    /** A new local file to write an object's content into, then {@linkplain #publish publish} (on the store's file system). */
    Path temporary(String key);

    /** Makes the file's content the object, whole, replacing any object of the key. The file is used up (moved or sent). */
    Listed publish(Path file, String key);

    /** Writes a small object whole, replacing any object of the key. */
    void write(String key, byte[] content);

    /** Copies the listed object, at the version listed, to the target file (replacing it). */
    void download(Listed object, Path target) throws Vanished;

    /**
     * A local file with the listed object's content, for DuckDB to read: a directory's own file, or a copy an S3 store
     * keeps in its local cache.
     */
    Path local(Listed object) throws Vanished;

    /** The local files of several objects, in their order (an S3 store fetches those it lacks several at a time). */
    default List<Path> local(List<Listed> objects) throws Vanished {
        List<Path> paths = new java.util.ArrayList<>(objects.size());
        for (Listed object : objects) {
            paths.add(local(object));
        }
        return paths;
    }

    /** Drops the local copies of objects under the prefix (an account's log deleted on request). */
    void forget(String prefix);

    /** Moves an object to another key: the target appears whole (on S3 a copy, then the source deleted). */
    void move(String from, String to);

    /** Deletes the object if it is there (no error if not). */
    void delete(String key);

    /** Deletes every object under the prefix; how many there were. */
    default long deleteAll(String prefix) {
        List<Listed> listed = list(prefix, null);
        listed.forEach(object -> delete(object.key()));
        return listed.size();
    }

    /**
     * Exclusive hold of a key between every instance sharing the store, or empty if not had within {@code wait}: a lock
     * on a directory's file, a lease on S3.
     */
    java.util.Optional<Hold> tryHold(String key, java.time.Duration wait);

    /** A hold on a key, released by {@link #close}. */
    interface Hold extends AutoCloseable {

        /** Fails if the hold may have passed to another instance (a lease not renewed in time): stop before the next change. */
        void check();

        @Override
        void close();
    }

    @Override
    void close();
}
