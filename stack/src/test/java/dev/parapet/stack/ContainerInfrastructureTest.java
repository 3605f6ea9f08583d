package dev.parapet.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs only where a Docker engine answers and holds Kafka's and Apicurio's published images; skipped
 * (not failed) elsewhere, without trying to pull them (nor Testcontainers' reaper image: the
 * build's surefire configuration disables it).
 */
class ContainerInfrastructureTest {

    /** Asked with the docker command before Testcontainers is touched: its own check of the engine pulls an image. */
    @org.junit.jupiter.api.BeforeAll
    static void imagesAreThere() {
        org.junit.jupiter.api.Assumptions.assumeTrue(ContainerInfrastructure.imagesPresent(),
                "the images " + ContainerInfrastructure.KAFKA_IMAGE + " and " + ContainerInfrastructure.REGISTRY_IMAGE
                        + " are not in a local Docker engine");
    }

    @Test
    void theContainerisedBrokerAndRegistryAnswerLikeTheProcessOnes(@TempDir Path directory) throws Exception {
        try (ContainerInfrastructure infrastructure = ContainerInfrastructure.start(directory);
             Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", infrastructure.bootstrapServers()))) {
            assertThat(admin.describeCluster().nodes().get(60, TimeUnit.SECONDS)).hasSize(1);
            assertThat(infrastructure.registryUrl()).startsWith("http://");
        }
    }
}
