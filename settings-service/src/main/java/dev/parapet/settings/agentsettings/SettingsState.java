package dev.parapet.settings.agentsettings;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

import dev.parapet.kit.kafka.RegistryProperties;
import dev.parapet.kit.state.CommandGateway;
import dev.parapet.kit.state.FollowedState;
import dev.parapet.kit.state.TopicFollower;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.settings.AgentSettings;
import dev.parapet.schemas.v1.exceptions.AccountExceptions;
import dev.parapet.settings.exceptions.ExceptionDecisions;
import dev.parapet.schemas.v1.settings.SettingsCommandResult;
import dev.parapet.settings.SettingsProperties;
import io.micrometer.core.instrument.MeterRegistry;

/** Every account's agent settings, as this instance has read them from Kafka, and the way to change them. */
@Component("settingsState")
public class SettingsState extends FollowedState {

    private final Map<UUID, AgentSettings> settings = new ConcurrentHashMap<>();
    private final Map<UUID, AccountExceptions> exceptions = new ConcurrentHashMap<>();
    private final TopicFollower follower;
    private final CommandGateway<SettingsCommandResult> commands;

    public SettingsState(KafkaProperties kafka, RegistryProperties registry, MeterRegistry meters,
                         KafkaTemplate<String, Object> template, SettingsProperties properties) {
        this.commands = new CommandGateway<>(template, Topics.SETTINGS_COMMANDS.name(), properties.commandTimeout());
        this.follower = new TopicFollower("settings-state", kafka.buildConsumerProperties(), registry.url(), meters, List.of(
                new TopicFollower.Subscription(Topics.AGENT_SETTINGS.name(), true, (key, value) -> {
                    if (value instanceof AgentSettings update) {
                        settings.put(update.getAccountId(), update);
                    }
                }),
                new TopicFollower.Subscription(Topics.EXCEPTIONS.name(), true, (key, value) -> {
                    if (value instanceof AccountExceptions update) {
                        exceptions.put(update.getAccountId(), update);
                    }
                }),
                new TopicFollower.Subscription(Topics.SETTINGS_COMMAND_RESULTS.name(), false, (key, value) -> {
                    if (value instanceof SettingsCommandResult result) {
                        commands.complete(result.getCommandId(), result);
                    }
                })));
    }

    /** The account's settings, or the product's defaults (version 0) if nobody has changed them. */
    public AgentSettings of(UUID accountId) {
        return settings.getOrDefault(accountId, SettingsDecisions.defaults(accountId));
    }

    /** The account's exceptions, or the defaults (version 0) if nobody has changed them. */
    public AccountExceptions exceptionsOf(UUID accountId) {
        return exceptions.getOrDefault(accountId, ExceptionDecisions.defaults(accountId));
    }

    public CommandGateway<SettingsCommandResult> commands() {
        return commands;
    }

    @Override
    public TopicFollower follower() {
        return follower;
    }

    @Override
    protected void describe(Health.Builder builder) {
        builder.withDetail("accounts", settings.size()).withDetail("exceptions", exceptions.size());
    }
}
