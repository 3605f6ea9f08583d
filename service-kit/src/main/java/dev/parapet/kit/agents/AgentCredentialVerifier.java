package dev.parapet.kit.agents;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

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
    /**
     * @param credentialVerifier the verifier of the credential accepted: a re-enrolment replaces it, and
     *                           connections opened with the old credential are then no longer valid
     */
    public record AgentIdentity(UUID agentId, UUID accountId, String deviceId, long keyGeneration,
                                dev.parapet.schemas.v1.common.Verifier credentialVerifier) {
    }

    private final Map<UUID, AccountKeyState> keys = new ConcurrentHashMap<>();
    private final Map<UUID, AgentState> agents = new ConcurrentHashMap<>();
    private final TopicFollower follower;
    private final List<Consumer<UUID>> listeners = new CopyOnWriteArrayList<>();

    public AgentCredentialVerifier(Map<String, Object> consumerConfig, String registryUrl, MeterRegistry meters) {
        this.follower = new TopicFollower("agent-credentials", consumerConfig, registryUrl, meters, List.of(
                new TopicFollower.Subscription(Topics.ACCOUNT_KEYS.name(), true, (key, value) -> onKey(value)),
                new TopicFollower.Subscription(Topics.AGENTS.name(), true, this::onAgent)));
    }

    private void onKey(SpecificRecord value) {
        if (value instanceof AccountKeyState key) {
            keys.put(key.getAccountId(), key);
            changed(key.getAccountId());
        }
    }

    private void onAgent(String key, SpecificRecord value) {
        if (value == null) {
            AgentState removed = agents.remove(UUID.fromString(key));
            if (removed != null) {
                changed(removed.getAccountId());
            }
        } else if (value instanceof AgentState agent) {
            agents.put(agent.getAgentId(), agent);
            changed(agent.getAccountId());
        }
    }

    /**
     * The agent whose credential an agent endpoint was sent as {@code Authorization: Bearer …}; a
     * missing, malformed or refused one is a 401 problem telling the agent what to do.
     */
    public AgentIdentity requireBearer(String authorization) {
        if (!isCurrent()) {
            throw unavailable();
        }
        String credential = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).strip() : null;
        return verify(credential).orElseThrow(() -> dev.parapet.kit.problem.Problems.of(
                org.springframework.http.HttpStatus.UNAUTHORIZED, "Agent credential refused",
                "Send the agent credential as 'Authorization: Bearer pac1.…'; a credential of a deleted key or a "
                        + "revoked agent is refused: enrol again with the account's current key."));
    }

    /**
     * Whether this verifier knows the current keys and agents: it has caught up and keeps following
     * their topics. While it does not, it fails closed: {@link #verify} refuses every credential,
     * since a revocation could be waiting unread, and {@link #requireBearer} answers 503 (try
     * again) rather than 401, so that an agent does not take a Kafka outage for its own revocation.
     */
    public boolean isCurrent() {
        return follower.isFollowing();
    }

    /** The 503 problem for an agent request that arrives while this verifier is not current. */
    public static org.springframework.web.ErrorResponseException unavailable() {
        return dev.parapet.kit.problem.Problems.unavailable(
                "Agent credentials cannot be checked right now (the service is not in touch with its state); retry shortly.");
    }

    /** The agent, if the credential is one of an agent that may operate now; nothing while not {@link #isCurrent}. */
    public Optional<AgentIdentity> verify(String credential) {
        if (!isCurrent()) {
            return Optional.empty();
        }
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
                    agent.getKeyGeneration(), agent.getCredentialVerifier()));
        });
    }

    /**
     * Whether an agent accepted earlier may still operate: still ACTIVE with the same credential (not
     * re-enrolled since), and its account's key still ACTIVE and of the same generation. Cheap (no
     * hashing): for re-checking open connections.
     */
    public boolean stillValid(AgentIdentity identity) {
        AgentState agent = agents.get(identity.agentId());
        AccountKeyState key = keys.get(identity.accountId());
        return agent != null && agent.getStatus() == AgentStatus.ACTIVE && key != null && key.getStatus() == KeyStatus.ACTIVE
                && key.getGeneration() == identity.keyGeneration() && agent.getKeyGeneration() == identity.keyGeneration()
                && agent.getCredentialVerifier().equals(identity.credentialVerifier());
    }

    /**
     * Called, on this verifier's reading thread, with the account whenever one of its agents or its
     * key changes; a holder of open agent connections re-checks them with {@link #stillValid}.
     */
    public void onChange(Consumer<UUID> listener) {
        listeners.add(listener);
    }

    private void changed(UUID accountId) {
        listeners.forEach(listener -> listener.accept(accountId));
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
