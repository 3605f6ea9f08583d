package dev.parapet.settings.propagation;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import tools.jackson.databind.json.JsonMapper;

/** Wires what shows an administrator where a change has reached: the change id and {@code ?wait=enforced} on writes. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(PropagationProperties.class)
public class PropagationConfiguration {

    @Bean
    EnforcementFilter enforcementFilter(PropagationState propagation, PropagationProperties properties, JsonMapper json) {
        return new EnforcementFilter(propagation, properties.enforcedWait(), json);
    }
}
