package dev.parapet.diagnostics.intake;

import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.SecurityWebFilterChain;

import dev.parapet.kit.agents.AgentCredentialVerifier;
import dev.parapet.kit.kafka.RegistryProperties;
import dev.parapet.kit.security.AdminSecurityConfiguration;
import dev.parapet.kit.state.AwaitStateFilter;
import io.micrometer.core.instrument.MeterRegistry;

/** Wires the agent telemetry intake: agent credentials, the wait for them at start-up, and the endpoint's security. */
@Configuration
public class IntakeConfiguration {

    /**
     * Agent credentials, checked against the key and agent topics that key-service publishes. One
     * verifier for the whole service: whatever else here needs to know an agent uses this bean.
     */
    @Bean
    public AgentCredentialVerifier agentCredentials(KafkaProperties kafka, RegistryProperties registry, MeterRegistry meters) {
        return new AgentCredentialVerifier(kafka.buildConsumerProperties(), registry.url(), meters);
    }

    /** Agent requests wait until the credentials are read up to date, so a just-started instance refuses no valid agent. */
    @Bean
    AwaitStateFilter awaitAgentCredentials(AgentCredentialVerifier agentCredentials) {
        return new AwaitStateFilter(agentCredentials.follower());
    }

    /** The intake and the update check need no administrator token: the agent credential is checked by their controllers. */
    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    SecurityWebFilterChain agentTelemetrySecurity(ServerHttpSecurity http) {
        return AdminSecurityConfiguration.selfAuthenticated(http, TelemetryController.PATH, UpdatesController.PATH);
    }
}
