package dev.parapet.keys.view;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import org.apache.avro.specific.SpecificRecord;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

import dev.parapet.kit.secrets.Secrets;
import dev.parapet.kit.kafka.RegistryProperties;
import dev.parapet.keys.KeyServiceProperties;
import dev.parapet.kit.state.CommandGateway;
import dev.parapet.kit.problem.Problems;
import dev.parapet.kit.state.FollowedState;
import dev.parapet.kit.state.TopicFollower;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.agents.AgentState;
import dev.parapet.schemas.v1.keys.AccountKeyState;
import dev.parapet.schemas.v1.keys.KeyCommandResult;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;

/**
 * This instance's view of every account's key and every agent, materialised from the compacted
 * topics (invariant 1: nothing else holds them), plus the results of the commands this instance
 * sent. Every instance reads every partition, so any instance answers any request the same way.
 * Not ready (health OUT_OF_SERVICE) until it has read the topics to the end they had at start-up.
 */
@Component("keyState")
public class KeyStateView extends FollowedState {

    private final Map<UUID, AccountKeyState> keysByAccount = new ConcurrentHashMap<>();
    private final Map<String, UUID> accountByKeyFingerprint = new ConcurrentHashMap<>();
    private final Map<UUID, AgentState> agentsById = new ConcurrentHashMap<>();
    private final TopicFollower follower;
    private final CommandGateway<KeyCommandResult> commands;
    private final java.time.Duration commandTimeout;

    public KeyStateView(KafkaProperties kafka, RegistryProperties registry, MeterRegistry meters,
                        KafkaTemplate<String, Object> template, KeyServiceProperties properties) {
        this.commands = new CommandGateway<>(template, Topics.KEY_COMMANDS.name(), properties.commandTimeout());
        this.commandTimeout = properties.commandTimeout();
        this.follower = new TopicFollower("key-state-view", kafka.buildConsumerProperties(), registry.url(), meters, List.of(
                new TopicFollower.Subscription(Topics.ACCOUNT_KEYS.name(), true, (key, value) -> onKey(value)),
                new TopicFollower.Subscription(Topics.AGENTS.name(), true, this::onAgent),
                new TopicFollower.Subscription(Topics.KEY_COMMAND_RESULTS.name(), false, (key, value) -> onResult(value))));
    }

    private void onKey(SpecificRecord value) {
        if (value instanceof AccountKeyState key) {
            keysByAccount.put(key.getAccountId(), key);
            accountByKeyFingerprint.put(Secrets.fingerprint(key.getVerifier()), key.getAccountId());
        }
    }

    private void onAgent(String key, SpecificRecord value) {
        if (value == null) {
            agentsById.remove(UUID.fromString(key));
        } else if (value instanceof AgentState agent) {
            agentsById.put(agent.getAgentId(), agent);
        }
    }

    private void onResult(SpecificRecord value) {
        if (value instanceof KeyCommandResult result) {
            commands.complete(result.getCommandId(), result);
        }
    }

    public Optional<AccountKeyState> key(UUID accountId) {
        return Optional.ofNullable(keysByAccount.get(accountId));
    }

    /** The account whose key (active or not) has this fingerprint. */
    public Optional<UUID> accountOfKeyFingerprint(String fingerprint) {
        return Optional.ofNullable(accountByKeyFingerprint.get(fingerprint));
    }

    public Optional<AgentState> agent(UUID agentId) {
        return Optional.ofNullable(agentsById.get(agentId));
    }

    public List<AgentState> agents(UUID accountId) {
        return agentsById.values().stream().filter(agent -> agent.getAccountId().equals(accountId))
                .sorted(Comparator.comparing(AgentState::getEnrolledAt)).toList();
    }

    /** Sends key commands to the account's single writer and hands back their results. */
    public CommandGateway<KeyCommandResult> commands() {
        return commands;
    }

    @Override
    public TopicFollower follower() {
        return follower;
    }

    /**
     * Completes once the view satisfies the condition (read-your-writes); fails with a 503 problem if it
     * does not within the command timeout, and the wait is gone then (or when the request is cancelled).
     */
    public Mono<Void> when(Predicate<KeyStateView> condition) {
        return Mono.fromFuture(() -> follower.when(() -> condition.test(this), commandTimeout))
                .onErrorMap(TimeoutException.class, e -> Problems.unavailable(
                        "The change was applied but this instance does not show it yet; read it again shortly."));
    }

    @Override
    protected void describe(Health.Builder builder) {
        builder.withDetail("accounts", keysByAccount.size()).withDetail("agents", agentsById.size());
    }
}
