package dev.parapet.settings.agentsettings;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;

import org.apache.avro.specific.SpecificRecord;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

import dev.parapet.kit.kafka.RegistryProperties;
import dev.parapet.kit.state.CommandGateway;
import dev.parapet.kit.state.CommandProcessing;
import dev.parapet.kit.state.FollowedState;
import dev.parapet.kit.state.TopicFollower;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.categories.CategoryCatalogue;
import dev.parapet.schemas.v1.categories.CategoryFeedSubscription;
import dev.parapet.schemas.v1.exceptions.AccountExceptions;
import dev.parapet.schemas.v1.groups.ProfileGroup;
import dev.parapet.schemas.v1.siem.SiemDestination;
import dev.parapet.schemas.v1.locations.Location;
import dev.parapet.schemas.v1.policies.Policy;
import dev.parapet.schemas.v1.access.AccessRequest;
import dev.parapet.schemas.v1.settings.AgentSettings;
import dev.parapet.schemas.v1.settings.SettingsCommandResult;
import dev.parapet.settings.SettingsProperties;
import dev.parapet.settings.exceptions.ExceptionDecisions;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Every account's configuration as this instance has read it from Kafka (agent settings, exceptions,
 * policies, profile groups, locations, the category catalogue), the way to change it, and a feed of
 * what changed for those who push changes on (the agents' configuration streams).
 */
@Component("settingsState")
public class SettingsState extends FollowedState {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SettingsState.class);

    /** Something of an account changed: which topic, which account. */
    public record Change(String topic, UUID accountId) {
    }

    private final Map<UUID, AgentSettings> settings = new ConcurrentHashMap<>();
    private final Map<UUID, AccountExceptions> exceptions = new ConcurrentHashMap<>();
    private final AccountRecords<Policy> policies = new AccountRecords<>(Policy::getAccountId, Policy::getPolicyId);
    private final AccountRecords<AccessRequest> accessRequests =
            new AccountRecords<>(AccessRequest::getAccountId, AccessRequest::getRequestId);
    private final AccountRecords<ProfileGroup> groups = new AccountRecords<>(ProfileGroup::getAccountId, ProfileGroup::getGroupId);
    private final AccountRecords<Location> locations = new AccountRecords<>(Location::getAccountId, Location::getLocationId);
    private final List<Consumer<Change>> listeners = new CopyOnWriteArrayList<>();
    private volatile CategoryCatalogue catalogue;
    private final Map<String, CategoryFeedSubscription> feedSubscriptions = new ConcurrentHashMap<>();
    private final Map<UUID, SiemDestination> siemDestinations = new ConcurrentHashMap<>();
    private final TopicFollower follower;
    private final CommandGateway<SettingsCommandResult> commands;
    private final CommandGateway<SettingsCommandResult> globalCommands;
    private final CommandGateway<SettingsCommandResult> feedCommands;
    private final java.time.Duration commandTimeout;
    private final KafkaTemplate<String, Object> commandTemplate;

    public SettingsState(KafkaProperties kafka, RegistryProperties registry, MeterRegistry meters,
                         KafkaTemplate<String, Object> serviceTemplate, SettingsProperties properties) {
        this.commandTimeout = properties.commandTimeout();
        // Commands leave at once (no linger): an administrator waits for each.
        KafkaTemplate<String, Object> template = CommandProcessing.commandTemplate(serviceTemplate);
        this.commandTemplate = template;
        this.commands = new CommandGateway<>(template, Topics.SETTINGS_COMMANDS.name(), properties.commandTimeout());
        this.globalCommands = new CommandGateway<>(template, Topics.GLOBAL_COMMANDS.name(), properties.commandTimeout());
        // A fetched feed of 200 000 domains takes the writer longer than an administrator's change (10 to 20 s here).
        this.feedCommands = new CommandGateway<>(template, Topics.GLOBAL_COMMANDS.name(), properties.feeds().fetchTimeout());
        this.follower = new TopicFollower("settings-state", kafka.buildConsumerProperties(), registry.url(), meters, List.of(
                new TopicFollower.Subscription(Topics.AGENT_SETTINGS.name(), true, (key, value) -> {
                    if (value instanceof AgentSettings update) {
                        settings.put(update.getAccountId(), update);
                        changed(Topics.AGENT_SETTINGS.name(), update.getAccountId());
                    }
                }),
                new TopicFollower.Subscription(Topics.EXCEPTIONS.name(), true, (key, value) -> {
                    if (value instanceof AccountExceptions update) {
                        exceptions.put(update.getAccountId(), update);
                        changed(Topics.EXCEPTIONS.name(), update.getAccountId());
                    }
                }),
                new TopicFollower.Subscription(Topics.POLICIES.name(), true, (key, value) -> policies.apply(key, value)),
                new TopicFollower.Subscription(Topics.ACCESS_REQUESTS.name(), true, (key, value) -> accessRequests.apply(key, value)),
                new TopicFollower.Subscription(Topics.PROFILE_GROUPS.name(), true, (key, value) -> groups.apply(key, value)),
                new TopicFollower.Subscription(Topics.LOCATIONS.name(), true, (key, value) -> locations.apply(key, value)),
                new TopicFollower.Subscription(Topics.CATEGORY_CATALOGUE.name(), true, (key, value) -> {
                    if (value instanceof CategoryCatalogue update) {
                        catalogue = update;
                    }
                }),
                new TopicFollower.Subscription(Topics.CATEGORY_FEEDS.name(), true, (key, value) -> {
                    if (value instanceof CategoryFeedSubscription update) {
                        feedSubscriptions.put(update.getCategoryId(), update);
                    } else if (value == null && key != null) {
                        feedSubscriptions.remove(key);
                    }
                }),
                new TopicFollower.Subscription(Topics.SIEM_DESTINATIONS.name(), true, (key, value) -> {
                    if (value instanceof SiemDestination update) {
                        siemDestinations.put(update.getAccountId(), update);
                    } else if (value == null && key != null) {
                        try {
                            siemDestinations.remove(UUID.fromString(key));
                        } catch (IllegalArgumentException notOurs) {
                            // a key that is no account names nothing held
                        }
                    }
                }),
                new TopicFollower.Subscription(Topics.SETTINGS_COMMAND_RESULTS.name(), false, (key, value) -> {
                    if (value instanceof SettingsCommandResult result) {
                        commands.complete(result.getCommandId(), result);
                        globalCommands.complete(result.getCommandId(), result);
                        feedCommands.complete(result.getCommandId(), result);
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

    public AccountRecords<Policy> policies() {
        return policies;
    }

    public AccountRecords<AccessRequest> accessRequests() {
        return accessRequests;
    }

    /** The account's SIEM destination, if its administrators set one. */
    public Optional<SiemDestination> siemDestination(UUID accountId) {
        return Optional.ofNullable(siemDestinations.get(accountId));
    }

    public AccountRecords<ProfileGroup> groups() {
        return groups;
    }

    public AccountRecords<Location> locations() {
        return locations;
    }

    public Optional<CategoryCatalogue> catalogue() {
        return Optional.ofNullable(catalogue);
    }

    /** The category's feed subscription, with its status. */
    public Optional<CategoryFeedSubscription> feedSubscription(String categoryId) {
        return Optional.ofNullable(feedSubscriptions.get(categoryId));
    }

    /** Every category's feed subscription. */
    public List<CategoryFeedSubscription> feedSubscriptions() {
        return List.copyOf(feedSubscriptions.values());
    }

    /** Called on this state's reading thread after every change of an account's settings or exceptions. */
    public void onChange(Consumer<Change> listener) {
        listeners.add(listener);
    }

    private void changed(String topic, UUID accountId) {
        Change change = new Change(topic, accountId);
        listeners.forEach(listener -> listener.accept(change));
    }

    /** How long a request waits for its change to be applied and shown. */
    public java.time.Duration commandTimeout() {
        return commandTimeout;
    }

    public CommandGateway<SettingsCommandResult> commands() {
        return commands;
    }

    public CommandGateway<SettingsCommandResult> globalCommands() {
        return globalCommands;
    }

    /** The global writer, for the outcome of feed fetches, which may take it longer than an administrator's change. */
    public CommandGateway<SettingsCommandResult> feedCommands() {
        return feedCommands;
    }

    /**
     * Also readies the command producer for the first administrator's write: its connection and the command topics'
     * metadata, fetched on a thread of its own so that the start does not wait for them (without this the first
     * write after a start waited for both, about half a second here). A broker that is not reachable yet only
     * leaves the first write to do it, as before.
     */
    @Override
    public void start() {
        super.start();
        Thread warmUp = new Thread(() -> {
            try {
                commandTemplate.partitionsFor(Topics.SETTINGS_COMMANDS.name());
                commandTemplate.partitionsFor(Topics.GLOBAL_COMMANDS.name());
            } catch (RuntimeException e) {
                LOG.debug("command producer not warmed up: {}", e.toString());
            }
        }, "command-producer-warm-up");
        warmUp.setDaemon(true);
        warmUp.start();
    }

    @Override
    public void stop() {
        super.stop();
        commandTemplate.destroy();
    }

    @Override
    public TopicFollower follower() {
        return follower;
    }

    @Override
    protected void describe(Health.Builder builder) {
        builder.withDetail("accounts", settings.size()).withDetail("exceptions", exceptions.size())
                .withDetail("policies", policies.size()).withDetail("profileGroups", groups.size())
                .withDetail("locations", locations.size()).withDetail("categoryFeedSubscriptions", feedSubscriptions.size());
    }

    /** Records of a compacted topic keyed {@code accountId/id}, by account then id; tombstones remove. */
    public static final class AccountRecords<T extends SpecificRecord> {

        private final Map<UUID, Map<UUID, T>> byAccount = new ConcurrentHashMap<>();
        private final Function<T, UUID> account;
        private final Function<T, UUID> id;

        AccountRecords(Function<T, UUID> account, Function<T, UUID> id) {
            this.account = account;
            this.id = id;
        }

        @SuppressWarnings("unchecked")
        void apply(String key, SpecificRecord value) {
            if (value == null) {
                String[] parts = key == null ? new String[0] : key.split("/", 2);
                if (parts.length == 2) {
                    try {
                        Map<UUID, T> records = byAccount.get(UUID.fromString(parts[0]));
                        if (records != null) {
                            records.remove(UUID.fromString(parts[1]));
                        }
                    } catch (IllegalArgumentException notOurs) {
                        // a key that is not accountId/id names nothing we hold
                    }
                }
                return;
            }
            T record = (T) value;
            byAccount.computeIfAbsent(account.apply(record), a -> new ConcurrentHashMap<>()).put(id.apply(record), record);
        }

        public Optional<T> get(UUID accountId, UUID recordId) {
            return Optional.ofNullable(byAccount.getOrDefault(accountId, Map.of()).get(recordId));
        }

        /** The account's records, in no particular order. */
        public List<T> of(UUID accountId) {
            return List.copyOf(byAccount.getOrDefault(accountId, Map.of()).values());
        }

        /** Every account's records. */
        public List<T> all() {
            return byAccount.values().stream().flatMap(records -> records.values().stream()).toList();
        }

        public long version(UUID accountId, UUID recordId, Function<T, Long> version) {
            return get(accountId, recordId).map(version).orElse(0L);
        }

        int size() {
            return byAccount.values().stream().mapToInt(Map::size).sum();
        }
    }
}
