package dev.parapet.kit.health;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;

import dev.parapet.kit.kafka.RegistryProperties;

/**
 * Health that means something: the service is up only while it reaches the Kafka cluster and the
 * schema registry. Both checks run off the event loop (Actuator runs blocking indicators on a
 * bounded scheduler) and time out in two seconds.
 */
@AutoConfiguration
public class HealthConfiguration {

    @Bean
    @org.springframework.boot.autoconfigure.condition.ConditionalOnProperty(name = "management.health.kafka.enabled", matchIfMissing = true)
    KafkaHealthIndicator kafkaHealthIndicator(KafkaProperties kafka) {
        return new KafkaHealthIndicator(kafka.buildAdminProperties());
    }

    @Bean
    @org.springframework.boot.autoconfigure.condition.ConditionalOnProperty(name = "management.health.schema-registry.enabled", matchIfMissing = true)
    SchemaRegistryHealthIndicator schemaRegistryHealthIndicator(RegistryProperties registry) {
        return new SchemaRegistryHealthIndicator(registry.url());
    }

    @Bean
    DeadLettersHealthIndicator deadLettersHealthIndicator(io.micrometer.core.instrument.MeterRegistry meters) {
        return new DeadLettersHealthIndicator(meters);
    }

    /**
     * What this instance set aside since it started: records dead-lettered, per source topic. Always
     * UP (a poison record is the record's fault, and the service goes on), but readiness and health
     * show it, so that an operator sees at once that {@code <topic>.dlt} has something to read.
     */
    public static final class DeadLettersHealthIndicator extends AbstractHealthIndicator {

        private final io.micrometer.core.instrument.MeterRegistry meters;

        DeadLettersHealthIndicator(io.micrometer.core.instrument.MeterRegistry meters) {
            super("Dead-letter check failed");
            this.meters = meters;
        }

        @Override
        protected void doHealthCheck(Health.Builder builder) {
            builder.up();
            meters.find(dev.parapet.kit.kafka.DeadLetters.METRIC).counters().forEach(counter ->
                    builder.withDetail(counter.getId().getTag("topic"), (long) counter.count()));
        }
    }

    public static final class KafkaHealthIndicator extends AbstractHealthIndicator implements AutoCloseable {

        private final AdminClient admin;

        KafkaHealthIndicator(Map<String, Object> adminProperties) {
            super("Kafka health check failed");
            Map<String, Object> config = new java.util.HashMap<>(adminProperties);
            config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
            config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2000);
            config.put(AdminClientConfig.CLIENT_ID_CONFIG, "parapet-health");
            this.admin = AdminClient.create(config);
        }

        @Override
        protected void doHealthCheck(Health.Builder builder) throws Exception {
            var cluster = admin.describeCluster(new DescribeClusterOptions().timeoutMs(2000));
            String clusterId = cluster.clusterId().get(2, TimeUnit.SECONDS);
            int brokers = cluster.nodes().get(2, TimeUnit.SECONDS).size();
            builder.up().withDetail("clusterId", clusterId).withDetail("brokers", brokers);
        }

        @Override
        public void close() {
            admin.close(Duration.ofSeconds(2));
        }
    }

    public static final class SchemaRegistryHealthIndicator extends AbstractHealthIndicator {

        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        private final URI info;

        SchemaRegistryHealthIndicator(String registryUrl) {
            super("Schema registry health check failed");
            this.info = URI.create(registryUrl.replaceAll("/+$", "") + "/apis/registry/v3/system/info");
        }

        @Override
        protected void doHealthCheck(Health.Builder builder) throws Exception {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(info).timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() == 200) {
                builder.up();
            } else {
                builder.down();
            }
            builder.withDetail("url", info.toString()).withDetail("status", response.statusCode());
        }
    }
}
