package dev.parapet.stack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * Where the broker's classpath, the registry and a JDK able to run the registry are on this
 * machine. The module stack-dist lays out the first two at build time.
 */
public record StackDistribution(String kafkaClasspath, Path apicurioHome, Path registryJava, Path java, Path keycloakHome) {

    public static final int REGISTRY_MIN_JAVA = 21;

    /** Where stack-dist laid things out on this machine ({@code parapet-stack.properties}, filtered at build time). */
    static Properties layout() {
        Properties layout = new Properties();
        try (InputStream in = StackDistribution.class.getResourceAsStream("/parapet-stack.properties")) {
            if (in == null) {
                throw new IllegalStateException("parapet-stack.properties is missing from the classpath");
            }
            layout.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return layout;
    }

    public static StackDistribution locate() {
        Properties layout = layout();
        Path classpathFile = Path.of(layout.getProperty("kafka.classpath.file")).normalize();
        Path apicurio = Path.of(layout.getProperty("apicurio.home")).normalize();
        if (!Files.isRegularFile(classpathFile) || !Files.isRegularFile(apicurio.resolve("quarkus-run.jar"))) {
            throw new IllegalStateException("The stack distribution is not built: run 'mvn -pl stack-dist package' ("
                    + classpathFile + ", " + apicurio + ")");
        }
        try {
            String classpath = Files.readString(classpathFile, StandardCharsets.UTF_8).trim();
            Path currentJava = Path.of(System.getProperty("java.home"), "bin", "java");
            return new StackDistribution(classpath, apicurio, findJava(REGISTRY_MIN_JAVA), currentJava,
                    keycloakHome(Path.of(layout.getProperty("keycloak.dist")).normalize()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The one {@code keycloak-<version>} directory stack-dist unpacked, or null when it is not there. */
    private static Path keycloakHome(Path unpacked) throws IOException {
        if (!Files.isDirectory(unpacked)) {
            return null;
        }
        try (Stream<Path> homes = Files.list(unpacked)) {
            return homes.filter(home -> Files.isRegularFile(home.resolve("bin/kc.sh"))).findFirst().orElse(null);
        }
    }

    /** Keycloak's home, or a failure saying how to get it. */
    public Path requireKeycloak() {
        if (keycloakHome == null) {
            throw new IllegalStateException("Keycloak is not unpacked: run 'mvn -pl stack-dist package'");
        }
        return keycloakHome;
    }

    /**
     * A java launcher of at least the given feature version: PARAPET_REGISTRY_JAVA_HOME if set, the
     * running JVM if it is recent enough, else the newest JDK under /usr/lib/jvm.
     */
    static Path findJava(int minimumFeature) {
        String configured = System.getenv("PARAPET_REGISTRY_JAVA_HOME");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured, "bin", "java");
        }
        if (Runtime.version().feature() >= minimumFeature) {
            return Path.of(System.getProperty("java.home"), "bin", "java");
        }
        Path jvms = Path.of("/usr/lib/jvm");
        if (Files.isDirectory(jvms)) {
            try (Stream<Path> homes = Files.list(jvms)) {
                Optional<Path> best = homes
                        .filter(home -> Files.isExecutable(home.resolve("bin/java")))
                        .filter(home -> featureVersion(home) >= minimumFeature)
                        .max(Comparator.comparingInt(StackDistribution::featureVersion));
                if (best.isPresent()) {
                    return best.get().resolve("bin/java");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("Apicurio Registry needs a JDK >= " + minimumFeature
                + ": none found under /usr/lib/jvm; set PARAPET_REGISTRY_JAVA_HOME");
    }

    private static int featureVersion(Path javaHome) {
        Path release = javaHome.resolve("release");
        if (!Files.isRegularFile(release)) {
            return 0;
        }
        try {
            List<String> lines = Files.readAllLines(release, StandardCharsets.UTF_8);
            for (String line : lines) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String version = line.substring("JAVA_VERSION=".length()).replace("\"", "");
                    String feature = version.split("[.+-]")[0];
                    return Integer.parseInt(feature);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
