package dev.parapet.kit.agents;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import org.junit.jupiter.api.Test;

class AgentCredentialsTest {

    @Test
    void aCredentialNamesItsAgentAndCarriesItsSecret() {
        UUID agent = UUID.randomUUID();
        assertThat(AgentCredentials.parse(AgentCredentials.format(agent, "abc_DEF-123")))
                .hasValue(new AgentCredentials.Parsed(agent, "abc_DEF-123"));
    }

    @Test
    void anythingElseIsNotACredential() {
        assertThat(AgentCredentials.parse(null)).isEmpty();
        assertThat(AgentCredentials.parse("pac1.not-a-uuid.secret")).isEmpty();
        assertThat(AgentCredentials.parse("Bearer x")).isEmpty();
        assertThat(AgentCredentials.parse("pac1." + "x".repeat(500))).isEmpty();
    }
}
