package dev.parapet.settings;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.SecurityWebFilterChain;

import dev.parapet.kit.agents.AgentCredentialVerifier;
import dev.parapet.kit.security.AdminSecurityConfiguration;
import dev.parapet.kit.kafka.RegistryProperties;
import dev.parapet.kit.secrets.Secrets;
import dev.parapet.kit.state.AwaitStateFilter;
import dev.parapet.settings.agentsettings.SettingsState;
import io.micrometer.core.instrument.MeterRegistry;

/** Wires settings-service: its secrets and the wait for its state at start-up. */
@Configuration
@EnableConfigurationProperties({SettingsProperties.class, dev.parapet.settings.stream.AgentConfigurationStreams.AgentSignIn.class})
public class SettingsServiceConfiguration {

    @Bean
    Secrets settingsSecrets(SettingsProperties properties) {
        return Secrets.configured(properties.encryptionKeys(), properties.currentEncryptionKey(), "parapet.settings");
    }

    @Bean
    AwaitStateFilter awaitSettingsState(SettingsState state) {
        return new AwaitStateFilter(state.follower());
    }

    /** Agent credentials, checked against the key and agent topics that key-service publishes. */
    @Bean
    AgentCredentialVerifier agentCredentials(KafkaProperties kafka, RegistryProperties registry, MeterRegistry meters) {
        return new AgentCredentialVerifier(kafka.buildConsumerProperties(), registry.url(), meters);
    }

    @Bean
    AwaitStateFilter awaitAgentCredentials(AgentCredentialVerifier credentials) {
        return new AwaitStateFilter(credentials.follower());
    }

    /** The configuration stream needs no administrator token: the agent credential is checked by its controller. */
    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    SecurityWebFilterChain agentStreamSecurity(ServerHttpSecurity http) {
        return AdminSecurityConfiguration.selfAuthenticated(http, "/agent/v1/configuration");
    }
}
