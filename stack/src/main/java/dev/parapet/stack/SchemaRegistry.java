package dev.parapet.stack;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Apicurio Registry 3, run from its ready distribution with a JDK that can run it. Both of its
 * ports are bound to loopback. Its global compatibility rule is set to BACKWARD explicitly
 * (Apicurio's default is none).
 */
public final class SchemaRegistry implements AutoCloseable {

    /** Where the registry keeps schemas: in memory (tests), or in Kafka (the local stack, production). */
    public sealed interface Storage {
        record InMemory() implements Storage {
        }

        record KafkaSql(String bootstrapServers) implements Storage {
        }
    }

    public static final String COMPATIBILITY = "BACKWARD";


    private final ManagedProcess process;
    private final int port;

    private SchemaRegistry(ManagedProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    public static SchemaRegistry start(StackDistribution distribution, Path directory, int port, int managementPort,
                                       Storage storage) {
        return start(distribution, directory, port, managementPort, storage, false);
    }

    /**
     * As {@link #start(StackDistribution, Path, int, int, Storage)}; with {@code classDataSharing} (the
     * local stack, whose directory outlives a start) the JVM keeps the classes it loaded in an archive in
     * the directory and maps them at the next start ({@code -XX:+AutoCreateSharedArchive}, which makes
     * it again whenever the Java or the registry changes).
     */
    public static SchemaRegistry start(StackDistribution distribution, Path directory, int port, int managementPort,
                                       Storage storage, boolean classDataSharing) {
        return start(distribution, directory, port, managementPort, storage, classDataSharing, Map.of());
    }

    /**
     * As above, with further {@code APICURIO_*} / {@code QUARKUS_*} settings. With authentication among
     * them ({@code QUARKUS_OIDC_TENANT_ENABLED=true}) the compatibility rule is left to whoever holds a
     * token (the deployment's schema registration), since an anonymous caller may not set it.
     */
    public static SchemaRegistry start(StackDistribution distribution, Path directory, int port, int managementPort,
                                       Storage storage, boolean classDataSharing, Map<String, String> settings) {
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        environment.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        environment.put("QUARKUS_MANAGEMENT_HOST", "127.0.0.1");
        environment.put("QUARKUS_MANAGEMENT_PORT", Integer.toString(managementPort));
        environment.put("QUARKUS_LOG_LEVEL", "WARN");
        environment.put("QUARKUS_LOG_CATEGORY__IO_QUARKUS_BOOTSTRAP_RUNNER__LEVEL", "INFO");
        if (storage instanceof Storage.KafkaSql kafka) {
            environment.put("APICURIO_STORAGE_KIND", "kafkasql");
            environment.put("APICURIO_KAFKASQL_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
            environment.put("APICURIO_KAFKASQL_TOPIC", "parapet.registry-journal.v1");
            environment.put("APICURIO_KAFKASQL_SNAPSHOTS_TOPIC", "parapet.registry-snapshots.v1");
            environment.put("APICURIO_EVENTS_KAFKA_TOPIC", "parapet.registry-events.v1");
            // At start the registry polls its topics until a poll comes back empty: 5 s each by default,
            // most of its start on a warm stack. Its journal consumer polls in a loop either way.
            environment.put("APICURIO_KAFKASQL_CONSUMER_POLL_TIMEOUT", "500");
        }
        environment.putAll(settings);
        boolean authenticated = "true".equals(settings.get("QUARKUS_OIDC_TENANT_ENABLED"));
        List<String> command = new ArrayList<>(List.of(distribution.registryJava().toString(),
                "-Xms64m", "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        if (classDataSharing) {
            command.addAll(List.of("-XX:+AutoCreateSharedArchive", "-XX:SharedArchiveFile=" + directory.resolve("registry.jsa")));
        }
        command.addAll(List.of("-jar", distribution.apicurioHome().resolve("quarkus-run.jar").toString()));
        ManagedProcess process = ManagedProcess.start("apicurio-registry", command, environment, directory,
                directory.resolve("registry.log"));
        SchemaRegistry registry = new SchemaRegistry(process, port);
        try {
            Waits.until("Apicurio Registry ready on port " + port, Duration.ofMinutes(2), () -> {
                process.ensureAlive();
                return LoopbackHttp.status("http://127.0.0.1:" + managementPort + "/health/ready") == 200;
            });
            if (!authenticated) {
                registry.requireGlobalCompatibility(COMPATIBILITY);
            }
        } catch (RuntimeException e) {
            process.close();
            throw e;
        }
        return registry;
    }

    /** The registry's base URL, e.g. {@code http://127.0.0.1:8080}. */
    public String url() {
        return url(port);
    }

    /** The base URL of a registry on this port of loopback. */
    public static String url(int port) {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public ManagedProcess process() {
        return process;
    }

    private void requireGlobalCompatibility(String level) {
        String body = "{\"ruleType\":\"COMPATIBILITY\",\"config\":\"" + level + "\"}";
        int created = LoopbackHttp.status(HttpRequest.newBuilder(URI.create(url() + "/apis/registry/v3/admin/rules"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
        if (created == 409) {
            int updated = LoopbackHttp.status(HttpRequest.newBuilder(URI.create(url() + "/apis/registry/v3/admin/rules/COMPATIBILITY"))
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(body)).build());
            if (updated / 100 != 2) {
                throw new IllegalStateException("Could not update the registry's compatibility rule: HTTP " + updated);
            }
        } else if (created / 100 != 2) {
            throw new IllegalStateException("Could not set the registry's compatibility rule: HTTP " + created);
        }
    }

    @Override
    public void close() {
        process.close();
    }
}
