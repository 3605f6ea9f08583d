package dev.parapet.settings.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.WebClient;

import dev.parapet.kit.agents.AgentCredentials;
import dev.parapet.kit.secrets.Secrets;
import dev.parapet.schemas.AvroSerdes;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.agents.AgentState;
import dev.parapet.schemas.v1.agents.AgentStatus;
import dev.parapet.schemas.v1.common.EncryptedSecret;
import dev.parapet.schemas.v1.common.Region;
import dev.parapet.schemas.v1.keys.AccountKeyState;
import dev.parapet.schemas.v1.keys.KeyStatus;
import dev.parapet.stack.TokenIssuer;
import reactor.netty.resources.ConnectionProvider;

/**
 * Benchmark of settings-service against a running local stack (./run-local-stack), from a JVM of its
 * own (each process may hold 20 000 descriptors here: 10 000 streams need one per side):
 * <ol>
 * <li>admin write latency: sequential PUTs of one account's agent settings, p50/p99/max;</li>
 * <li>publishes an account key and N agents (as key-service would), opens N configuration streams;</li>
 * <li>fan-out: an admin change, then the time until every stream has received it, p50/p99/max, from
 * the request being sent and from its acknowledgement; with the CPU time settings-service and this
 * client spent on the round (from the request until the last stream received it, or 30 s), per
 * delivery, and the load average beside it, since the client shares the cores. {@code warmup}
 * rounds (2) run first and are not counted; then the deliveries of all counted rounds together.</li>
 * </ol>
 * The streams are read as an agent reads them, the frames split from the bytes ({@code -Dreader=light}, the default);
 * {@code -Dreader=webclient} decodes them with Spring's WebClient and SSE codec instead, as before 2026-12-05.
 * The writes are also broken down by stage ({@link WriteStages}: the bench watches the command and
 * output topics itself). {@code -Dagents=0} measures the writes only.
 * Run (with the local stack up, from the repository root). A listener holds at most 10 000
 * connections by default ({@code parapet.web.limits.http.max-connections}), so with 10 000 streams
 * the admin requests are refused unless the stack is started with more, and the optimising compiler
 * on (docs/operations.md):
 * <pre>
 * PARAPET_WEB_LIMITS_HTTP_MAXCONNECTIONS=20000 PARAPET_SERVICE_JAVA_OPTS=-XX:+UseParallelGC ./run-local-stack
 * mvn -q -o -pl settings-service dependency:build-classpath -Dmdep.outputFile=target/bench.classpath
 * java -Xmx2g -Dagents=10000 -Dwrites=300 -Drounds=5 -Dwarmup=2 -Ddata=.data \
 *   -cp "$(cat settings-service/target/bench.classpath):settings-service/target/classes:settings-service/target/test-classes" \
 *   dev.parapet.settings.bench.AgentStreamsBench
 * </pre>
 */
public final class AgentStreamsBench {

    public static void main(String[] args) throws Exception {
        int agents = Integer.getInteger("agents", 10_000);
        int writes = Integer.getInteger("writes", 300);
        int rounds = Integer.getInteger("rounds", 5);
        int warmup = Integer.getInteger("warmup", 2);
        String settingsUrl = System.getProperty("settings", "http://127.0.0.1:18102");
        String bootstrap = System.getProperty("bootstrap", "127.0.0.1:19092");
        String registry = System.getProperty("registry", "http://127.0.0.1:18080");
        Path data = Path.of(System.getProperty("data", "../.data"));
        UUID account = UUID.randomUUID();
        String admin = TokenIssuer.inDirectory(data.resolve("issuer"))
                .adminToken("bench@parapet.local", account, "SUPER_ADMIN", Duration.ofHours(1));

        HttpClient http = HttpClient.newHttpClient();
        long[] writeNanos = new long[writes];
        long[] sentNanos = new long[writes];
        long[] answeredNanos = new long[writes];
        List<UUID> changeIds = new ArrayList<>();
        long cpuBefore = ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
        try (WriteStages stages = new WriteStages(bootstrap)) {
            for (int i = 0; i < writes; i++) {
                sentNanos[i] = System.nanoTime();
                changeIds.add(put(http, settingsUrl, account, admin, i % 2 == 0));
                answeredNanos[i] = System.nanoTime();
                writeNanos[i] = answeredNanos[i] - sentNanos[i];
            }
            Thread.sleep(500);
            System.out.printf("admin write (PUT agent-settings, acknowledged, read-your-writes), %d sequential: %s%n",
                    writes, percentiles(writeNanos));
            stages.print(changeIds, sentNanos, answeredNanos);
        }
        long cpuAfter = ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
        System.out.printf("bench JVM CPU during the writes: %.1f s; load average now: %s%n", (cpuAfter - cpuBefore) / 1e9,
                java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim());
        if (agents == 0) {
            System.exit(0);
        }

        System.out.printf("settings-service resident memory before the streams: %s%n", serviceRss());
        List<String> credentials = publishAgents(bootstrap, registry, account, agents);
        ConnectionProvider pool = ConnectionProvider.builder("bench").maxConnections(agents + 100)
                .pendingAcquireMaxCount(-1).build();
        WebClient client = WebClient.builder().baseUrl(settingsUrl).clientConnector(
                new org.springframework.http.client.reactive.ReactorClientHttpConnector(
                        reactor.netty.http.client.HttpClient.create(pool).responseTimeout(null))).build();
        AtomicInteger snapshots = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        AtomicLong expectedSettingsId = new AtomicLong(-1);
        ConcurrentLinkedQueue<Long> arrivals = new ConcurrentLinkedQueue<>();
        CountDownLatch opened = new CountDownLatch(agents);
        long openStarted = System.nanoTime();
        List<reactor.core.Disposable> streams = new ArrayList<>();
        // The reader: "light" (default) takes the stream's bytes from Reactor Netty and splits the frames itself, as an
        // agent's own reader does; "webclient" decodes them with Spring's SSE codec, several times the CPU per event, on
        // the cores settings-service uses too (the figures before 2026-12-05 were taken with it).
        boolean light = !"webclient".equals(System.getProperty("reader", "light"));
        reactor.netty.http.client.HttpClient netty = reactor.netty.http.client.HttpClient.create(pool).responseTimeout(null)
                .baseUrl(settingsUrl);
        for (int i = 0; i < agents; i++) {
            String credential = credentials.get(i);
            java.util.function.BiConsumer<String, String> onEvent = (event, id) -> {
                if ("configuration".equals(event)) {
                    snapshots.incrementAndGet();
                    opened.countDown();
                } else if ("settings".equals(event) && id != null && id.startsWith("s" + expectedSettingsId.get() + ".")) {
                    arrivals.add(System.nanoTime());
                }
            };
            if (light) {
                Frames frames = new Frames(onEvent);
                streams.add(netty.headers(h -> h.set("Authorization", "Bearer " + credential)).get().uri("/agent/v1/configuration")
                        .response((response, body) -> response.status().code() == 200 ? body.asString(StandardCharsets.UTF_8)
                                : reactor.core.publisher.Flux.error(new IllegalStateException("stream answered " + response.status())))
                        .retryWhen(reactor.util.retry.Retry.backoff(50, Duration.ofMillis(200)).maxBackoff(Duration.ofSeconds(2))
                                .doBeforeRetry(retry -> frames.reset()))
                        .subscribe(frames::accept, error -> errors.incrementAndGet()));
                continue;
            }
            streams.add(client.get().uri("/agent/v1/configuration").headers(h -> h.setBearerAuth(credential))
                    .retrieve().bodyToFlux(new ParameterizedTypeReference<ServerSentEvent<String>>() { })
                    .retryWhen(reactor.util.retry.Retry.backoff(50, Duration.ofMillis(200)).maxBackoff(Duration.ofSeconds(2)))
                    .subscribe(event -> onEvent.accept(event.event(), event.id()), error -> errors.incrementAndGet()));
        }
        if (!opened.await(5, TimeUnit.MINUTES)) {
            System.out.printf("only %d of %d streams opened (%d errors)%n", snapshots.get(), agents, errors.get());
        }
        System.out.printf("%d streams open with their snapshot in %.1f s (%d errors)%n", snapshots.get(),
                (System.nanoTime() - openStarted) / 1e9, errors.get());
        Thread.sleep(3000);
        System.out.printf("settings-service resident memory with %d streams open: %s%n", snapshots.get(), serviceRss());

        Optional<ProcessHandle> service = serviceProcess();
        List<Long> allFromSent = new ArrayList<>();
        long[] roundP99 = new long[rounds];
        for (int round = 0; round < warmup + rounds; round++) {
            boolean counted = round >= warmup;
            long version = currentVersion(http, settingsUrl, account, admin) + 1;
            expectedSettingsId.set(version);
            arrivals.clear();
            Duration serviceCpu = cpu(service);
            Duration clientCpu = cpu(Optional.of(ProcessHandle.current()));
            long sent = System.nanoTime();
            put(http, settingsUrl, account, admin, round % 2 == 0);
            long acknowledged = System.nanoTime();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (arrivals.size() < snapshots.get() && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            double serviceMicros = cpu(service).minus(serviceCpu).toNanos() / 1e3;
            double clientMicros = cpu(Optional.of(ProcessHandle.current())).minus(clientCpu).toNanos() / 1e3;
            long[] fromSent = arrivals.stream().mapToLong(t -> t - sent).toArray();
            long[] fromAck = arrivals.stream().mapToLong(t -> Math.max(0, t - acknowledged)).toArray();
            int received = Math.max(1, fromSent.length);
            System.out.printf("%s %d: change to %d streams: acknowledged after %.1f ms; received by %d; from request %s; "
                            + "from acknowledgement %s; CPU settings-service %.0f ms (%.1f µs per delivery), client %.0f ms "
                            + "(%.1f µs per delivery); load %s%n",
                    counted ? "round" : "warm-up", counted ? round - warmup + 1 : round + 1, snapshots.get(),
                    (acknowledged - sent) / 1e6, fromSent.length, percentiles(fromSent), percentiles(fromAck),
                    serviceMicros / 1e3, serviceMicros / received, clientMicros / 1e3, clientMicros / received, loadAverage());
            if (counted) {
                Arrays.stream(fromSent).forEach(allFromSent::add);
                long[] sorted = fromSent.clone();
                Arrays.sort(sorted);
                roundP99[round - warmup] = sorted.length == 0 ? -1 : (long) (at(sorted, 0.99) * 1e6);
            }
            Thread.sleep(1000);
        }
        Arrays.sort(roundP99);
        System.out.printf("fan-out over %d rounds, %d deliveries, from request: %s; p99 of the rounds: best %.1f ms, median %.1f ms, worst %.1f ms; load %s%n",
                rounds, allFromSent.size(), percentiles(allFromSent.stream().mapToLong(Long::longValue).toArray()),
                roundP99[0] / 1e6, roundP99[rounds / 2] / 1e6, roundP99[rounds - 1] / 1e6, loadAverage());
        streams.forEach(reactor.core.Disposable::dispose);
        pool.disposeLater().block(Duration.ofSeconds(10));
        System.exit(0);
    }

    /** One PUT of the account's agent settings; the change id of its answer. */
    private static UUID put(HttpClient http, String base, UUID account, String token, boolean manageUpdates) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/accounts/" + account + "/agent-settings"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"userAuthentication\":true,\"enforceUserAuthentication\":false,\"manageUpdates\":"
                        + manageUpdates + "}")).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("PUT answered " + response.statusCode() + ": " + response.body());
        }
        return response.headers().firstValue("Parapet-Change-Id").map(UUID::fromString).orElse(null);
    }

    private static long currentVersion(HttpClient http, String base, UUID account, String token) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/accounts/" + account + "/agent-settings"))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        return Long.parseLong(response.headers().firstValue("ETag").orElseThrow().replaceAll("[^0-9]", ""));
    }

    private static List<String> publishAgents(String bootstrap, String registry, UUID account, int count) throws Exception {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        List<String> credentials = new ArrayList<>();
        try (KafkaProducer<String, SpecificRecord> producer = new KafkaProducer<>(config, new StringSerializer(),
                AvroSerdes.serializer(registry, false))) {
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            producer.send(new ProducerRecord<>(Topics.ACCOUNT_KEYS.name(), account.toString(), AccountKeyState.newBuilder()
                    .setAccountId(account).setKeyId(UUID.randomUUID()).setGeneration(1).setStatus(KeyStatus.ACTIVE)
                    .setRegion(Region.EU).setEncryptedKey(new EncryptedSecret("bench", ByteBuffer.allocate(12), ByteBuffer.allocate(16)))
                    .setVerifier(Secrets.verifier("bench")).setIssuedBy("bench").setIssuedAt(now).build())).get();
            for (int i = 0; i < count; i++) {
                UUID agentId = UUID.randomUUID();
                String secret = Secrets.randomToken(32);
                producer.send(new ProducerRecord<>(Topics.AGENTS.name(), agentId.toString(), AgentState.newBuilder()
                        .setAgentId(agentId).setAccountId(account).setDeviceId("bench-" + i).setHostname("bench-" + i)
                        .setOsName("Windows").setOsVersion("11 Pro").setAgentVersion("1.0.0").setKeyId(UUID.randomUUID())
                        .setKeyGeneration(1).setCredentialVerifier(Secrets.verifier(secret)).setStatus(AgentStatus.ACTIVE)
                        .setEnrolledAt(now).setLastEnrolledAt(now).build()));
                credentials.add(AgentCredentials.format(agentId, secret));
            }
            producer.flush();
        }
        Thread.sleep(2000);
        return credentials;
    }

    /** Server-sent events split from a stream's text: each frame's {@code event} and {@code id}, to the consumer. */
    private static final class Frames {
        private final java.util.function.BiConsumer<String, String> onEvent;
        private final StringBuilder pending = new StringBuilder();

        Frames(java.util.function.BiConsumer<String, String> onEvent) {
            this.onEvent = onEvent;
        }

        void reset() {
            pending.setLength(0);
        }

        void accept(String text) {
            pending.append(text);
            int end;
            while ((end = pending.indexOf("\n\n")) >= 0) {
                String frame = pending.substring(0, end);
                String event = null;
                String id = null;
                for (String line : frame.split("\n")) {
                    if (line.startsWith("event:")) {
                        event = line.substring(6).strip();
                    } else if (line.startsWith("id:")) {
                        id = line.substring(3).strip();
                    }
                }
                pending.delete(0, end + 2);
                if (event != null) {
                    onEvent.accept(event, id);
                }
            }
        }
    }

    /** The settings-service process on this machine (the local stack's). */
    private static Optional<ProcessHandle> serviceProcess() {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(line -> line.contains("settings-service.jar")).orElse(false))
                .findFirst();
    }

    /** The resident memory of the settings-service process on this machine (the local stack's). */
    private static String serviceRss() {
        return serviceProcess().map(p -> {
                    try {
                        return java.nio.file.Files.readAllLines(Path.of("/proc/" + p.pid() + "/status")).stream()
                                .filter(line -> line.startsWith("VmRSS")).findFirst().orElse("?").replaceAll("\\s+", " ");
                    } catch (java.io.IOException e) {
                        return "?";
                    }
                }).orElse("settings-service not found");
    }

    /** CPU time (user and system) the process has used so far; zero when it is not found. */
    private static Duration cpu(Optional<ProcessHandle> process) {
        return process.flatMap(p -> p.info().totalCpuDuration()).orElse(Duration.ZERO);
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    static String percentiles(long[] nanos) {
        if (nanos.length == 0) {
            return "none";
        }
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return String.format("p50 %.1f ms, p99 %.1f ms, max %.1f ms", at(sorted, 0.50), at(sorted, 0.99), sorted[sorted.length - 1] / 1e6);
    }

    private static double at(long[] sorted, double quantile) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(quantile * sorted.length) - 1)] / 1e6;
    }
}
