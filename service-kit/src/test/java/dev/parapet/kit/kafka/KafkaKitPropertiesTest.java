package dev.parapet.kit.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class KafkaKitPropertiesTest {

    @Test
    void withNothingConfiguredTopicsAreMadeAsProductionNeedsThem() {
        KafkaKitProperties defaults = new Binder(new MapConfigurationPropertySource(Map.of("parapet.kafka.compression", "lz4")))
                .bind("parapet.kafka", KafkaKitProperties.class).get();
        assertThat(defaults.replicationFactor()).isEqualTo((short) 3);
        assertThat(defaults.minInsyncReplicas()).isEqualTo(2);
    }
}
