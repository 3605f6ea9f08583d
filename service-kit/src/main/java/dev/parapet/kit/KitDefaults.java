package dev.parapet.kit;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

import dev.parapet.kit.security.LegacyJwtProperties;

/**
 * Defaults every Parapet service shares, at the lowest precedence: a service's own
 * application.yml, the environment and the command line all override them.
 */
public class KitDefaults implements EnvironmentPostProcessor {

    public static final String PROPERTY_SOURCE = "parapetKitDefaults";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        Map<String, Object> defaults = new LinkedHashMap<>();
        defaults.put("server.address", "127.0.0.1");
        defaults.put("spring.webflux.problemdetails.enabled", "true");
        defaults.put("management.endpoints.web.exposure.include", "health,info,prometheus");
        defaults.put("management.endpoint.health.show-details", "always");
        defaults.put("management.endpoint.health.probes.enabled", "true");
        // Ready only while everything the service answers from is sound: Kafka, the registry, every
        // followed state (caught up, following, not behind) and every Kafka Streams client (running).
        defaults.put("management.endpoint.health.group.readiness.include", "*");
        defaults.put("management.endpoint.health.group.readiness.exclude", "livenessState");
        defaults.put("management.endpoint.health.group.readiness.show-details", "always");
        defaults.put("management.metrics.tags.application", "${spring.application.name:parapet}");
        defaults.put("spring.kafka.bootstrap-servers", "127.0.0.1:9092");
        defaults.put("spring.kafka.consumer.auto-offset-reset", "earliest");
        defaults.put("spring.kafka.consumer.group-id", "${spring.application.name:parapet}");
        defaults.put("spring.kafka.admin.fail-fast", "true");
        // The catalogue is the truth for topic settings: an upgrade that changes one (such as the record size limit) applies it.
        defaults.put("spring.kafka.admin.modify-topic-configs", "true");
        defaults.put("spring.threads.virtual.enabled", "false");
        // Kafka's clients say a few thousand lines at INFO as a service starts (every partition's
        // offsets, every rebalance step): warnings and errors stay, and so do Streams' state changes.
        defaults.put("logging.level.org.apache.kafka", "WARN");
        defaults.put("logging.level.org.apache.kafka.streams.KafkaStreams", "INFO");
        // Spring's forwarded-header support believes anyone (and Boot enables it on Kubernetes): the kit's
        // ClientAddressFilter believes only parapet.web.trusted-proxies.
        defaults.put("server.forward-headers-strategy", "none");
        environment.getPropertySources().addLast(new MapPropertySource(PROPERTY_SOURCE, defaults));
        environment.getPropertySources().addLast(new LegacyJwtProperties(environment));
    }
}
