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

    /** A small object's bytes, or empty if there is none. */
    Optional<byte[]> read(String key);

    /**
     * Creates the object only if none has the key. Of two writers creating one key at once, exactly one gets true.
     *
     * @return whether this call created it (false: an object was there)
     */
    boolean create(String key, byte[] content);

    /** Writes the file's content as the object, whole, replacing any object of the key. The file is left as it was. */
    Listed publish(Path file, String key);

    /** Copies the listed object, at the version listed, to the target file (replacing it). */
    void download(Listed object, Path target) throws Vanished;

    /** Deletes the object if it is there (no error if not). */
    void delete(String key);

    @Override
    void close();
}
