package dev.parapet.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real child processes, killed with a real SIGKILL from outside, as an operator's {@code kill -9} would. */
class SupervisorTest {

    private final List<String> said = new CopyOnWriteArrayList<>();

    @Test
    void aChildKilledWithSigkillIsReportedAtOnceAndRestartedUntilItServesAgain(@TempDir Path directory) throws Exception {
        int port = Ports.free();
        AtomicReference<ManagedProcess> process = new AtomicReference<>(startTiny(directory, port, false));
        Ports.awaitListening(process.get(), port, Duration.ofSeconds(30));
        CompletableFuture<String> gaveUp = new CompletableFuture<>();
        try (Supervisor supervisor = new Supervisor(
                () -> new RestartPolicy(3, Duration.ofMinutes(5), Duration.ofMillis(200), Duration.ofSeconds(1)),
                said::add, gaveUp::complete, Clock.systemUTC())) {
            supervisor.watch(Supervisor.Child.of("tiny", process::get, () -> {
                process.set(startTiny(directory, port, false));
                ServiceProcesses.awaitHealthy(process.get(), port, Duration.ofSeconds(30));
            }, () -> process.get().close()));
            long firstPid = process.get().pid();

            sigkill(firstPid);

            Waits.until("the supervisor to say the child serves again", Duration.ofSeconds(30),
                    () -> said.stream().anyMatch(line -> line.startsWith("tiny is serving again")));
            assertThat(said.get(0)).startsWith("tiny died (killed by SIGKILL (exit code 137)); its log: ");
            assertThat(said.get(1)).startsWith("Restarting tiny in 0.2 s");
            assertThat(process.get().pid()).isNotEqualTo(firstPid);
            assertThat(ServiceProcesses.isHealthy(URI.create("http://127.0.0.1:" + port + "/actuator/health"))).isTrue();
            assertThat(gaveUp).isNotDone();

            // Watched again after the restart: a second kill is noticed too.
            sigkill(process.get().pid());
            Waits.until("the second restart", Duration.ofSeconds(30),
                    () -> said.stream().filter(line -> line.startsWith("tiny is serving again")).count() == 2);
            assertThat(said).anyMatch(line -> line.startsWith("Restarting tiny in 0.4 s"));
        }
        // Closing the supervisor stops the child, and that stop is not a death.
        assertThat(process.get().isAlive()).isFalse();
        Thread.sleep(300);
        assertThat(said).noneMatch(line -> line.contains("died (exit code 143)") || line.contains("SIGTERM"));
    }

    @Test
    void aChildThatKeepsDyingMakesTheSupervisorGiveUpWithAClearReason(@TempDir Path directory) throws Exception {
        int port = Ports.free();
        AtomicReference<ManagedProcess> process = new AtomicReference<>(startTiny(directory, port, false));
        Ports.awaitListening(process.get(), port, Duration.ofSeconds(30));
        CompletableFuture<String> gaveUp = new CompletableFuture<>();
        try (Supervisor supervisor = new Supervisor(
                () -> new RestartPolicy(2, Duration.ofMinutes(5), Duration.ofMillis(100), Duration.ofMillis(400)),
                said::add, gaveUp::complete, Clock.systemUTC())) {
            supervisor.watch(Supervisor.Child.of("crashy", process::get, () -> {
                // From now on it exits as soon as it starts, as a service with a broken configuration would.
                process.set(startTiny(directory, port, true));
                ServiceProcesses.awaitHealthy(process.get(), port, Duration.ofSeconds(30));
            }, () -> process.get().close()));
            sigkill(process.get().pid());

            String reason = gaveUp.get(60, TimeUnit.SECONDS);
            assertThat(reason).startsWith("crashy died 3 times within 5 min: stopping everything.");
            assertThat(said).anyMatch(line -> line.startsWith("Restarting crashy failed: tiny exited with code 3"));
        }
    }

    @Test
    void childrenWatchedTogetherAreStoppedAtOnceAndBeforeWhatTheyDependOn(@TempDir Path directory) throws Exception {
        List<ManagedProcess> processes = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int port = Ports.free();
            ManagedProcess process = startTiny(directory.resolve("tiny-" + i), port, false);
            Ports.awaitListening(process, port, Duration.ofSeconds(30));
            processes.add(process);
        }
        List<String> stopped = new CopyOnWriteArrayList<>();
        java.util.concurrent.CountDownLatch bothStopping = new java.util.concurrent.CountDownLatch(2);
        List<Boolean> metTheOther = new CopyOnWriteArrayList<>();
        Supervisor.Child broker = Supervisor.Child.of("broker", () -> processes.get(0), () -> { }, () -> {
            processes.get(0).close();
            stopped.add("broker");
        });
        java.util.function.IntFunction<Supervisor.Child> service = i -> Supervisor.Child.of("service-" + i, () -> processes.get(i),
                () -> { }, () -> {
                    bothStopping.countDown();
                    try {
                        // Stopped one after the other, the first would wait here in vain.
                        metTheOther.add(bothStopping.await(5, TimeUnit.SECONDS));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    processes.get(i).close();
                    stopped.add("service-" + i);
                });
        try (Supervisor supervisor = new Supervisor(RestartPolicy::standard, said::add, reason -> { }, Clock.systemUTC())) {
            supervisor.watch(broker);
            supervisor.watchTogether(List.of(service.apply(1), service.apply(2)));
        }
        assertThat(metTheOther).containsExactly(true, true);
        assertThat(stopped).hasSize(3).last().isEqualTo("broker");
        assertThat(processes).noneMatch(ManagedProcess::isAlive);
        assertThat(said).isEmpty();
    }

    private static ManagedProcess startTiny(Path directory, int port, boolean crash) {
        String java = ProcessHandle.current().info().command().orElse("java");
        String classes;
        try {
            classes = Path.of(TinyHttpServer.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        List<String> command = crash ? List.of(java, "-cp", classes, TinyHttpServer.class.getName(), Integer.toString(port), "crash")
                : List.of(java, "-cp", classes, TinyHttpServer.class.getName(), Integer.toString(port));
        return ManagedProcess.start("tiny", command, Map.of(), directory, directory.resolve("tiny.log"));
    }

    private static void sigkill(long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-9", Long.toString(pid)).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
    }
}
