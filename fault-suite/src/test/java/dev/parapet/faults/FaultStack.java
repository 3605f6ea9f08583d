package dev.parapet.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.parapet.schemas.access.KafkaAccess;
import dev.parapet.schemas.access.KafkaAccessTool;
import dev.parapet.stack.KafkaCluster;
import dev.parapet.stack.KafkaSecurity;
import dev.parapet.stack.ManagedProcess;
import dev.parapet.stack.Ports;
import dev.parapet.stack.ProcessInfrastructure;
import dev.parapet.stack.SchemaRegistry;
import dev.parapet.stack.S3Proxy;
import dev.parapet.stack.ServiceProcesses;
import dev.parapet.stack.StackDistribution;
import dev.parapet.stack.TokenIssuer;

/**
 * All of Parapet as processes on free loopback ports, for the fault suite: a Kafka cluster (one
 * combined node, or three brokers and a controller with replication factor 3 and min ISR 2), Apicurio
 * Registry, and the four services from the jars this build made. Any service can be killed
 * (SIGKILL) and started again on its own port and data.
 */
final class FaultStack implements AutoCloseable {

    /** One service process and how to start it again. */
    final class Service {
        final ServiceProcesses.Spec spec;
        /** Names its data directory and log: the module's name, or another for a second instance. */
        final String instance;
        volatile ManagedProcess process;

        Service(ServiceProcesses.Spec spec) {
            this(spec, spec.name());
        }

        Service(ServiceProcesses.Spec spec, String instance) {
            this.spec = spec;
            this.instance = instance;
        }

        String url() {
            return "http://127.0.0.1:" + spec.port();
        }

        void start() {
            Map<String, String> properties = new LinkedHashMap<>(springProperties);
            properties.putAll(principals.getOrDefault(spec.name(), Map.of()));
            process = ServiceProcesses.start(distribution, data, spec, properties, instance);
        }

        void awaitHealthy() {
            ServiceProcesses.awaitHealthy(process, spec.port(), Duration.ofMinutes(3));
        }

        /** As a crash would: no shutdown hooks, no leaving the consumer group. */
        void kill() {
            process.kill();
        }

        long pid() {
            return process.pid();
        }

        /** Resident memory of the process, in MiB (from /proc). */
        long rssMiB() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
                    }
                }
            } catch (IOException e) {
                return -1;
            }
            return -1;
        }
    }

    final Path data;
    final StackDistribution distribution = StackDistribution.locate();
    final KafkaCluster kafka;
    final SchemaRegistry registry;
    final TokenIssuer tokens;
    final UUID operatorAccount = UUID.randomUUID();
    final int dnsPort = Ports.free();
    final int dohTlsPort = Ports.free();
    final int pagesHttpPort = Ports.free();
    final int pagesHttpsPort = Ports.free();
    private final Map<String, String> springProperties;
    /** Each service's Kafka principal (its Spring properties) on a secured cluster; empty on a plaintext one. */
    private final Map<String, Map<String, String>> principals;
    final Service keys;
    final Service settings;
    final Service dns;
    final Service diagnostics;
    /** Where diagnostics-service keeps its query log: a bucket of this S3 server. */
    final S3Proxy s3;
    static final String QUERY_LOG_BUCKET = "query-log";

    private final Path dnsSecrets;

    private FaultStack(Path data, KafkaCluster kafka, int replication, List<String> dnsExtra) throws IOException, InterruptedException {
        this(data, kafka, replication, dnsExtra, Map.of());
    }

    private FaultStack(Path data, KafkaCluster kafka, int replication, List<String> dnsExtra,
                       Map<String, Map<String, String>> principals) throws IOException, InterruptedException {
        this.data = data;
        this.principals = Map.copyOf(principals);
        this.kafka = kafka;
        this.registry = SchemaRegistry.start(distribution, data.resolve("registry"), Ports.free(), Ports.free(),
                new SchemaRegistry.Storage.InMemory());
        this.tokens = TokenIssuer.inDirectory(data.resolve("issuer"));
        Map<String, String> properties = new LinkedHashMap<>(new ProcessInfrastructure(kafka, registry, tokens).springProperties());
        properties.put("parapet.kafka.replication-factor", Integer.toString(replication));
        properties.put("parapet.kafka.min-insync-replicas", Integer.toString(Math.min(2, replication)));
        this.springProperties = properties;

        int keyPort = Ports.free();
        keys = new Service(new ServiceProcesses.Spec("key-service", keyPort, "384m", List.of(
                "--spring.config.import=optional:file:" + ServiceProcesses.secrets(data, "key-service", "parapet.keys",
                        "parapet.keys.api-url=http://127.0.0.1:" + keyPort + "\n"),
                "--parapet.keys.state-directory=" + data.resolve("key-service/streams"),
                // Every client of the suite comes from 127.0.0.1.
                "--parapet.keys.enrolments-per-address-per-minute=100000",
                "--parapet.keys.enrolments-per-key-per-minute=100000")));
        settings = new Service(new ServiceProcesses.Spec("settings-service", Ports.free(), "512m", List.of(
                "--spring.config.import=optional:file:" + ServiceProcesses.secrets(data, "settings-service", "parapet.settings", ""),
                "--parapet.settings.state-directory=" + data.resolve("settings-service/streams"),
                "--parapet.settings.allow-private-ranges=true",
                "--parapet.settings.operator-accounts=" + operatorAccount)));
        byte[] caSecret = new byte[32];
        new java.security.SecureRandom().nextBytes(caSecret);
        dnsSecrets = ServiceProcesses.secrets(data, "dns-service", "parapet.dns",
                "parapet.dns.pages.ca-secret=" + Base64.getEncoder().encodeToString(caSecret) + "\n");
        List<String> dnsArguments = dnsArguments("dns-service", dnsPort, dohTlsPort, pagesHttpPort, pagesHttpsPort);
        dnsArguments.addAll(dnsExtra);
        dns = new Service(new ServiceProcesses.Spec("dns-service", Ports.free(), "384m", dnsArguments));
        // Its query log in an S3 bucket (S3Proxy's filesystem store, on disk under data/s3proxy): the kills of the suite
        // (QueryLogKillTest) fall on the object-store root, whose claims and commits are objects created if absent.
        s3 = S3Proxy.start(data.resolve("s3proxy"), QUERY_LOG_BUCKET);
        byte[] pseudonymKey = new byte[32];
        new java.security.SecureRandom().nextBytes(pseudonymKey);
        Path diagnosticsSecrets = data.resolve("diagnostics-service/query-log.properties");
        ServiceProcesses.writePrivate(diagnosticsSecrets, "parapet.diagnostics.query-log.object-store.access-key-id=" + s3.accessKey() + "\n"
                + "parapet.diagnostics.query-log.object-store.secret-access-key=" + s3.secretKey() + "\n"
                + "parapet.diagnostics.query-log.pseudonym-key=" + Base64.getEncoder().encodeToString(pseudonymKey) + "\n");
        diagnostics = new Service(new ServiceProcesses.Spec("diagnostics-service", Ports.free(), "384m", List.of(
                "--spring.config.import=optional:file:" + diagnosticsSecrets,
                "--parapet.diagnostics.state-directory=" + data.resolve("diagnostics-service/streams"),
                "--parapet.diagnostics.query-log.object-store.url=s3://" + QUERY_LOG_BUCKET + "/query-log",
                "--parapet.diagnostics.query-log.object-store.endpoint=" + s3.endpoint(),
                "--parapet.diagnostics.query-log.object-store.cache-directory=" + data.resolve("diagnostics-service/query-log-cache"))));
    }

    /** Starts the cluster ({@code brokers} 1: one combined node; 3: three brokers and a controller), the registry and the services. */
    static FaultStack start(Path data, int brokers) throws Exception {
        return start(data, brokers, List.of());
    }

    /** As {@link #start(Path, int)}, with further arguments for dns-service (upstreams, say). */
    static FaultStack start(Path data, int brokers, List<String> dnsExtra) throws Exception {
        KafkaCluster kafka = brokers == 1
                ? KafkaCluster.single(StackDistribution.locate(), data.resolve("kafka"), Ports.free(), Ports.free())
                : KafkaCluster.withSeparateControllers(StackDistribution.locate(), data.resolve("kafka"), brokers, 1);
        FaultStack stack = new FaultStack(data, kafka, Math.min(3, brokers), dnsExtra);
        long started = System.nanoTime();
        for (Service service : stack.services()) {
            service.start();
        }
        for (Service service : stack.services()) {
            service.awaitHealthy();
        }
        System.out.printf("fault stack: %d broker(s), registry and 4 services healthy in %.1f s%n", brokers,
                (System.nanoTime() - started) / 1e9);
        return stack;
    }

    /**
     * The stack on one broker locked down as in production ({@link KafkaSecurity}): the ACLs applied and the
     * topics created by the operator's {@link KafkaAccessTool}, each service with its own principal and
     * creating no topics, as docs/operations.md tells.
     */
    static FaultStack startSecured(Path data, KafkaSecurity security) throws Exception {
        KafkaCluster kafka = KafkaCluster.secured(StackDistribution.locate(), data.resolve("kafka"), Ports.free(), Ports.free(), security);
        FaultStack stack = null;
        try {
            Path adminConfig = data.resolve("admin.properties");
            StringBuilder text = new StringBuilder();
            security.clientProperties(KafkaSecurity.ADMIN).forEach((key, value) -> text.append(key).append('=')
                    .append(value.toString().replace("\\", "\\\\")).append('\n'));
            ServiceProcesses.writePrivate(adminConfig, text.toString());
            java.io.ByteArrayOutputStream output = new java.io.ByteArrayOutputStream();
            int exit = KafkaAccessTool.run(new String[] {"--apply", "--bootstrap-server", kafka.bootstrapServers(),
                    "--command-config", adminConfig.toString(), "--create-topics", "--replication-factor", "1",
                    "--min-insync-replicas", "1"}, new java.io.PrintStream(output, true), System.err);
            if (exit != 0) {
                throw new IllegalStateException("KafkaAccessTool --apply failed: " + output);
            }
            Map<String, Map<String, String>> principals = new LinkedHashMap<>();
            for (KafkaAccess.Service service : KafkaAccess.SERVICES) {
                Map<String, String> properties = new LinkedHashMap<>(security.springProperties(service.name()));
                properties.put("parapet.kafka.create-topics", "false");
                principals.put(service.name(), properties);
            }
            stack = new FaultStack(data, kafka, 1, List.of(), principals);
            long started = System.nanoTime();
            for (Service service : stack.services()) {
                service.start();
            }
            for (Service service : stack.services()) {
                service.awaitHealthy();
            }
            System.out.printf("secured fault stack: registry and 4 services healthy in %.1f s%n", (System.nanoTime() - started) / 1e9);
            return stack;
        } catch (Exception | Error e) {
            if (stack != null) {
                stack.close();
            } else {
                kafka.close();
            }
            throw e;
        }
    }

    List<Service> services() {
        return List.of(keys, settings, dns, diagnostics);
    }

    /** A Super Administrator of a new account (or of the operator's account). */
    String superAdmin(UUID account) {
        return tokens.adminToken("admin@" + account + ".example", account, "SUPER_ADMIN", Duration.ofHours(2));
    }

    /**
     * Another dns-service instance beside the stack's (not started): DNS on {@code dnsPort}, its own
     * DoH and block-page ports and data directory, the same Kafka and secrets.
     */
    Service anotherDns(String instance, int dnsPort, List<String> extra) throws IOException, InterruptedException {
        List<String> arguments = dnsArguments(instance, dnsPort, Ports.free(), Ports.free(), Ports.free());
        arguments.addAll(extra);
        return new Service(new ServiceProcesses.Spec("dns-service", Ports.free(), "384m", arguments), instance);
    }

    private List<String> dnsArguments(String instance, int dnsPort, int dohTlsPort, int pagesHttpPort, int pagesHttpsPort)
            throws IOException, InterruptedException {
        Path secrets = dnsSecrets;
        Path certificate = data.resolve(instance + "/doh-certificate.pem");
        Path key = data.resolve(instance + "/doh-key.pem");
        Files.createDirectories(certificate.getParent());
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(), "-out", certificate.toString(),
                "-days", "30", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (openssl.waitFor() != 0) {
            throw new IllegalStateException("openssl could not make the DoH certificate");
        }
        return new ArrayList<>(List.of("--parapet.dns.port=" + dnsPort,
                "--spring.config.import=optional:file:" + secrets,
                "--parapet.dns.pages.http-port=" + pagesHttpPort, "--parapet.dns.pages.https-port=" + pagesHttpsPort,
                "--parapet.dns.doh.port=" + dohTlsPort, "--parapet.dns.doh.certificate=" + certificate,
                "--parapet.dns.doh.private-key=" + key, "--parapet.dns.dot.port=0"));
    }

    @Override
    public void close() {
        for (Service service : services()) {
            if (service.process != null) {
                service.process.close();
            }
        }
        registry.close();
        kafka.close();
        s3.close();
    }
}
