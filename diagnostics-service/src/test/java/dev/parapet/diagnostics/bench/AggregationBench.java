package dev.parapet.diagnostics.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;

import com.jayway.jsonpath.JsonPath;

import dev.parapet.diagnostics.DiagnosticsServiceApplication;
import dev.parapet.diagnostics.streams.DiagnosticsTopology;
import dev.parapet.kit.secrets.Secrets;
import dev.parapet.kit.testing.SecondInstanceResources;
import dev.parapet.schemas.AvroSerdes;
import dev.parapet.schemas.Topic;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.agents.AgentState;
import dev.parapet.schemas.v1.agents.AgentStatus;
import dev.parapet.schemas.v1.telemetry.AgentStatusReport;
import dev.parapet.schemas.v1.telemetry.AgentTelemetry;
import dev.parapet.schemas.v1.telemetry.ConfigurationSource;
import dev.parapet.schemas.v1.telemetry.ProtectionState;
import dev.parapet.schemas.v1.telemetry.TelemetryKind;
import dev.parapet.schemas.v1.telemetry.TestBlockingResult;
import dev.parapet.schemas.v1.telemetry.UserIdentification;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;
import dev.parapet.schemas.v1.verdicts.Reason;
import dev.parapet.schemas.v1.verdicts.Transport;
import dev.parapet.stack.ProcessInfrastructure;

/**
 * Benchmark of diagnostics-service's aggregation (the Kafka Streams application
 * {@value DiagnosticsTopology#APPLICATION_ID}), against a real broker and registry started here as
 * child processes. Two phases, each measured alone on inputs produced before the service starts:
 * <ol>
 * <li>telemetry: agents' records, then heartbeats of those agents, into the device inventory
 * (through the repartition by account);</li>
 * <li>verdicts: produced after the first phase with the service stopped, counted into the traffic
 * windows by the service started again on the same state directory.</li>
 * </ol>
 * Each phase's time runs from the Streams application reaching RUNNING to the moment the group has
 * committed offsets equal to the end offsets of the input topics and of their repartition topics
 * (AdminClient, polled every 100 ms). Then a few answers of the HTTP API are checked against what
 * was fed, so that a run that lost records fails instead of reporting a rate.
 * <p>Not part of the test suite. Run from the repository root (see docs/diagnostics.md):
 * <pre>
 * mvn -B -ntp -q -pl diagnostics-service -am test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath
 * java -Xmx1g -cp "$(cat diagnostics-service/target/bench.classpath):diagnostics-service/target/classes:diagnostics-service/target/test-classes" \
 *   dev.parapet.diagnostics.bench.AggregationBench --telemetry=1000000 --verdicts=2000000
 * </pre>
 * (one Maven run with {@code -am}, so that the classpath names this tree's modules, not the snapshots in ~/.m2).
 * Options (defaults): {@code --agents=10000 --accounts=100 --telemetry=1000000 --verdicts=2000000
 * --names=20000 --dir=diagnostics-service/target/aggregation-bench-PID --keep=false}; any other
 * {@code --name=value} is passed to the service (e.g. {@code --parapet.diagnostics.stream-threads=1}).
 */
public final class AggregationBench {

    private static final String TELEMETRY_REPARTITION = DiagnosticsTopology.APPLICATION_ID + "-telemetry-by-account-repartition";
    private static final String AGENTS_REPARTITION = DiagnosticsTopology.APPLICATION_ID + "-agents-by-account-repartition";
    /** The spans of time the inputs cover: as if sent at the goal rates (telemetry) and dns-service's peak (verdicts). */
    private static final double TELEMETRY_RATE = 100_000;
    private final boolean queryLog;
    private static final double VERDICT_RATE = 70_000;
    private static final String[] BLOCKED_CATEGORIES = {"malware", "phishing", "ransomware", "scam", "adult", "gambling", "ads", "social-media"};
    private static final String[] ALLOWED_CATEGORIES = {"search-engines", "news", "business", "streaming", "cloud-services"};

    private final Map<String, String> options;
    private final int agentCount;
    private final int accountCount;
    private final int telemetryCount;
    private final int verdictCount;
    private final int nameCount;
    private final int liveRate;
    private final boolean telemetryByAgent;
    private final int liveSeconds;
    private final List<String> serviceArgs = new ArrayList<>();
    private final ProcessInfrastructure infrastructure;
    private final Admin admin;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final SplittableRandom random = new SplittableRandom(20261201);
    /** The live load's producer: a thread of this JVM (the default) or a process of its own ({@code --live-producer=process}). */
    private static final String LIVE_PRODUCER = "live-producer";
    /** Given to the producer's process: the broker and the registry ({@code bootstrap,registryUrl}). */
    private static final String PRODUCE_TO = "produce-to";

    private final UUID[] accounts;
    private final UUID[][] locations;
    private final UUID[] agents;
    private final String[] users;
    /** What was fed, for the checks: per agent its last receivedAt; per account the verdicts and stopped verdicts. */
    private final long[] lastReceived;
    private final long[] verdictsByAccount;
    private final long[] stoppedByAccount;
    private Instant verdictsFrom;
    private Instant verdictsTo;
    private final List<String> results = new ArrayList<>();

    private AggregationBench(Map<String, String> options, Path directory) {
        this.options = options;
        agentCount = intOption("agents", 10_000);
        accountCount = intOption("accounts", 100);
        telemetryCount = intOption("telemetry", 1_000_000);
        verdictCount = intOption("verdicts", 2_000_000);
        nameCount = intOption("names", 20_000);
        liveRate = intOption("live-rate", 0);
        telemetryByAgent = "agent".equals(options.getOrDefault("telemetry-key", "account"));
        liveSeconds = intOption("live-seconds", 300);
        accounts = new UUID[accountCount];
        locations = new UUID[accountCount][3];
        for (int a = 0; a < accountCount; a++) {
            accounts[a] = uuid();
            for (int l = 0; l < 3; l++) {
                locations[a][l] = uuid();
            }
        }
        agents = new UUID[agentCount];
        users = new String[agentCount];
        for (int i = 0; i < agentCount; i++) {
            agents[i] = uuid();
            users[i] = "user-" + i + "@account-" + (i % accountCount) + ".example.com";
        }
        lastReceived = new long[agentCount];
        verdictsByAccount = new long[accountCount];
        stoppedByAccount = new long[accountCount];
        if (options.containsKey(PRODUCE_TO)) {
            // The live load generator's own process (liveProducerProcess): the same fleet, from the same seed; no broker of its own.
            infrastructure = null;
            admin = null;
            queryLog = false;
            return;
        }
        long started = System.nanoTime();
        infrastructure = ProcessInfrastructure.start(directory.resolve("infrastructure"));
        System.out.printf("broker %s and registry %s started in %.1f s%n", infrastructure.bootstrapServers(), infrastructure.registryUrl(),
                (System.nanoTime() - started) / 1e9);
        Properties adminConfig = new Properties();
        adminConfig.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infrastructure.bootstrapServers());
        admin = Admin.create(adminConfig);
        infrastructure.springProperties().forEach((name, value) -> serviceArgs.add("--" + name + "=" + value));
        serviceArgs.add("--server.port=0");
        serviceArgs.add("--spring.main.banner-mode=off");
        serviceArgs.add("--logging.level.org.apache.kafka=WARN");
        serviceArgs.add("--parapet.diagnostics.state-directory=" + directory.resolve("state").toAbsolutePath());
        // The aggregation alone by default, as measured before the query log existed; --query-log=true runs the query
        // log beside it (as in production) and times its writing of the verdicts too.
        queryLog = Boolean.parseBoolean(options.getOrDefault("query-log", "false"));
        serviceArgs.add("--parapet.diagnostics.query-log.enabled=" + queryLog);
        serviceArgs.add("--parapet.diagnostics.query-log.max-delay=2s");
        serviceArgs.add("--parapet.diagnostics.query-log.directory=" + directory.resolve("query-log").toAbsolutePath());
        options.forEach((name, value) -> {
            if (!List.of("agents", "accounts", "telemetry", "telemetry-key", "verdicts", "names", "dir", "keep", "live-rate", "live-seconds", "query-log",
                    LIVE_PRODUCER).contains(name)) {
                serviceArgs.add("--" + name + "=" + value);
            }
        });
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new IllegalArgumentException("options are --name=value: " + arg);
            }
            options.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
        }
        if (options.containsKey(PRODUCE_TO)) {
            produceLiveAndReport(options);
            return;
        }
        Path directory = Path.of(options.getOrDefault("dir", (Files.isDirectory(Path.of("diagnostics-service")) ? "diagnostics-service/" : "")
                + "target/aggregation-bench-" + ProcessHandle.current().pid())).toAbsolutePath();
        int status = 0;
        AggregationBench bench = new AggregationBench(options, directory);
        try {
            bench.run();
        } catch (Throwable e) {
            e.printStackTrace();
            status = 1;
        } finally {
            bench.admin.close();
            bench.infrastructure.close();
            if (!Boolean.parseBoolean(options.getOrDefault("keep", "false"))) {
                deleteTree(directory);
            }
        }
        System.exit(status);
    }

    private void run() throws Exception {
        System.out.printf("%d cores, %s, JVM max heap %d MiB; service arguments: %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name") + " " + Runtime.version(), Runtime.getRuntime().maxMemory() >> 20,
                serviceArgs.stream().filter(a -> !a.contains("public-key") && !a.contains("bootstrap") && !a.contains("registry.url"))
                        .collect(Collectors.joining(" ")));
        createTopics();
        if (liveRate > 0) {
            live();
            return;
        }

        produce("agents", agentCount, this::agentRecord);
        produce("telemetry", telemetryCount, this::telemetryRecord);
        measure("telemetry", telemetryCount, List.of(Topics.AGENTS.name(), Topics.AGENT_TELEMETRY.name(), AGENTS_REPARTITION,
                TELEMETRY_REPARTITION), this::checkDevices);

        if (verdictCount > 0) {
            produce("verdicts", verdictCount, this::verdictRecord);
            measure("verdicts", verdictCount, List.of(Topics.VERDICTS.name(), Topics.AGENTS.name(), Topics.AGENT_TELEMETRY.name(),
                    AGENTS_REPARTITION, TELEMETRY_REPARTITION), this::checkVerdicts);
        }

        System.out.println();
        System.out.println("| input | events | seconds (RUNNING to committed) | events/s | service JVM CPU s | broker+registry CPU s | RSS MiB (peak) | heap used MiB |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
        results.forEach(System.out::println);
    }

    /**
     * Keeping up: the service runs while verdicts arrive at {@code --live-rate} per second (stamped now, as
     * dns-service stamps them) for {@code --live-seconds}; then the time until the group's lag is back at
     * zero, and every account's totals checked against what was sent.
     */
    private void live() throws Exception {
        ConfigurableApplicationContext context = new SpringApplicationBuilder(DiagnosticsServiceApplication.class, SecondInstanceResources.class)
                .run(serviceArgs.toArray(String[]::new));
        try {
            KafkaStreams streams = context.getBean(StreamsBuilderFactoryBean.class).getKafkaStreams();
            long started = System.nanoTime();
            while (streams.state() != KafkaStreams.State.RUNNING) {
                if (System.nanoTime() - started > TimeUnit.MINUTES.toNanos(3)) {
                    throw new IllegalStateException("Streams not RUNNING after 3 minutes: " + streams.state());
                }
                Thread.sleep(10);
            }
            List<String> topics = List.of(Topics.VERDICTS.name());
            long[] producerCpu = new long[1];
            int[] sent = new int[1];
            java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();
            // By default the load comes from a thread of this JVM, as in the figures before 2026-12-05 10:00. With
            // --live-producer=process it comes from a JVM of its own, as dns-service's verdicts do: the service then does not
            // collect the generator's garbage (about 40 % of what was allocated at 56 000/s), but on two cores the second JVM
            // costs more CPU than it saves (84 s against 47 s for the thread over 300 s; docs/diagnostics.md).
            boolean ownProcess = "process".equals(options.getOrDefault(LIVE_PRODUCER, "thread"));
            Thread producerThread = ownProcess
                    ? new Thread(() -> liveProducerProcess(sent, producerCpu, failed), "live-verdicts-process")
                    : new Thread(() -> producerCpu[0] = sendLive(infrastructure.bootstrapServers(), infrastructure.registryUrl(), sent, failed),
                            "live-verdicts");
            long cpuAtStart = processCpuNanos();
            long childCpuAtStart = childrenCpuNanos();
            long begin = System.nanoTime();
            producerThread.start();
            long maxLag = 0;
            while (producerThread.isAlive()) {
                Thread.sleep(5_000);
                long lag = lag(topics, false);
                maxLag = Math.max(maxLag, lag);
                System.out.printf("  %5.1f s: %,d sent, lag %,d; load average %s%n", (System.nanoTime() - begin) / 1e9, sent[0], lag, loadAverage());
            }
            long stopped = System.nanoTime();
            require(failed.get() == 0, failed.get() + " verdicts could not be sent");
            double cpuWhileSending = (processCpuNanos() - cpuAtStart) / 1e9;
            double childCpuWhileSending = (childrenCpuNanos() - childCpuAtStart) / 1e9;
            long lag;
            while ((lag = lag(topics, false)) > 0) {
                if (System.nanoTime() - stopped > TimeUnit.MINUTES.toNanos(15)) {
                    throw new IllegalStateException("not caught up 15 minutes after the load stopped, lag " + lag);
                }
                Thread.sleep(100);
            }
            double drain = (System.nanoTime() - stopped) / 1e9;
            double sending = (stopped - begin) / 1e9;
            System.out.printf("live: %,d verdicts sent in %.1f s (%,.0f/s, goal %,d/s); largest lag seen %,d; lag back at zero %.1f s after the"
                            + " load stopped; %s CPU while sending %.1f s (%s %.1f s), broker+registry %.1f s;"
                            + " load average %s%n", sent[0], sending, sent[0] / sending, liveRate, maxLag, drain,
                    ownProcess ? "the service's JVM" : "process", cpuWhileSending,
                    ownProcess ? "beside it, the producer's process" : "of which the producer thread", producerCpu[0] / 1e9,
                    childCpuWhileSending, loadAverage());
            String base = "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port");
            String range = "from=" + verdictsFrom.truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(1))
                    + "&to=" + verdictsTo.truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(2));
            long counted = 0;
            long stoppedCounted = 0;
            for (int a = 0; a < accountCount; a++) {
                String summary = get(base, accounts[a], "/reports/summary?" + range);
                long queries = ((Number) JsonPath.read(summary, "$.queries")).longValue();
                long stoppedQueries = ((Number) JsonPath.read(summary, "$.stopped")).longValue();
                require(queries == verdictsByAccount[a] && stoppedQueries == stoppedByAccount[a], "account " + a + ": " + queries
                        + " queries, " + stoppedQueries + " stopped counted; " + verdictsByAccount[a] + " and " + stoppedByAccount[a] + " were sent");
                counted += queries;
                stoppedCounted += stoppedQueries;
            }
            require(counted == sent[0], counted + " counted over all accounts, " + sent[0] + " sent");
            System.out.printf("live: the reports of all %d accounts total %,d queries (%,d stopped), exactly the verdicts sent%n", accountCount,
                    counted, stoppedCounted);
            results.add(String.format("| live at %,d/s for %d s | %,d | lag back at zero %.1f s after | %,.0f | %.1f (producer %.1f) | %.1f | %d | %d |",
                    liveRate, liveSeconds, sent[0], drain, sent[0] / sending, cpuWhileSending, producerCpu[0] / 1e9, childCpuWhileSending,
                    rssKib() >> 10, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20));
            System.out.println();
            results.forEach(System.out::println);
        } finally {
            context.close();
        }
    }

    // ---------------------------------------------------------------- inputs

    private void createTopics() throws Exception {
        List<NewTopic> topics = new ArrayList<>();
        for (Topic<?> topic : List.of(Topics.AGENTS, Topics.AGENT_SETTINGS, Topics.AGENT_TELEMETRY, Topics.VERDICTS)) {
            Map<String, String> configs = new HashMap<>(topic.configs());
            configs.put("min.insync.replicas", "1");
            topics.add(new NewTopic(topic.name(), topic.partitions(), (short) 1).configs(configs));
        }
        admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
    }

    private interface RecordSource {
        ProducerRecord<String, SpecificRecord> record(int index, Instant base);
    }

    /** Produces the records as fast as one plain producer can (lz4, linger 20 ms, 256 KiB batches). */
    private void produce(String what, int count, RecordSource source) throws Exception {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infrastructure.bootstrapServers());
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        config.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        config.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 128L << 20);
        Instant base = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        long started = System.nanoTime();
        try (KafkaProducer<String, SpecificRecord> producer = new KafkaProducer<>(config, new StringSerializer(),
                AvroSerdes.serializer(infrastructure.registryUrl(), false))) {
            for (int i = 0; i < count; i++) {
                producer.send(source.record(i, base), (metadata, error) -> {
                    if (error != null) {
                        error.printStackTrace();
                        System.exit(2);
                    }
                });
            }
            producer.flush();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("produced %,d %s in %.1f s (%,.0f/s)%n", count, what, seconds, count / seconds);
    }

    private ProducerRecord<String, SpecificRecord> agentRecord(int i, Instant base) {
        Instant enrolled = base.minus(Duration.ofDays(30 + i % 300));
        AgentState agent = AgentState.newBuilder().setAgentId(agents[i]).setAccountId(accounts[i % accountCount])
                .setDeviceId("device-" + i).setHostname((i % 3 == 0 ? "MBP-" : "DESKTOP-") + Integer.toString(i * 7919, 36).toUpperCase())
                .setOsName(i % 3 == 0 ? "macOS" : "Windows").setOsVersion(i % 3 == 0 ? "14.4" : "11 23H2").setAgentVersion("1.0.0")
                .setKeyId(accounts[i % accountCount]).setKeyGeneration(1).setCredentialVerifier(VERIFIER)
                .setStatus(AgentStatus.ACTIVE).setEnrolledAt(enrolled).setLastEnrolledAt(enrolled).build();
        return new ProducerRecord<>(Topics.AGENTS.name(), agents[i].toString(), agent);
    }

    private static final dev.parapet.schemas.v1.common.Verifier VERIFIER = Secrets.verifier("aggregation-bench");

    /**
     * Heartbeat i of agent i % agents, received at evenly spaced times over the span that the
     * goal rate would take, ending now. Each agent keeps its own platform and state, so a device's
     * findings are stable (5 % run an outdated agent, 2 % are disabled).
     */
    private ProducerRecord<String, SpecificRecord> telemetryRecord(int i, Instant base) {
        int a = i % agentCount;
        long spanMillis = (long) (telemetryCount / TELEMETRY_RATE * 1000);
        Instant received = base.minusMillis(spanMillis).plusMillis(spanMillis * i / Math.max(1, telemetryCount));
        lastReceived[a] = received.toEpochMilli();
        boolean mac = a % 3 == 0;
        boolean disabled = a % 50 == 7;
        AgentStatusReport status = AgentStatusReport.newBuilder()
                .setAgentVersion(a % 20 == 3 ? "0.9.4" : "1.0.0")
                .setOsName(mac ? "macOS" : "Windows").setOsEdition(mac ? null : (a % 2 == 0 ? "Pro" : "Enterprise"))
                .setOsVersion(mac ? "14.4.1" : "11 23H2").setEnabled(!disabled)
                .setProtectionState(disabled ? ProtectionState.DISABLED : ProtectionState.PROTECTED)
                .setSignedInUser(users[a]).setUserIdentifiedBy(mac ? UserIdentification.LOCAL_ACCOUNT : UserIdentification.SSO)
                .setAgentClock(received.minusMillis(random.nextInt(800))).setLastConfigVersionApplied(0)
                .setConfigurationSource(ConfigurationSource.LIVE_STREAM)
                .setLastTestBlocking(new TestBlockingResult(received.minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS), true, true, null))
                .build();
        AgentTelemetry telemetry = AgentTelemetry.newBuilder().setEventId(uuid()).setAccountId(accounts[a % accountCount])
                .setAgentId(agents[a]).setReceivedAt(received).setKind(TelemetryKind.HEARTBEAT).setStatus(status)
                .setLastErrors(List.of()).build();
        // Keyed as the intake keys it (by account); --telemetry-key=agent for records as releases before 2026-12-05 keyed them.
        String key = telemetryByAgent ? agents[a].toString() : accounts[a % accountCount].toString();
        return new ProducerRecord<>(Topics.AGENT_TELEMETRY.name(), key, telemetry);
    }

    /**
     * Verdict i, at evenly spaced times over the span dns-service's peak would take, ending now: a
     * random account; 40 % from an agent (with its signed-in user), 60 % from one of the account's
     * three locations; names skewed towards the popular ones among {@code names}; 30 % blocked by
     * category (one or two security or content categories), the rest allowed, half of those with a
     * category.
     */
    private ProducerRecord<String, SpecificRecord> verdictRecord(int i, Instant base) {
        long spanMillis = (long) (verdictCount / VERDICT_RATE * 1000);
        return verdictAt(i, base.minusMillis(spanMillis).plusMillis(spanMillis * i / Math.max(1, verdictCount)));
    }

    private ProducerRecord<String, SpecificRecord> verdictAt(int i, Instant at) {
        if (i == 0) {
            verdictsFrom = at;
        }
        verdictsTo = at;
        int account = random.nextInt(accountCount);
        boolean blocked = random.nextInt(100) < 30;
        // Names 0 .. names-1, the lower the more popular (r^3); a tenth of them are listed for blocking.
        int rank = (int) (Math.pow(random.nextDouble(), 3) * (nameCount / 10));
        int name = blocked ? rank * 10 : rank * 10 + 1 + random.nextInt(9);
        List<String> categories = blocked
                ? (name % 7 == 0 ? List.of(BLOCKED_CATEGORIES[name % 8], BLOCKED_CATEGORIES[(name + 3) % 8]) : List.of(BLOCKED_CATEGORIES[name % 8]))
                : (name % 2 == 0 ? List.of(ALLOWED_CATEGORIES[name % 5]) : List.of());
        UUID agent = null;
        UUID location = null;
        String user = null;
        if (random.nextInt(10) < 4 && agentCount >= accountCount) {
            int a = account + accountCount * random.nextInt(agentCount / accountCount);
            agent = agents[a];
            user = users[a];
        } else {
            location = locations[account][random.nextInt(3)];
        }
        verdictsByAccount[account]++;
        if (blocked) {
            stoppedByAccount[account]++;
        }
        DnsVerdict verdict = DnsVerdict.newBuilder().setEventId(uuid()).setOccurredAt(at).setAccountId(accounts[account])
                .setLocationId(location).setAgentId(agent).setUserEmail(user)
                .setClientAddress(agent != null ? "10.1." + (i & 0xff) + ".7" : "198.51.100." + (account % 250))
                .setTransport(agent != null ? Transport.DOH : Transport.UDP)
                .setQueryName((name % 5 == 0 ? "www." : "") + "site-" + Integer.toString(name, 36) + (blocked ? ".bad.example" : ".example.com"))
                .setQueryType(i % 4 == 0 ? "AAAA" : "A").setAction(blocked ? Action.BLOCKED : Action.ALLOWED)
                .setReason(blocked ? Reason.CATEGORY : Reason.DEFAULT_ALLOW).setCategoryIds(categories)
                .setResponseCode(blocked ? "NXDOMAIN" : "NOERROR").setLatencyMicros(150 + random.nextInt(400)).setCached(random.nextInt(3) == 0)
                .build();
        return new ProducerRecord<>(Topics.VERDICTS.name(), accounts[account].toString(), verdict);
    }

    private UUID uuid() {
        return new UUID((random.nextLong() & ~0xf000L) | 0x4000L, (random.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L);
    }

    // ---------------------------------------------------------------- measure

    private interface Check {
        void run(String base) throws Exception;
    }

    /** Starts the service, times RUNNING to caught up on the topics, checks answers, stops the service. */
    private void measure(String input, int events, List<String> topics, Check check) throws Exception {
        System.gc();
        long started = System.nanoTime();
        ConfigurableApplicationContext context = new SpringApplicationBuilder(DiagnosticsServiceApplication.class, SecondInstanceResources.class)
                .run(serviceArgs.toArray(String[]::new));
        try {
            KafkaStreams streams = context.getBean(StreamsBuilderFactoryBean.class).getKafkaStreams();
            while (streams.state() != KafkaStreams.State.RUNNING) {
                if (System.nanoTime() - started > TimeUnit.MINUTES.toNanos(3)) {
                    throw new IllegalStateException("Streams not RUNNING after 3 minutes: " + streams.state());
                }
                Thread.sleep(10);
            }
            long running = System.nanoTime();
            long cpuAtRunning = processCpuNanos();
            long childCpuAtRunning = childrenCpuNanos();
            System.out.printf("%s: service started, Streams RUNNING %.1f s after the start; load average %s%n", input,
                    (running - started) / 1e9, loadAverage());
            long lastReport = running;
            long rssPeak = 0;
            while (true) {
                long lag = lag(topics, System.nanoTime() - lastReport > TimeUnit.SECONDS.toNanos(5));
                rssPeak = Math.max(rssPeak, rssKib());
                if (lag == 0) {
                    break;
                }
                if (System.nanoTime() - lastReport > TimeUnit.SECONDS.toNanos(5)) {
                    lastReport = System.nanoTime();
                    System.out.printf("  %5.1f s: lag %,d (%s)%n", (lastReport - running) / 1e9, lag, streams.state());
                }
                if (System.nanoTime() - running > TimeUnit.MINUTES.toNanos(15)) {
                    throw new IllegalStateException(input + ": not caught up after 15 minutes, lag " + lag);
                }
                Thread.sleep(100);
            }
            long done = System.nanoTime();
            if (queryLog && input.equals("verdicts")) {
                long written;
                while ((written = lag(List.of(Topics.VERDICTS.name()), false, dev.parapet.schemas.access.KafkaAccess.QUERY_LOG_GROUP)) > 0) {
                    if (System.nanoTime() - running > TimeUnit.MINUTES.toNanos(15)) {
                        throw new IllegalStateException("query log: not caught up after 15 minutes, lag " + written);
                    }
                    Thread.sleep(100);
                }
                double logSeconds = (System.nanoTime() - running) / 1e9;
                System.out.printf("query log: %,d verdicts written %.2f s from RUNNING (beside the aggregation, batches of at most "
                        + "50 000 per partition or 2 s): %,.0f verdicts/s%n", events, logSeconds, events / logSeconds);
            }
            double seconds = (done - running) / 1e9;
            double cpu = (processCpuNanos() - cpuAtRunning) / 1e9;
            double childCpu = (childrenCpuNanos() - childCpuAtRunning) / 1e9;
            MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
            System.out.printf("%s: %,d events committed in %.2f s from RUNNING (%.2f s from the start): %,.0f events/s; "
                            + "service JVM CPU %.1f s (%.0f %% of one core), broker+registry CPU %.1f s; RSS %d MiB (peak %d MiB), heap used %d of %d MiB%n",
                    input, events, seconds, (done - started) / 1e9, events / seconds, cpu, 100 * cpu / seconds, childCpu,
                    rssKib() >> 10, rssPeak >> 10, heap.getUsed() >> 20, heap.getCommitted() >> 20);
            System.out.printf("%s: load average at the end %s (other processes on the machine count in it)%n", input, loadAverage());
            String base = "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port");
            check.run(base);
            results.add(String.format("| %s | %,d | %.2f | %,.0f | %.1f | %.1f | %d (%d) | %d |", input, events, seconds, events / seconds, cpu,
                    childCpu, rssKib() >> 10, rssPeak >> 10, heap.getUsed() >> 20));
        } finally {
            context.close();
        }
    }

    /** Sum over the topics' partitions of end offset minus the group's committed offset. */
    private long lag(Collection<String> topics, boolean print) throws Exception {
        return lag(topics, print, DiagnosticsTopology.APPLICATION_ID);
    }

    private long lag(Collection<String> topics, boolean print, String group) throws Exception {
        Map<String, TopicDescription> descriptions = admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        descriptions.values().forEach(d -> d.partitions().forEach(p -> latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
        Map<TopicPartition, Long> ends = new HashMap<>();
        admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).forEach((tp, info) -> ends.put(tp, info.offset()));
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        long lag = 0;
        Map<String, Long> byTopic = new java.util.TreeMap<>();
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            OffsetAndMetadata offset = committed.get(end.getKey());
            long behind = end.getValue() - (offset == null ? 0 : offset.offset());
            lag += behind;
            byTopic.merge(end.getKey().topic(), behind, Long::sum);
        }
        if (print && lag > 0) {
            System.out.println("  lag by topic: " + byTopic);
        }
        return lag;
    }

    // ---------------------------------------------------------------- checks

    /** Every account has its agents as devices, and sampled devices were last seen at their last heartbeat. */
    private void checkDevices(String base) throws Exception {
        long agentsPerAccount = agentCount / accountCount;
        for (int a : new int[] {0, accountCount / 2, accountCount - 1}) {
            String page = get(base, accounts[a], "/devices?size=1");
            long total = ((Number) JsonPath.read(page, "$.total")).longValue();
            long expected = agentsPerAccount + (a < agentCount % accountCount ? 1 : 0);
            require(total == expected, "account " + a + " has " + total + " devices, " + expected + " were fed");
        }
        int checked = 0;
        for (int i = 0; i < Math.min(agentCount, telemetryCount); i += Math.max(1, agentCount / 20)) {
            String device = get(base, accounts[i % accountCount], "/devices/" + agents[i]);
            Instant lastSeen = Instant.parse(JsonPath.read(device, "$.device.lastSeen"));
            require(lastSeen.toEpochMilli() == lastReceived[i],
                    "agent " + i + " last seen " + lastSeen + ", its last heartbeat was " + Instant.ofEpochMilli(lastReceived[i]));
            checked++;
        }
        System.out.printf("telemetry checked: device counts of 3 accounts, last-seen of %d devices%n", checked);
    }

    /** Sampled accounts' verdict and stopped totals over the range equal what was fed. */
    private void checkVerdicts(String base) throws Exception {
        String range = "from=" + verdictsFrom.truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(1))
                + "&to=" + verdictsTo.truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(2));
        long fed = 0;
        for (int a : new int[] {0, 1, accountCount / 2, accountCount - 1}) {
            String summary = get(base, accounts[a], "/reports/summary?" + range);
            long queries = ((Number) JsonPath.read(summary, "$.queries")).longValue();
            long stopped = ((Number) JsonPath.read(summary, "$.stopped")).longValue();
            require(queries == verdictsByAccount[a] && stopped == stoppedByAccount[a], "account " + a + ": " + queries + " queries, "
                    + stopped + " stopped counted; " + verdictsByAccount[a] + " and " + stoppedByAccount[a] + " were fed");
            fed += queries;
        }
        System.out.printf("verdicts checked: totals and stopped of 4 accounts (%,d verdicts) equal what was fed%n", fed);
    }

    private String get(String base, UUID account, String path) throws Exception {
        String token = infrastructure.tokens().adminToken("bench@parapet.local", account, "FULL_ADMIN", Duration.ofMinutes(30));
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/accounts/" + account + "/diagnostics" + path))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        require(response.statusCode() == 200, "GET " + path + " answered " + response.statusCode() + ": " + response.body());
        return response.body();
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException("CHECK FAILED: " + message);
        }
    }

    // ---------------------------------------------------------------- process figures

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** CPU time of the broker and the registry (this JVM's child processes). */
    private static long childrenCpuNanos() {
        return ProcessHandle.current().descendants().filter(p -> !p.info().arguments().map(a -> String.join(" ", a).contains("--" + PRODUCE_TO))
                        .orElse(false))
                .mapToLong(p -> p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L)).sum();
    }

    /** Sends the live load ({@code --live-rate} per second for {@code --live-seconds}); returns the sending thread's CPU time. */
    private long sendLive(String bootstrap, String registryUrl, int[] sent, java.util.concurrent.atomic.AtomicLong failed) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        config.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long start = threads.getCurrentThreadCpuTime();
        try (KafkaProducer<String, SpecificRecord> producer = new KafkaProducer<>(config, new StringSerializer(),
                AvroSerdes.serializer(registryUrl, false))) {
            long begin = System.nanoTime();
            long end = begin + TimeUnit.SECONDS.toNanos(liveSeconds);
            while (System.nanoTime() < end) {
                long due = (System.nanoTime() - begin) * liveRate / 1_000_000_000L;
                Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
                while (sent[0] < due) {
                    producer.send(verdictAt(sent[0], now), (metadata, error) -> {
                        if (error != null) {
                            failed.incrementAndGet();
                        }
                    });
                    sent[0]++;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            }
            producer.flush();
        }
        return threads.getCurrentThreadCpuTime() - start;
    }

    /**
     * Runs the live load in a JVM of its own (this class, {@code --produce-to}), following its progress; takes over what it sent
     * per account for the checks, and its CPU time.
     */
    private void liveProducerProcess(int[] sent, long[] producerCpu, java.util.concurrent.atomic.AtomicLong failed) {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m", "-cp",
                System.getProperty("java.class.path"), AggregationBench.class.getName(),
                "--" + PRODUCE_TO + "=" + infrastructure.bootstrapServers() + "," + infrastructure.registryUrl()));
        for (String option : List.of("agents", "accounts", "names", "live-rate", "live-seconds")) {
            if (options.containsKey(option)) {
                command.add("--" + option + "=" + options.get(option));
            }
        }
        try {
            Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            boolean reported = false;
            try (java.io.BufferedReader lines = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream()))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    String[] fields = line.split(" ");
                    if (fields[0].equals("sent")) {
                        sent[0] = Integer.parseInt(fields[1]);
                    } else if (fields[0].equals("result")) {
                        sent[0] = Integer.parseInt(fields[1]);
                        producerCpu[0] = Long.parseLong(fields[2]);
                        failed.addAndGet(Long.parseLong(fields[3]));
                        verdictsFrom = Instant.ofEpochMilli(Long.parseLong(fields[4]));
                        verdictsTo = Instant.ofEpochMilli(Long.parseLong(fields[5]));
                        for (int a = 0; a < accountCount; a++) {
                            verdictsByAccount[a] = Long.parseLong(fields[6 + 2 * a]);
                            stoppedByAccount[a] = Long.parseLong(fields[7 + 2 * a]);
                        }
                        reported = true;
                    }
                }
            }
            int status = process.waitFor();
            require(status == 0 && reported, "the producer process ended with status " + status + (reported ? "" : ", without its result"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The producer process's part: sends the live load, printing {@code sent N} each second and then one {@code result} line. */
    private static void produceLiveAndReport(Map<String, String> options) throws Exception {
        String[] to = options.get(PRODUCE_TO).split(",");
        AggregationBench bench = new AggregationBench(options, null);
        int[] sent = new int[1];
        java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();
        Thread progress = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                System.out.println("sent " + sent[0]);
                System.out.flush();
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "progress");
        progress.setDaemon(true);
        progress.start();
        bench.sendLive(to[0], to[1], sent, failed);
        progress.interrupt();
        StringBuilder result = new StringBuilder("result " + sent[0] + " " + processCpuNanos() + " " + failed.get() + " "
                + bench.verdictsFrom.toEpochMilli() + " " + bench.verdictsTo.toEpochMilli());
        for (int a = 0; a < bench.accountCount; a++) {
            result.append(' ').append(bench.verdictsByAccount[a]).append(' ').append(bench.stoppedByAccount[a]);
        }
        System.out.println(result);
        System.out.flush();
        System.exit(0);
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    private static long rssKib() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/status"))) {
            return lines.filter(line -> line.startsWith("VmRSS:")).findFirst()
                    .map(line -> Long.parseLong(line.replaceAll("[^0-9]", ""))).orElse(0L);
        } catch (IOException e) {
            return 0;
        }
    }

    private int intOption(String name, int defaultValue) {
        return Integer.parseInt(options.getOrDefault(name, Integer.toString(defaultValue)).replace("_", ""));
    }

    private static void deleteTree(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not delete " + directory + ": " + e);
        }
    }
}
