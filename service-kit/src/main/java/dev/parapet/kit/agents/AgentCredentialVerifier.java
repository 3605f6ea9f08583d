package dev.parapet.kit.agents;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.specific.SpecificRecord;
import org.springframework.boot.health.contributor.Health;

import dev.parapet.kit.secrets.Secrets;
import dev.parapet.kit.state.FollowedState;
import dev.parapet.kit.state.TopicFollower;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.agents.AgentState;
import dev.parapet.schemas.v1.agents.AgentStatus;
import dev.parapet.schemas.v1.keys.AccountKeyState;
import dev.parapet.schemas.v1.keys.KeyStatus;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Checks agent credentials without asking key-service: it follows the account keys and the agents
 * from their topics. A credential is accepted only while its agent is ACTIVE, its account's key is
 * ACTIVE, and the key is of the generation the agent enrolled under; so deleting the key revokes
 * every credential as soon as its one record arrives.
 */
public class AgentCredentialVerifier extends FollowedState {

    /** The agent behind an accepted credential. */
    public record AgentIdentity(UUID agentId, UUID accountId, String deviceId, long keyGeneration) {
    }

    private final Map<UUID, AccountKeyState> keys = new ConcurrentHashMap<>();
    private final Map<UUID, AgentState> agents = new ConcurrentHashMap<>();
    private final TopicFollower follower;

    public AgentCredentialVerifier(Map<String, Object> consumerConfig, String registryUrl, MeterRegistry meters) {
        this.follower = new TopicFollower("agent-credentials", consumerConfig, registryUrl, meters, List.of(
                new TopicFollower.Subscription(Topics.ACCOUNT_KEYS.name(), true, (key, value) -> onKey(value)),
                new TopicFollower.Subscription(Topics.AGENTS.name(), true, this::onAgent)));
    }

    private void onKey(SpecificRecord value) {
        if (value instanceof AccountKeyState key) {
            keys.put(key.getAccountId(), key);
        }
    }

    private void onAgent(String key, SpecificRecord value) {
        if (value == null) {
            agents.remove(UUID.fromString(key));
        } else if (value instanceof AgentState agent) {
            agents.put(agent.getAgentId(), agent);
        }
    }

    /** The agent, if the credential is one of an agent that may operate now. */
    public Optional<AgentIdentity> verify(String credential) {
        return AgentCredentials.parse(credential).flatMap(parsed -> {
            AgentState agent = agents.get(parsed.agentId());
            if (agent == null || agent.getStatus() != AgentStatus.ACTIVE
                    || !Secrets.matches(parsed.secret(), agent.getCredentialVerifier())) {
                return Optional.empty();
            }
            AccountKeyState key = keys.get(agent.getAccountId());
            if (key == null || key.getStatus() != KeyStatus.ACTIVE || key.getGeneration() != agent.getKeyGeneration()) {
                return Optional.empty();
            }
            return Optional.of(new AgentIdentity(agent.getAgentId(), agent.getAccountId(), agent.getDeviceId(),
                    agent.getKeyGeneration()));
        });
    }

    @Override
    public TopicFollower follower() {
        return follower;
    }

    @Override
    protected void describe(Health.Builder builder) {
        builder.withDetail("accounts", keys.size()).withDetail("agents", agents.size());
    }
}
