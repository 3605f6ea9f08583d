package dev.parapet.agent.journey;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.parapet.stack.Dnsmasq;

/**
 * The whole local stack ({@code LocalStack}, as {@code ./run-local-stack} runs it, from the jars this build made) with a real
 * dnsmasq as its upstream resolver, shared by the journey tests of one test run: started by the first that asks, stopped
 * when the test JVM exits. Each test leaves the demo account as it can find it (a key, settings, policies of its own names).
 */
final class JourneyStack {

    static Path work;
    static Path data;
    static Process stack;
    static Dnsmasq dnsmasq;
    static int upstreamPort;
    static String account;
    /** The demo account's automation client's token, as the README's scripts get it. */
    static String token;

    private JourneyStack() {
    }

    static synchronized void start() throws Exception {
        if (stack != null || account != null) {
            return;
        }
        String running = System.getenv("PARAPET_JOURNEY_RUNNING_STACK");
        if (running != null && !running.isBlank()) {
            // A developer's running ./run-local-stack (its data directory): the browser tests against it, no start.
            data = Path.of(running).toAbsolutePath();
            work = Files.createTempDirectory(Files.createDirectories(Path.of("target").toAbsolutePath()), "journey-");
            account = Files.readString(data.resolve("demo-account")).strip();
            token = freshToken();
            return;
        }
        Path target = Path.of("target").toAbsolutePath();
        Files.createDirectories(target);
        work = Files.createTempDirectory(target, "journey-");
        data = work.resolve("data");
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress("127.0.0.1", 18101));
        } catch (IOException e) {
            throw new IllegalStateException("Port 18101 is taken: stop the running local stack before this test", e);
        }
        dnsmasq = new Dnsmasq(work.resolve("dnsmasq"), List.of("address=/allowed.journey.test/198.51.100.7",
                "address=/engineering.journey.test/198.51.100.10",
                "address=/blocked.journey.test/198.51.100.8", "address=/later.journey.test/198.51.100.9", "address=/printer.corp/10.0.0.9"));
        upstreamPort = dnsmasq.port();
        stack = Processes.startJava("dev.parapet.stack.LocalStack", List.of(), Map.of("PARAPET_DATA", data.toString(),
                "PARAPET_DNS_UPSTREAMS", "127.0.0.1:" + upstreamPort), work.resolve("stack.out"));
        Runtime.getRuntime().addShutdownHook(new Thread(JourneyStack::stop, "journey-stack-stop"));
        JourneyTest.await("the local stack is up", Duration.ofMinutes(5),
                () -> Processes.read(work.resolve("stack.out")).contains("Parapet is up"));
        account = Files.readString(data.resolve("demo-account")).strip();
        Processes.Result automation = Processes.run(List.of(Path.of("..", "bin", "parapet-token").toAbsolutePath().normalize().toString(),
                "--client-credentials"), Map.of("PARAPET_DATA", data.toString()));
        assertThat(automation.exit()).as(automation.output()).isZero();
        token = automation.output().strip();
    }

    /** A fresh automation token (they last five minutes). */
    static String freshToken() throws Exception {
        Processes.Result automation = Processes.run(List.of(Path.of("..", "bin", "parapet-token").toAbsolutePath().normalize().toString(),
                "--client-credentials"), Map.of("PARAPET_DATA", data.toString()));
        assertThat(automation.exit()).as(automation.output()).isZero();
        return automation.output().strip();
    }

    private static void stop() {
        try {
            // dnsmasq first: it stops at once, while the stack's clean stop can outlast the 30 s surefire gives a fork
            // after System.exit before killing it, hook and all (which used to leave dnsmasq running).
            if (dnsmasq != null) {
                dnsmasq.close();
            }
            if (stack != null) {
                stack.destroy();
                if (!stack.waitFor(60, TimeUnit.SECONDS)) {
                    stack.destroyForcibly();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
