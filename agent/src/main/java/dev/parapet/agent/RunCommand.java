package dev.parapet.agent;

import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code run}: the agent proper, until stopped. The DNS stub answers on loopback, the configuration
 * stream keeps the configuration current, the heartbeat reports, and every second the state file is
 * re-read so that {@code disable}, {@code login} and the other commands (separate processes) take
 * effect here.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the agent: a DNS stub on loopback that resolves through Parapet over HTTPS, the configuration stream and the heartbeat.")
final class RunCommand extends AgentCommand {

    @Option(names = "--listen", defaultValue = "127.0.0.1:53", converter = Addresses.class, paramLabel = "ADDR:PORT",
            description = "Loopback address and port of the DNS stub, UDP and TCP (default: ${DEFAULT-VALUE}).")
    InetSocketAddress listen;

    @Option(names = "--system-resolver", converter = Addresses.class, paramLabel = "ADDR:PORT",
            description = "Resolver for domain exceptions and for when the agent is disabled or revoked (default: the first nameserver of /etc/resolv.conf).")
    InetSocketAddress systemResolver;

    @Option(names = "--heartbeat", defaultValue = "60s", converter = Durations.class,
            description = "Telemetry interval (default: ${DEFAULT-VALUE}).")
    Duration heartbeat;

    @Override
    public Integer call() throws Exception {
        StateStore store = store();
        AgentState state = enrolled();
        Log log = Log.stderr();
        InetSocketAddress system = systemResolver != null ? systemResolver
                : SystemResolver.fromResolvConf(Path.of("/etc/resolv.conf")).orElseThrow(() -> new AgentException(AgentException.FAILED,
                "No nameserver in /etc/resolv.conf: name the system resolver with --system-resolver ADDR:PORT"));
        if (system.equals(listen) || (system.getPort() == listen.getPort() && system.getAddress().isAnyLocalAddress())) {
            throw new AgentException(AgentException.FAILED, "The system resolver " + system + " is this stub itself (the device already "
                    + "points at the agent): name the resolver the device had before with --system-resolver ADDR:PORT");
        }
        if (heartbeat.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new AgentException(AgentException.FAILED, "--heartbeat must be at least 1s");
        }
        AgentState.Enrolled enrolled = state.enrolment();
        HttpClient api = HttpClients.create(null);
        HttpClient dohHttp = enrolled.dohCa() == null ? api : HttpClients.create(Path.of(enrolled.dohCa()));
        AgentRuntime runtime = new AgentRuntime(store, state, log);
        DohClient doh = new DohClient(dohHttp, enrolled.endpoints().doh(), enrolled.credential());
        DnsStub stub = new DnsStub(listen, new QueryRouter(runtime, doh, new SystemResolver(system)), log);
        InetSocketAddress bound = stub.start();
        log.info("parapet-agent " + AgentVersion.CURRENT + ": agent " + enrolled.agentId() + " of account " + enrolled.accountId()
                + "; DNS stub on " + bound.getAddress().getHostAddress() + ":" + bound.getPort() + " (UDP, TCP), DoH "
                + enrolled.endpoints().doh() + ", system resolver " + system.getAddress().getHostAddress() + ":" + system.getPort());

        ScheduledExecutorService timers = Executors.newScheduledThreadPool(2, DnsStub.daemon("agent-timer"));
        CountDownLatch stopped = new CountDownLatch(1);
        ConfigurationStream stream = new ConfigurationStream(api, enrolled.endpoints().configuration(), enrolled.credential(),
                () -> runtime.state().lastEventId(), runtime, ConfigurationStream.FIRST_BACKOFF);
        runtime.onRevoked(stream::stop);
        if (state.revoked()) {
            log.warn("REVOKED: " + AgentState.REVOKED_MESSAGE + ". Parapet does not filter this device: queries go to the "
                    + "system resolver, unfiltered.");
        } else {
            log.info("Protection: " + runtime.protectionState() + (state.configuration() == null
                    ? " with the install defaults until the first configuration arrives"
                    : " with the saved configuration " + state.lastEventId() + " until the stream confirms it"));
            Thread streamThread = DnsStub.daemon("configuration-stream").newThread(stream);
            streamThread.start();
        }
        Telemetry telemetry = new Telemetry(api, enrolled.endpoints().telemetry(), enrolled.credential(), log);
        timers.scheduleWithFixedDelay(() -> guarded(log, runtime::refresh), 1, 1, TimeUnit.SECONDS);
        UserSignIn signIn = new UserSignIn(api, java.time.Clock.systemUTC());
        timers.scheduleWithFixedDelay(() -> guarded(log, () -> runtime.renewSignIn(signIn)), 2, 5, TimeUnit.SECONDS);
        timers.scheduleWithFixedDelay(() -> guarded(log, () -> runtime.heartbeat(telemetry)), 1_000, heartbeat.toMillis(),
                TimeUnit.MILLISECONDS);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stream.stop();
            stub.close();
            timers.shutdownNow();
            stopped.countDown();
        }, "agent-shutdown"));
        stopped.await();
        return 0;
    }

    /** A timer task that fails must not stop its timer (a ScheduledExecutorService drops a task that throws). */
    private static void guarded(Log log, Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.warn("Agent task failed: " + e.getMessage());
        }
    }
}
