package dev.parapet.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs where a Docker engine answers and holds the images {@code deploy/build-images} makes
 * ({@code parapet/kafka}, {@code parapet/registry}: CI builds them for {@code .ci/compose-check} and then
 * runs this test); skipped (not failed) elsewhere, without trying to pull anything (nor Testcontainers'
 * reaper image: the build's surefire configuration disables it).
 */
class ContainerInfrastructureTest {

    /** Asked with the docker command before Testcontainers is touched: its own check of the engine pulls an image. */
    @BeforeAll
    static void imagesAreThere() {
        String missing = "the images " + ContainerInfrastructure.KAFKA_IMAGE + " and " + ContainerInfrastructure.REGISTRY_IMAGE
                + " are not in a local Docker engine (deploy/build-images makes them)";
        boolean present = ContainerInfrastructure.imagesPresent();
        if (Boolean.getBoolean("parapet.containers.required")) {   // CI, after building them: never a silent skip
            assertThat(present).as(missing).isTrue();
        }
        Assumptions.assumeTrue(present, missing);
    }

    @Test
    void theContainerisedBrokerAndRegistryAnswerLikeTheProcessOnes(@TempDir Path directory) throws Exception {
        try (ContainerInfrastructure infrastructure = ContainerInfrastructure.start(directory);
             Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", infrastructure.bootstrapServers()))) {
            assertThat(admin.describeCluster().nodes().get(60, TimeUnit.SECONDS)).hasSize(1);
            admin.createTopics(List.of(new NewTopic("container-check", 1, (short) 1)))
                    .all().get(60, TimeUnit.SECONDS);
            assertThat(admin.listTopics().names().get(60, TimeUnit.SECONDS)).contains("container-check");
            HttpResponse<String> info = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(infrastructure.registryUrl() + "/apis/registry/v3/system/info")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(info.statusCode()).isEqualTo(200);
            assertThat(info.body()).contains("3.3.3");
        }
    }
}
