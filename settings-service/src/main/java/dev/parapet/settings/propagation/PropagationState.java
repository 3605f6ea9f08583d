package dev.parapet.settings.propagation;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.stereotype.Component;

import dev.parapet.kit.kafka.RegistryProperties;
import dev.parapet.kit.state.FollowedState;
import dev.parapet.kit.state.TopicFollower;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.exceptions.AccountExceptions;
import dev.parapet.schemas.v1.resolvers.ResolverApplied;
import dev.parapet.schemas.v1.settings.AgentSettings;
import dev.parapet.settings.agentsettings.SettingsState;
import dev.parapet.settings.commands.SettingsCommandTopology;
import dev.parapet.settings.propagation.PropagationLog.ResolverStatus;
import dev.parapet.settings.stream.AgentConfigurationStreams;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;

/**
 * The propagation of recent changes, as this instance sees it: the records each command wrote (read
 * by the settings state's follower, which sees their headers and offsets) against what every
 * resolver reports it enforces ({@code parapet.resolver-applied.v1}, followed here), and against the
 * agents' configuration streams open on this instance.
 */
@Component
public class PropagationState extends FollowedState {

    /**
     * What a write's change has reached.
     *
     * @param change    the change
     * @param resolvers how it stands with the resolvers
     * @param agents    how it stands with the agents' streams open on this instance; empty when agents are not sent what it changed
     */
    public record Propagation(Change change, ResolverStatus resolvers, Optional<AgentConfigurationStreams.Delivery> agents) {
    }

    private final PropagationLog log;
    private final TopicFollower follower;
    private final AgentConfigurationStreams streams;

    public PropagationState(SettingsState settings, AgentConfigurationStreams streams, KafkaProperties kafka,
                            RegistryProperties registry, MeterRegistry meters, PropagationProperties properties) {
        this.streams = streams;
        this.log = new PropagationLog(properties.maxChanges(), properties.keepFor());
        this.follower = new TopicFollower("resolver-reports", kafka.buildConsumerProperties(), registry.url(), meters,
                List.of(new TopicFollower.Subscription(Topics.RESOLVER_APPLIED.name(), true, this::onReport)),
                () -> log.forgetSilent(Instant.now()));
        settings.follower().observeRecords(this::onRecord);
    }

    /** A record the settings state applied: if a command wrote it, it is part of that command's change. */
    private void onRecord(ConsumerRecord<String, byte[]> record, SpecificRecord value) {
        if (record.topic().equals(Topics.SETTINGS_COMMAND_RESULTS.name())) {
            return;
        }
        Optional<UUID> changeId = uuidHeader(record, SettingsCommandTopology.COMMAND_ID_HEADER);
        Optional<UUID> accountId = uuidHeader(record, SettingsCommandTopology.ACCOUNT_ID_HEADER);
        if (changeId.isEmpty() || accountId.isEmpty()) {
            return;
        }
        OptionalLong version = value instanceof AgentSettings settings ? OptionalLong.of(settings.getVersion())
                : value instanceof AccountExceptions exceptions ? OptionalLong.of(exceptions.getVersion())
                : OptionalLong.empty();
        log.written(changeId.get(), accountId.get(), Instant.ofEpochMilli(record.timestamp()),
                new RecordPosition(record.topic(), record.partition(), record.offset()), version, Instant.now());
    }

    private static Optional<UUID> uuidHeader(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        if (header == null || header.value() == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(UUID.fromString(new String(header.value(), StandardCharsets.UTF_8)));
        } catch (IllegalArgumentException notOurs) {
            return Optional.empty();
        }
    }

    private void onReport(String instanceId, SpecificRecord value) {
        if (value instanceof ResolverApplied report) {
            log.reported(new ResolverReport(report.getInstanceId(), report.getStartedAt(), report.getReportedAt(),
                    Duration.ofMillis(report.getHeartbeatMillis()), report.getPositions().stream().collect(Collectors.toMap(
                            position -> new ResolverReport.Partition(position.getTopic(), position.getPartition()),
                            position -> position.getNext(), Math::max))));
        } else if (value == null && instanceId != null) {
            log.stopped(instanceId);
        }
    }

    /** Where the account's change stands now; empty if this instance does not know it (another account's, or too old). */
    public Optional<Propagation> of(UUID accountId, UUID changeId) {
        Optional<Change> change = log.change(changeId).filter(known -> known.accountId().equals(accountId));
        return change.flatMap(known -> log.resolvers(changeId, Instant.now()).map(resolvers -> {
            OptionalLong settings = known.version(Topics.AGENT_SETTINGS.name());
            OptionalLong exceptions = known.version(Topics.EXCEPTIONS.name());
            Optional<AgentConfigurationStreams.Delivery> agents = settings.isPresent() || exceptions.isPresent()
                    ? Optional.of(streams.delivered(accountId, settings, exceptions)) : Optional.empty();
            return new Propagation(known, resolvers, agents);
        }));
    }

    /**
     * Completes once the change is in force on every live resolver (or no resolver carries it, or
     * none is live), or once {@code bound} has passed, with where it then stands; empty for a change
     * this instance does not know.
     */
    public Mono<Propagation> awaitEnforced(UUID accountId, UUID changeId, Duration bound) {
        BooleanSupplier settled = () -> log.resolvers(changeId, Instant.now()).map(ResolverStatus::settled).orElse(true);
        return Mono.fromFuture(() -> follower.when(settled, bound))
                .onErrorResume(TimeoutException.class, boundReached -> Mono.empty())
                .then(Mono.fromSupplier(() -> of(accountId, changeId).orElse(null)));
    }

    @Override
    public TopicFollower follower() {
        return follower;
    }

    @Override
    protected void describe(Health.Builder builder) {
        builder.withDetail("changes", log.size()).withDetail("resolvers", log.instances());
    }
}
