package dev.parapet.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The state file ({@code state.json} in the state directory), shared by the agent's commands, which
 * run as separate processes: {@code run} keeps it current while {@code disable}, {@code login} or
 * {@code test-blocking} change it. Every change is read-modify-write under an exclusive lock on
 * {@code state.lock}, so no process loses another's change, and lands by an atomic rename, so no
 * reader sees half a file. The directory is made 0700 and every file 0600 before anything is written
 * in it: the file holds the agent credential.
 */
public final class StateStore {

    static final String STATE_FILE = "state.json";
    static final String LOCK_FILE = "state.lock";
    static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    /** A state file is a few KiB; exceptions lists can make it larger, never this large. */
    static final long MAX_STATE_BYTES = 64L * 1024 * 1024;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private final Path directory;
    /** FileChannel locks are held by the whole JVM (a second lock from it throws); its threads queue here first. */
    private static final ReentrantLock THREADS = new ReentrantLock();

    public StateStore(Path directory) {
        this.directory = directory.toAbsolutePath();
    }

    public Path directory() {
        return directory;
    }

    public Path stateFile() {
        return directory.resolve(STATE_FILE);
    }

    public static ObjectMapper json() {
        return JSON;
    }

    /** The saved state, or empty if the agent was never enrolled here. */
    public Optional<AgentState> load() {
        Path file = stateFile();
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            if (Files.size(file) > MAX_STATE_BYTES) {
                throw new IllegalStateException(file + " is over " + MAX_STATE_BYTES + " bytes: not an agent state file");
            }
            return Optional.of(JSON.readValue(file.toFile(), AgentState.class));
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read " + file + " (" + e.getMessage().lines().findFirst().orElse("") + "); "
                    + "enrol again with parapet-agent enroll --key-file …", e);
        }
    }

    /** Replaces the whole state (enrolment). */
    public AgentState replace(AgentState state) {
        return locked(() -> {
            write(state);
            return state;
        });
    }

    /** Applies a change to the state as it is on disk now, and saves it; fails if not enrolled. */
    public AgentState update(UnaryOperator<AgentState> change) {
        return locked(() -> {
            AgentState current = load().orElseThrow(() -> new IllegalStateException(
                    "This agent is not enrolled (no " + stateFile() + "): run parapet-agent enroll --key-file CustomerKey"));
            AgentState changed = change.apply(current);
            if (!changed.equals(current)) {
                write(changed);
            }
            return changed;
        });
    }

    private <T> T locked(java.util.function.Supplier<T> action) {
        THREADS.lock();
        try {
            prepareDirectory();
            Path lockFile = directory.resolve(LOCK_FILE);
            createOwnerOnly(lockFile);
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE);
                 FileLock ignored = channel.lock()) {
                return action.get();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot lock the agent state in " + directory, e);
        } finally {
            THREADS.unlock();
        }
    }

    private void prepareDirectory() throws IOException {
        if (!Files.isDirectory(directory)) {
            Files.createDirectories(directory, posix(OWNER_ONLY_DIRECTORY));
        }
        if (posixSupported()) {
            Files.setPosixFilePermissions(directory, OWNER_ONLY_DIRECTORY);
        }
    }

    /** Writes a temporary file that is 0600 from its creation, then renames it over the state file. */
    private void write(AgentState state) {
        Path temporary = directory.resolve(STATE_FILE + ".tmp");
        try {
            Files.deleteIfExists(temporary);
            Files.createFile(temporary, posix(OWNER_ONLY_FILE));
            Files.write(temporary, JSON.writeValueAsBytes(state), StandardOpenOption.TRUNCATE_EXISTING);
            try {
                Files.move(temporary, stateFile(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, stateFile(), StandardCopyOption.REPLACE_EXISTING);
            }
            if (posixSupported()) {
                Files.setPosixFilePermissions(stateFile(), OWNER_ONLY_FILE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + stateFile(), e);
        }
    }

    private static void createOwnerOnly(Path file) throws IOException {
        try {
            Files.createFile(file, posix(OWNER_ONLY_FILE));
        } catch (FileAlreadyExistsException e) {
            // already there, from an earlier command
        }
    }

    private static FileAttribute<?>[] posix(Set<PosixFilePermission> permissions) {
        return posixSupported() ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)} : new FileAttribute<?>[0];
    }

    private static boolean posixSupported() {
        return java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }
}
