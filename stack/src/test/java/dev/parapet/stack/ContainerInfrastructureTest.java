package dev.parapet.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Testcontainers;

/** Runs only where a Docker engine answers; skipped (not failed) elsewhere. */
@Testcontainers(disabledWithoutDocker = true)
class ContainerInfrastructureTest {

    @Test
    void theContainerisedBrokerAndRegistryAnswerLikeTheProcessOnes(@TempDir Path directory) throws Exception {
        try (ContainerInfrastructure infrastructure = ContainerInfrastructure.start(directory);
             Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", infrastructure.bootstrapServers()))) {
            assertThat(admin.describeCluster().nodes().get(60, TimeUnit.SECONDS)).hasSize(1);
            assertThat(infrastructure.registryUrl()).startsWith("http://");
        }
    }
}
