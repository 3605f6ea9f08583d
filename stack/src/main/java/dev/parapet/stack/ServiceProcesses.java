package dev.parapet.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts Parapet's services as their own processes from the jars the build made, as the local stack
 * does and as the fault suite does (which kills and restarts them).
 */
public final class ServiceProcesses {

    /**
     * @param name      the module, e.g. {@code key-service}
     * @param port      its HTTP port
     * @param heap      its -Xmx, e.g. {@code 384m}
     * @param arguments further {@code --property=value} arguments
     */
    public record Spec(String name, int port, String heap, List<String> arguments) {
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private ServiceProcesses() {
    }

    /**
     * Starts the service with the infrastructure's Spring properties, its HTTP port and its data
     * directory; output goes to {@code <data>/logs/<name>.log}.
     */
    public static ManagedProcess start(StackDistribution distribution, Path data, Spec spec, Map<String, String> springProperties) {
        return start(distribution, data, spec, springProperties, spec.name(), false);
    }

    /**
     * As {@link #start(StackDistribution, Path, Spec, Map)}, with {@code instance} naming the data
     * directory and the log, so that two instances of one service run side by side.
     */
    public static ManagedProcess start(StackDistribution distribution, Path data, Spec spec, Map<String, String> springProperties,
                                       String instance) {
        return start(distribution, data, spec, springProperties, instance, false);
    }

    /**
     * As {@link #start(StackDistribution, Path, Spec, Map, String)}; with {@code classDataSharing}, the service
     * runs from its jar extracted into {@code <data>/cds/<instance>/} (Spring Boot's {@code -Djarmode=tools
     * extract}, again whenever the jar is newer) with a class-data sharing archive beside it: the first
     * start records the classes it loads when it stops ({@code -XX:ArchiveClassesAtExit}), later starts
     * map them instead of loading and verifying them again ({@code -XX:SharedArchiveFile}); an archive the JVM
     * could not map is said and recorded again ({@link ClassDataArchive}).
     */
    public static ManagedProcess start(StackDistribution distribution, Path data, Spec spec, Map<String, String> springProperties,
                                       String instance, boolean classDataSharing) {
        Path jar = repositoryRoot().resolve(spec.name()).resolve("target").resolve(spec.name() + ".jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build with 'mvn -DskipTests package' first");
        }
        List<String> command = new ArrayList<>(List.of(distribution.java().toString(), "-Xms64m", "-Xmx" + spec.heap()));
        command.addAll(jvmOptions());
        if (classDataSharing) {
            // Per instance: two instances writing one archive as they stop would spoil it.
            Path directory = data.resolve("cds").resolve(instance);
            Path extracted = extracted(distribution, jar, directory, data.resolve("logs").resolve(instance + "-extract.log"));
            Path archive = directory.resolve(instance + ".jsa");
            ClassDataArchive.Decision decision = ClassDataArchive.decide(distribution.java(), archive, extracted.toString());
            command.addAll(decision.javaOptions());
            note(data.resolve("logs").resolve(instance + ".log"), instance, decision.note());
            command.addAll(List.of("-jar", extracted.toString()));
        } else {
            command.addAll(List.of("-jar", jar.toString()));
        }
        Map<String, String> properties = new LinkedHashMap<>(springProperties);
        properties.put("server.port", Integer.toString(spec.port()));
        properties.put("parapet.data-directory", data.resolve(instance).toString());
        properties.forEach((key, value) -> command.add("--" + key + "=" + value));
        command.addAll(spec.arguments());
        return ManagedProcess.start(instance, command, Map.of(), data.resolve(instance),
                data.resolve("logs").resolve(instance + ".log"));
    }

    /** Says a start's note once: in the launcher's output and at the end of the process's log, which its output follows. */
    static void note(Path log, String instance, String note) {
        if (note.isEmpty()) {
            return;
        }
        System.out.println("[parapet] " + instance + ": " + note);
        try {
            Files.createDirectories(log.getParent());
            Files.writeString(log, "[parapet launcher] " + note + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            // The launcher's output said it.
        }
    }

    /** The jar extracted for class-data sharing, extracted anew (and its archive dropped) when the built jar is newer. */
    private static Path extracted(StackDistribution distribution, Path jar, Path directory, Path log) {
        Path extractedJar = directory.resolve("app").resolve(jar.getFileName());
        Path source = directory.resolve("extracted-from");
        try {
            String built = jar + " " + Files.getLastModifiedTime(jar).toMillis() + " " + Files.size(jar) + "\n";
            if (Files.isRegularFile(extractedJar) && Files.isRegularFile(source) && Files.readString(source).equals(built)) {
                return extractedJar;
            }
            if (Files.exists(directory)) {
                try (var paths = Files.walk(directory)) {
                    paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
                }
            }
            Files.createDirectories(directory);
            ManagedProcess.runToCompletion("extract " + jar.getFileName(), List.of(distribution.java().toString(),
                    "-Djarmode=tools", "-jar", jar.toString(), "extract", "--destination", directory.resolve("app").toString()),
                    directory, log, Duration.ofMinutes(2));
            Files.writeString(source, built);
            return extractedJar;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * How the services' JVMs run. By default they start fast and small (the serial collector, the
     * client compiler only), which suits a development machine; {@code PARAPET_SERVICE_JAVA_OPTS}
     * replaces these, e.g. with {@code -XX:+UseParallelGC} to let the optimising compiler work when
     * measuring the stack under load.
     */
    static List<String> jvmOptions() {
        return javaOptions("PARAPET_SERVICE_JAVA_OPTS", List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    }

    /** JVM options from an environment variable (split on blanks), or the defaults when it is unset or blank. */
    static List<String> javaOptions(String variable, List<String> defaults) {
        String configured = System.getenv(variable);
        return configured == null || configured.isBlank() ? defaults : List.of(configured.strip().split("\\s+"));
    }

    /** Waits until the service answers its health endpoint with UP (failing at once if it died). */
    public static void awaitHealthy(ManagedProcess process, int port, Duration timeout) {
        URI health = URI.create("http://127.0.0.1:" + port + "/actuator/health");
        // Not more often: each answer runs every health check (the broker, the registry, each state) in a
        // service that is busy starting.
        Waits.until(process.name() + " healthy", timeout, Duration.ofMillis(200), () -> {
            process.ensureAlive();
            return isHealthy(health);
        });
    }

    /** Whether the URL answers 200 with an UP status. */
    public static boolean isHealthy(URI health) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 && response.body().contains("\"UP\"");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * A service's encryption key, made once and kept in the data directory (mode 0600), passed as a
     * config file ({@code --spring.config.import=optional:file:<it>}) so that it never shows in a
     * process list.
     */
    public static Path secrets(Path data, String service, String prefix, String extra) throws IOException {
        Path file = data.resolve(service).resolve("secrets.properties");
        if (!Files.exists(file)) {
            Files.createDirectories(file.getParent());
            byte[] key = new byte[32];
            new java.security.SecureRandom().nextBytes(key);
            String text = "# " + service + " secrets for the local stack; never commit.\n"
                    + prefix + ".encryption-keys.local1=" + java.util.Base64.getEncoder().encodeToString(key) + "\n"
                    + prefix + ".current-encryption-key=local1\n" + extra;
            writePrivate(file, text);
        }
        return file;
    }

    /** Writes a file only its owner may read (0600), created so from the start. */
    public static void writePrivate(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        try {
            Files.deleteIfExists(file);
            Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException notPosix) {
            // Not a POSIX file system: written with the defaults.
        }
        Files.writeString(file, text, StandardCharsets.US_ASCII);
    }

    /** The repository this build runs from (the services' jars are under it). */
    public static Path repositoryRoot() {
        return Path.of(StackDistribution.layout().getProperty("repository.root")).normalize();
    }
}
