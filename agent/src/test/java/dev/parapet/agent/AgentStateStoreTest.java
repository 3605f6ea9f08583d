package dev.parapet.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentStateStoreTest {

    static AgentState.Enrolled enrolment() {
        return new AgentState.Enrolled("7d5c7c55-3f7e-4bd2-9a77-0d7c0b0f4d11", "0b6f3c1e-5d0c-4c55-9a53-1f0d6a7e2b11",
                "pac1.7d5c7c55-3f7e-4bd2-9a77-0d7c0b0f4d11.c2VjcmV0LXNlY3JldC1zZWNyZXQ", "eu", "http://127.0.0.1:18101",
                Endpoints.defaults(URI.create("http://127.0.0.1:18101")), null, "laptop-42", "laptop-42", "Windows", "Pro", "11 23H2",
                Instant.parse("2026-03-01T10:15:30Z"));
    }

    @Test
    void theStateFileIsOwnerOnlyAndItsDirectoryToo(@TempDir Path dir) throws Exception {
        Path home = dir.resolve("agent");
        Files.createDirectory(home, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        StateStore store = new StateStore(home);

        store.replace(AgentState.enrolled(enrolment()));

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.stateFile()))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve(StateStore.LOCK_FILE)))).isEqualTo("rw-------");
        try (var files = Files.list(home)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("state.json", "state.lock");
        }
    }

    @Test
    void aNewStateDirectoryIsMadeOwnerOnlyAndTheStateReadsBackEqual(@TempDir Path dir) {
        StateStore store = new StateStore(dir.resolve("a").resolve("b"));
        AgentState state = AgentState.enrolled(enrolment()).withUser("ann@example.com", "SSO", AgentStateStoreTest.session())
                .withConfiguration(AgentConfiguration.installDefaults(), "s3.e2");

        store.replace(state);

        assertThat(store.load()).contains(state);
        assertThat(enrolment().toString()).doesNotContain("pac1");
    }

    @Test
    void concurrentChangesAreNeverLost(@TempDir Path dir) throws Exception {
        StateStore store = new StateStore(dir);
        store.replace(AgentState.enrolled(enrolment()).withConfiguration(null, "0"));
        ExecutorService threads = Executors.newFixedThreadPool(8);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            StateStore own = new StateStore(dir); // as separate commands would open it
            done.add(threads.submit(() -> {
                for (int i = 0; i < 25; i++) {
                    own.update(s -> s.withConfiguration(null, String.valueOf(Integer.parseInt(s.lastEventId()) + 1)));
                }
            }));
        }
        for (Future<?> future : done) {
            future.get();
        }
        threads.shutdown();

        assertThat(store.load().orElseThrow().lastEventId()).isEqualTo("200");
    }

    @Test
    void errorsAreKeptTwentyAtMostAndReportedOnesLeaveTheQueue(@TempDir Path dir) {
        AgentState state = AgentState.enrolled(enrolment());
        for (int i = 0; i < 25; i++) {
            state = state.withError(new AgentState.AgentError(Instant.ofEpochSecond(i), "error " + i));
        }
        assertThat(state.lastErrors()).hasSize(20).first().extracting(AgentState.AgentError::message).isEqualTo("error 5");

        List<AgentState.AgentError> sent = state.unreportedErrors();
        AgentState after = state.withError(new AgentState.AgentError(Instant.ofEpochSecond(99), "late")).withErrorsReported(sent);

        assertThat(after.unreportedErrors()).extracting(AgentState.AgentError::message).containsExactly("late");
        assertThat(after.lastErrors()).hasSize(20);
    }

    /** A signed-in user's session whose provider is nowhere (port 9 on loopback refuses). */
    static AgentState.UserSession session() {
        return new AgentState.UserSession("http://127.0.0.1:9/realms/parapet", "parapet-agent", "http://127.0.0.1:9/token", "http://127.0.0.1:9/revoke", "ann-access-token", java.time.Instant.now().plusSeconds(300), "ann-refresh-token", null);
    }
}
