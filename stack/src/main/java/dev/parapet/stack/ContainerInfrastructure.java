package dev.parapet.stack;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;

/**
 * The same infrastructure from Testcontainers, for machines that have a Docker engine: the images
 * {@code deploy/build-images} makes from the build's own Kafka and Apicurio ({@code parapet/kafka},
 * {@code parapet/registry}; on official base images where a registry is reachable), one broker and a
 * registry keeping schemas in memory. Chosen with {@code -Dparapet.infrastructure=testcontainers}.
 */
public final class ContainerInfrastructure implements Infrastructure {

    public static final String KAFKA_IMAGE = "parapet/kafka:4.1.2";
    public static final String REGISTRY_IMAGE = "parapet/registry:3.3.3";

    private final GenericContainer<?> kafka;
    private final int kafkaPort;
    private final GenericContainer<?> registry;
    private final TokenIssuer tokens;

    private ContainerInfrastructure(GenericContainer<?> kafka, int kafkaPort, GenericContainer<?> registry, TokenIssuer tokens) {
        this.kafka = kafka;
        this.kafkaPort = kafkaPort;
        this.registry = registry;
        this.tokens = tokens;
    }

    public static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /**
     * Whether both images are in the local engine already. Nothing here pulls: on a machine that reaches no
     * registry a pull only retries for minutes (and asks the network for a registry's address).
     */
    public static boolean imagesPresent() {
        for (String image : List.of(KAFKA_IMAGE, REGISTRY_IMAGE)) {
            try {
                Process inspect = new ProcessBuilder("docker", "image", "inspect", image)
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (!inspect.waitFor(30, TimeUnit.SECONDS) || inspect.exitValue() != 0) {
                    inspect.destroyForcibly();
                    return false;
                }
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /**
     * One KRaft node (broker and controller) whose client listener is published on a fixed free port of
     * loopback and advertised as that port, so that clients on the host reach it after the metadata
     * answer; then the registry.
     */
    @SuppressWarnings("resource")
    public static ContainerInfrastructure start(Path directory) {
        int port = Ports.free();
        GenericContainer<?> kafka = new GenericContainer<>(KAFKA_IMAGE)
                .withEnv("CLUSTER_ID", "cGFyYXBldC10ZXN0Y29udA")
                .withEnv("KAFKA_NODE_ID", "1")
                .withEnv("KAFKA_PROCESS_ROLES", "broker,controller")
                .withEnv("KAFKA_LISTENERS", "PLAINTEXT://:9092,CONTROLLER://127.0.0.1:9093")
                .withEnv("KAFKA_ADVERTISED_LISTENERS", "PLAINTEXT://127.0.0.1:" + port)
                .withEnv("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER")
                .withEnv("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT")
                .withEnv("KAFKA_CONTROLLER_QUORUM_VOTERS", "1@127.0.0.1:9093")
                .withEnv("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
                .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", "1")
                .withEnv("KAFKA_HEAP_OPTS", "-Xms128m -Xmx512m")
                .withExposedPorts(9092)
                .waitingFor(Wait.forLogMessage(".*Kafka Server started.*", 1).withStartupTimeout(Duration.ofMinutes(2)));
        kafka.setPortBindings(List.of("127.0.0.1:" + port + ":9092"));
        kafka.start();
        GenericContainer<?> registry = new GenericContainer<>(REGISTRY_IMAGE)
                .withExposedPorts(8080, 9000)
                .waitingFor(Wait.forHttp("/health/ready").forPort(9000).withStartupTimeout(Duration.ofMinutes(2)));
        try {
            registry.start();
        } catch (RuntimeException e) {
            kafka.stop();
            throw e;
        }
        return new ContainerInfrastructure(kafka, port, registry, TokenIssuer.inDirectory(directory.resolve("issuer")));
    }

    @Override
    public String bootstrapServers() {
        return "127.0.0.1:" + kafkaPort;
    }

    @Override
    public String registryUrl() {
        return "http://" + registry.getHost() + ":" + registry.getMappedPort(8080);
    }

    @Override
    public TokenIssuer tokens() {
        return tokens;
    }

    @Override
    public void close() {
        registry.stop();
        kafka.stop();
    }
}
