package dev.parapet.agent.sim;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;

import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

import dev.parapet.agent.HttpClients;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * N agents in one process against a running stack: each enrols with the account's key (key-service),
 * holds its configuration stream open (settings-service), sends heartbeats (diagnostics-service) and
 * queries over DNS over HTTPS (dns-service) at a configured total rate. It then changes the account's
 * agent settings as an administrator, round after round, and measures the time from the change's
 * acknowledgement until each agent's stream delivered it. It reports what the platform did, and the
 * stack's memory and CPU, read from /proc.
 */
@Command(name = "parapet-simulator", mixinStandardHelpOptions = true, description = "Runs N simulated agents against a Parapet stack.")
public final class Simulator implements java.util.concurrent.Callable<Integer> {

    @Option(names = "--agents", defaultValue = "10000", description = "How many agents (default ${DEFAULT-VALUE}).")
    int agents;
    @Option(names = "--data", defaultValue = ".data", description = "The local stack's data directory: admin token and demo account.")
    Path data;
    @Option(names = "--keys", defaultValue = "http://127.0.0.1:18101")
    String keys;
    @Option(names = "--settings", defaultValue = "http://127.0.0.1:18102")
    String settings;
    @Option(names = "--doh", defaultValue = "https://127.0.0.1:18443/dns-query")
    String doh;
    @Option(names = "--doh-ca", description = "PEM certificate to trust for DoH (default: <data>/dns-service/doh-certificate.pem).")
    Path dohCa;
    @Option(names = "--diagnostics", defaultValue = "http://127.0.0.1:18104")
    String diagnostics;
    @Option(names = "--query-rate", defaultValue = "200", description = "DoH queries per second, over all agents (default ${DEFAULT-VALUE}).")
    int queryRate;
    @Option(names = "--heartbeat", defaultValue = "60", description = "Seconds between an agent's heartbeats (default ${DEFAULT-VALUE}).")
    int heartbeatSeconds;
    @Option(names = "--rounds", defaultValue = "5", description = "Configuration changes to measure (default ${DEFAULT-VALUE}).")
    int rounds;
    @Option(names = "--doh-connections", defaultValue = "8", description = "HTTP/2 connections the DoH queries share (default ${DEFAULT-VALUE}).")
    int dohConnections;
    @Option(names = "--enrol-concurrency", defaultValue = "64")
    int enrolConcurrency;
    @Option(names = "--names", defaultValue = "www.casino.example,intranet.example.com,example.com",
            split = ",", description = "Names the agents ask, in turn.")
    List<String> names;

    private static final Pattern CREDENTIAL = Pattern.compile("\"credential\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern KEY = Pattern.compile("\"key\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern VERSION = Pattern.compile("\"version\"\\s*:\\s*(\\d+)");

    private final Queue<Long> dohLatencies = new ConcurrentLinkedQueue<>();
    private final AtomicInteger dohErrors = new AtomicInteger();
    private final AtomicInteger dohShed = new AtomicInteger();
    private static final int DOH_IN_FLIGHT = 90;
    private final java.util.Map<String, Integer> dohErrorKinds = new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicInteger telemetrySent = new AtomicInteger();
    private final AtomicInteger telemetryErrors = new AtomicInteger();

    public static void main(String[] args) {
        System.exit(new CommandLine(new Simulator()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        String token = Files.readString(data.resolve("admin-token")).strip();
        String account = Files.readString(data.resolve("demo-account")).strip();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        SSLContext tls = HttpClients.trusting(dohCa != null ? dohCa : data.resolve("dns-service").resolve("doh-certificate.pem"));
        List<HttpClient> dohClients = new ArrayList<>();
        for (int i = 0; i < dohConnections; i++) {
            dohClients.add(HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(tls)
                    .connectTimeout(Duration.ofSeconds(10)).build());
        }
        Stack stack = Stack.find();
        Stack.Usage before = stack.usage();
        double selfBefore = selfCpuSeconds();

        String key = key(http, account, token);
        List<String> credentials = enrol(http, key);
        System.out.printf("stack after enrolment: %s%n", stack.usage());

        StreamFleet streams = new StreamFleet(URI.create(settings + "/agent/v1/configuration"), credentials);
        long openStarted = System.nanoTime();
        boolean allOpen = streams.opened().await(5, TimeUnit.MINUTES);
        System.out.printf("configuration streams: %d of %d open with their snapshot in %.1f s (%d errors)%n",
                credentials.size() - streams.opened().getCount() - streams.errors(), credentials.size(),
                (System.nanoTime() - openStarted) / 1e9, streams.errors());
        System.out.printf("stack with the streams open: %s%n", stack.usage());

        ScheduledExecutorService timers = Executors.newScheduledThreadPool(2);
        scheduleHeartbeats(timers, http, credentials);
        scheduleQueries(timers, dohClients, credentials);

        List<Long> fanOut = new ArrayList<>();
        for (int round = 1; round <= rounds && allOpen; round++) {
            Thread.sleep(2_000);
            long[] acknowledgedAt = new long[1];
            Stack.Usage roundStart = stack.usage();
            double selfStart = selfCpuSeconds();
            long version = change(http, account, token, round % 2 == 0, next -> streams.expect("s" + next + "."), acknowledgedAt);
            long acknowledged = acknowledgedAt[0];
            long[] arrivals = streams.awaitArrivals(acknowledged + TimeUnit.SECONDS.toNanos(60));
            Stack.Usage roundEnd = stack.usage();
            double selfCpu = selfCpuSeconds() - selfStart;
            List<Long> delays = new ArrayList<>();
            int missing = 0;
            for (long arrived : arrivals) {
                if (arrived == 0) {
                    missing++;
                } else {
                    delays.add(Math.max(0, arrived - acknowledged));
                }
            }
            fanOut.addAll(delays);
            System.out.printf("round %d (settings v%d): fan-out from the acknowledgement %s, %d agents missed it; in %.2f s "
                    + "the simulator used %.2f s of CPU, the stack %s%n", round, version, Percentiles.of(delays), missing,
                    (roundEnd.at() - roundStart.at()) / 1e9, selfCpu, roundEnd.since(roundStart));
        }
        Thread.sleep(2_000);
        timers.shutdownNow();
        Stack.Usage after = stack.usage();
        System.out.printf("%nagents %d, enrolled %d%n", agents, credentials.size());
        System.out.printf("fan-out over all rounds (admin change acknowledged to each agent's stream): %s%n", Percentiles.of(fanOut));
        System.out.printf("DoH (%d/s asked): %s, %d errors%n", queryRate, Percentiles.of(dohLatencies), dohErrors.get());
        dohErrorKinds.forEach((kind, count) -> System.out.printf("  DoH error %d x %s%n", count, kind));
        System.out.printf("DoH queries not sent, every connection already waiting on %d: %d%n", DOH_IN_FLIGHT, dohShed.get());
        System.out.printf("telemetry: %d batches sent, %d errors; stream errors %d, streams closed by the server %d%n", telemetrySent.get(),
                telemetryErrors.get(), streams.errors(), streams.closedByServer());
        System.out.printf("stack: RSS %.0f MiB at the end; over the run's %.1f s the stack used %s; the simulator %.1f s%n",
                after.rssKiB() / 1024.0, (after.at() - before.at()) / 1e9, after.since(before), selfCpuSeconds() - selfBefore);
        streams.close();
        return 0;
    }

    private static double selfCpuSeconds() {
        return ProcessHandle.current().info().totalCpuDuration().map(cpu -> cpu.toNanos() / 1e9).orElse(0.0);
    }

    private String key(HttpClient http, String account, String token) throws Exception {
        String base = keys + "/api/v1/accounts/" + account + "/key";
        HttpResponse<String> shown = http.send(admin(base + "?reveal=true", token).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (shown.statusCode() == 404) {
            http.send(admin(base, token).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            shown = http.send(admin(base + "?reveal=true", token).GET().build(), HttpResponse.BodyHandlers.ofString());
        }
        Matcher key = KEY.matcher(shown.body());
        if (shown.statusCode() != 200 || !key.find()) {
            throw new IllegalStateException("no key for the account: " + shown.statusCode() + " " + shown.body());
        }
        return key.group(1);
    }

    private List<String> enrol(HttpClient http, String key) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(enrolConcurrency);
        Queue<String> credentials = new ConcurrentLinkedQueue<>();
        AtomicInteger refused = new AtomicInteger();
        AtomicLong lastRefusal = new AtomicLong();
        long started = System.nanoTime();
        for (int i = 0; i < agents; i++) {
            int n = i;
            pool.execute(() -> {
                String body = String.format("{\"key\":\"%s\",\"deviceId\":\"sim-%06d\",\"hostname\":\"sim-%06d\",\"osName\":\"Windows\","
                        + "\"osVersion\":\"11 23H2\",\"agentVersion\":\"1.0.0\"}", key, n, n);
                for (int attempt = 0; attempt < 5; attempt++) {
                    try {
                        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(keys + "/agent/v1/enrolments"))
                                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))
                                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
                        Matcher credential = CREDENTIAL.matcher(response.body());
                        if (response.statusCode() == 201 && credential.find()) {
                            credentials.add(credential.group(1));
                            return;
                        }
                        refused.incrementAndGet();
                        lastRefusal.set(response.statusCode());
                        Thread.sleep(response.statusCode() == 429 ? 1_000 : 200);
                    } catch (IOException e) {
                        refused.incrementAndGet();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(2, TimeUnit.HOURS);
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("enrolment: %d of %d agents in %.1f s, %.0f/s (%d refused attempts, last status %d)%n", credentials.size(), agents,
                seconds, credentials.size() / seconds, refused.get(), lastRefusal.get());
        return new ArrayList<>(credentials);
    }

    /**
     * One administrator change of the agent settings. The streams are told which version to wait for
     * before the write is sent (the version after the one read), since an event may beat the
     * acknowledgement back; the acknowledgement's time goes in {@code acknowledgedAt[0]}.
     */
    private long change(HttpClient http, String account, String token, boolean manageUpdates,
                        java.util.function.LongConsumer expect, long[] acknowledgedAt) throws Exception {
        String url = settings + "/api/v1/accounts/" + account + "/agent-settings";
        HttpResponse<String> read = http.send(admin(url, token).GET().build(), HttpResponse.BodyHandlers.ofString());
        String etag = read.headers().firstValue("ETag").orElseThrow(() -> new IllegalStateException("no ETag: " + read.body()));
        expect.accept(Long.parseLong(etag.replaceAll("[^0-9]", "")) + 1);
        HttpResponse<String> written = http.send(admin(url, token).header("If-Match", etag).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"userAuthentication\":true,\"enforceUserAuthentication\":false,"
                        + "\"manageUpdates\":" + manageUpdates + "}")).build(), HttpResponse.BodyHandlers.ofString());
        acknowledgedAt[0] = System.nanoTime();
        Matcher version = VERSION.matcher(written.body());
        if (written.statusCode() != 200 || !version.find()) {
            throw new IllegalStateException("settings change refused: " + written.statusCode() + " " + written.body());
        }
        return Long.parseLong(version.group(1));
    }

    private void scheduleHeartbeats(ScheduledExecutorService timers, HttpClient http, List<String> credentials) {
        long periodMicros = TimeUnit.SECONDS.toMicros(heartbeatSeconds) / Math.max(1, credentials.size());
        AtomicInteger next = new AtomicInteger();
        timers.scheduleAtFixedRate(() -> {
            String credential = credentials.get(Math.floorMod(next.getAndIncrement(), credentials.size()));
            String body = "{\"reports\":[{\"agentVersion\":\"1.0.0\",\"osName\":\"Windows\",\"osEdition\":\"Pro\",\"osVersion\":\"11 23H2\","
                    + "\"enabled\":true,\"agentClock\":\"" + Instant.now() + "\",\"lastConfigVersionApplied\":0,\"configurationSource\":\"LIVE_STREAM\"}]}";
            http.sendAsync(HttpRequest.newBuilder(URI.create(diagnostics + "/agent/v1/telemetry")).header("Authorization", "Bearer " + credential)
                            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
                        telemetrySent.incrementAndGet();
                        if (error != null || response.statusCode() != 200) {
                            telemetryErrors.incrementAndGet();
                        }
                    });
        }, periodMicros, Math.max(1, periodMicros), TimeUnit.MICROSECONDS);
    }

    /**
     * DoH queries at the configured rate, spread over a few HTTP/2 connections (each JDK client keeps
     * one). A connection carries at most {@link #DOH_IN_FLIGHT} queries at once, below the server's
     * limit of concurrent streams: the JDK client fails a request over that limit at once ("too many
     * concurrent streams"), which would count the simulator's own limit as the platform's errors. A
     * query that finds every connection full is not sent and is counted as shed.
     */
    private void scheduleQueries(ScheduledExecutorService timers, List<HttpClient> dohClients, List<String> credentials) {
        if (queryRate <= 0) {
            return;
        }
        List<java.util.concurrent.Semaphore> inFlight = new ArrayList<>();
        dohClients.forEach(client -> inFlight.add(new java.util.concurrent.Semaphore(DOH_IN_FLIGHT)));
        AtomicInteger next = new AtomicInteger();
        timers.scheduleAtFixedRate(() -> {
            int n = next.getAndIncrement();
            String credential = credentials.get(ThreadLocalRandom.current().nextInt(credentials.size()));
            byte[] query;
            try {
                query = Message.newQuery(Record.newRecord(Name.fromString(names.get(Math.floorMod(n, names.size())) + "."), Type.A,
                        org.xbill.DNS.DClass.IN)).toWire();
            } catch (IOException e) {
                throw new IllegalArgumentException(e);
            }
            int connection = -1;
            for (int i = 0; i < dohClients.size() && connection < 0; i++) {
                int candidate = Math.floorMod(n + i, dohClients.size());
                if (inFlight.get(candidate).tryAcquire()) {
                    connection = candidate;
                }
            }
            if (connection < 0) {
                dohShed.incrementAndGet();
                return;
            }
            java.util.concurrent.Semaphore slot = inFlight.get(connection);
            long sent = System.nanoTime();
            dohClients.get(connection).sendAsync(HttpRequest.newBuilder(URI.create(doh)).header("Authorization", "Bearer " + credential)
                            .header("Content-Type", "application/dns-message").header("Accept", "application/dns-message")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(query)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofByteArray()).whenComplete((response, error) -> {
                        slot.release();
                        if (error != null || response.statusCode() != 200 || !isDnsMessage(response.body())) {
                            dohErrors.incrementAndGet();
                            Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                                    ? error.getCause() : error;
                            dohErrorKinds.merge(cause != null ? cause.getClass().getSimpleName() + ": " + cause.getMessage()
                                    : "HTTP " + response.statusCode(), 1, Integer::sum);
                        } else {
                            dohLatencies.add(System.nanoTime() - sent);
                        }
                    });
        }, 0, Math.max(1, 1_000_000 / queryRate), TimeUnit.MICROSECONDS);
    }

    /** An answer counts when it is a DNS message, whatever its code (without upstreams, allowed names get SERVFAIL). */
    private static boolean isDnsMessage(byte[] wire) {
        try {
            new Message(wire);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static HttpRequest.Builder admin(String url, String token) {
        return HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30));
    }

    /** The stack's processes (services, broker, registry), found by their command lines, and what they use. */
    record Stack(java.util.Map<Long, String> names) {

        /** Resident memory and CPU (user and system) summed over the stack, and CPU per process. */
        record Usage(long rssKiB, double cpuSeconds, double systemSeconds, java.util.Map<String, Double> cpuByProcess, long at) {
            @Override
            public String toString() {
                return String.format("RSS %.0f MiB, CPU %.1f s since start", rssKiB / 1024.0, cpuSeconds);
            }

            /** What each process used since {@code before}, the largest first: "settings-service 0.41 s, kafka 0.08 s, …". */
            String since(Usage before) {
                List<java.util.Map.Entry<String, Double>> used = new ArrayList<>();
                cpuByProcess.forEach((name, cpu) -> used.add(java.util.Map.entry(name, cpu - before.cpuByProcess.getOrDefault(name, 0.0))));
                used.sort(java.util.Map.Entry.<String, Double>comparingByValue().reversed());
                StringBuilder text = new StringBuilder(String.format("%.2f s (%.2f s in the kernel): ", cpuSeconds - before.cpuSeconds,
                        systemSeconds - before.systemSeconds));
                for (int i = 0; i < used.size(); i++) {
                    text.append(i == 0 ? "" : ", ").append(String.format("%s %.2f s", used.get(i).getKey(), used.get(i).getValue()));
                }
                return text.toString();
            }
        }

        static Stack find() throws IOException {
            java.util.Map<Long, String> names = new java.util.TreeMap<>();
            Pattern service = Pattern.compile("([a-z]+-service)\\.jar");
            try (var proc = Files.list(Path.of("/proc"))) {
                for (Path dir : proc.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                    String cmdline = new String(readOrEmpty(dir.resolve("cmdline"))).replace('\0', ' ');
                    Matcher jar = service.matcher(cmdline);
                    String name = jar.find() ? jar.group(1) : cmdline.contains("kafka.Kafka") ? "kafka"
                            : cmdline.contains("quarkus-run.jar") ? "registry" : null;
                    if (name != null) {
                        names.put(Long.parseLong(dir.getFileName().toString()), name);
                    }
                }
            }
            return new Stack(names);
        }

        Usage usage() {
            long rss = 0;
            double cpu = 0;
            double system = 0;
            java.util.Map<String, Double> byProcess = new java.util.HashMap<>();
            long ticks = 100;
            for (var process : names.entrySet()) {
                String pid = String.valueOf(process.getKey());
                String status = new String(readOrEmpty(Path.of("/proc", pid, "status")));
                Matcher vmRss = Pattern.compile("VmRSS:\\s+(\\d+)").matcher(status);
                if (vmRss.find()) {
                    rss += Long.parseLong(vmRss.group(1));
                }
                String stat = new String(readOrEmpty(Path.of("/proc", pid, "stat")));
                int close = stat.lastIndexOf(')');
                if (close > 0) {
                    String[] fields = stat.substring(close + 2).split(" ");
                    double user = Long.parseLong(fields[11]) / (double) ticks;
                    double kernel = Long.parseLong(fields[12]) / (double) ticks;
                    cpu += user + kernel;
                    system += kernel;
                    byProcess.merge(process.getValue(), user + kernel, Double::sum);
                }
            }
            return new Usage(rss, cpu, system, byProcess, System.nanoTime());
        }

        private static byte[] readOrEmpty(Path file) {
            try {
                return Files.readAllBytes(file);
            } catch (IOException e) {
                return new byte[0];
            }
        }
    }
}
