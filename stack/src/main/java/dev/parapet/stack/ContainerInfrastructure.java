package dev.parapet.stack;

import java.nio.file.Path;
import java.time.Duration;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The same infrastructure from Testcontainers, for machines that have a Docker engine: Apache
 * Kafka's and Apicurio's published images. Chosen with {@code -Dparapet.infrastructure=testcontainers}.
 */
public final class ContainerInfrastructure implements Infrastructure {

    public static final String KAFKA_IMAGE = "apache/kafka:4.1.2";
    public static final String REGISTRY_IMAGE = "apicurio/apicurio-registry:3.3.3";

    private final KafkaContainer kafka;
    private final GenericContainer<?> registry;
    private final TokenIssuer tokens;

    private ContainerInfrastructure(KafkaContainer kafka, GenericContainer<?> registry, TokenIssuer tokens) {
        this.kafka = kafka;
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
        for (String image : java.util.List.of(KAFKA_IMAGE, REGISTRY_IMAGE)) {
            try {
                Process inspect = new ProcessBuilder("docker", "image", "inspect", image)
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (!inspect.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) || inspect.exitValue() != 0) {
                    inspect.destroyForcibly();
                    return false;
                }
            } catch (java.io.IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    @SuppressWarnings("resource")
    public static ContainerInfrastructure start(Path directory) {
        KafkaContainer kafka = new KafkaContainer(KAFKA_IMAGE);
        kafka.start();
        GenericContainer<?> registry = new GenericContainer<>(REGISTRY_IMAGE)
                .withExposedPorts(8080, 9000)
                .waitingFor(Wait.forHttp("/health/ready").forPort(9000).withStartupTimeout(Duration.ofMinutes(2)));
        registry.start();
        return new ContainerInfrastructure(kafka, registry, TokenIssuer.inDirectory(directory.resolve("issuer")));
    }

    @Override
    public String bootstrapServers() {
        return kafka.getBootstrapServers();
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
