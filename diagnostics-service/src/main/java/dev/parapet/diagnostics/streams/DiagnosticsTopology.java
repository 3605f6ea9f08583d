package dev.parapet.diagnostics.streams;

import dev.parapet.diagnostics.audit.AuditEntry;
import dev.parapet.diagnostics.audit.AuditProcessor;
import dev.parapet.schemas.v1.audit.AuditEvent;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.kafka.annotation.EnableKafkaStreams;
import org.springframework.kafka.annotation.KafkaStreamsDefaultConfiguration;
import org.springframework.kafka.config.KafkaStreamsConfiguration;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;
import org.springframework.kafka.config.StreamsBuilderFactoryBeanConfigurer;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.streams.KafkaStreamsMicrometerListener;

import dev.parapet.diagnostics.DiagnosticsProperties;
import dev.parapet.diagnostics.devices.DeviceKey;
import dev.parapet.diagnostics.devices.DeviceProcessor;
import dev.parapet.diagnostics.devices.DeviceRowSerde;
import dev.parapet.diagnostics.devices.FindingEvents;
import dev.parapet.diagnostics.devices.HealthRules;
import dev.parapet.diagnostics.traffic.MinuteJournal;
import dev.parapet.diagnostics.traffic.TrafficProcessor;
import dev.parapet.diagnostics.tunnels.TunnelFinding;
import dev.parapet.diagnostics.tunnels.TunnelProcessor;
import dev.parapet.diagnostics.tunnels.TunnelRules;
import dev.parapet.kit.kafka.KafkaKitProperties;
import dev.parapet.kit.kafka.RegistryProperties;
import dev.parapet.kit.state.CommandProcessing;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.access.KafkaAccess;
import dev.parapet.schemas.v1.tunnels.TunnelDetection;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * diagnostics-service's aggregation, one Kafka Streams application with exactly-once processing:
 * <ul>
 * <li>the device inventory: telemetry (keyed by account already), the agents' records and the accounts' agent
 * settings (each repartitioned by account) into one {@link DeviceProcessor}, so that an account's
 * devices live in one task and one instance answers for all of them;</li>
 * <li>traffic: verdicts (already keyed by account) counted by {@link TrafficProcessor} into
 * second, minute and hour window stores;</li>
 * <li>DNS tunnels: the same verdicts judged per client and registered domain by {@link TunnelProcessor};</li>
 * <li>the audit log: audit events (keyed by account) kept by {@link AuditProcessor}.</li>
 * </ul>
 * Every store is backed by a changelog topic and rebuilt from it after a restart or on another
 * instance. Streams starts once the web server knows its port, which it advertises to the other
 * instances ({@code application.server}) so that they can send them the queries for accounts it owns.
 */
@Configuration
@EnableKafkaStreams
public class DiagnosticsTopology {

    /** Its principal's ACLs (group, internal topics, transactional ids) are granted on this name. */
    public static final String APPLICATION_ID = KafkaAccess.DIAGNOSTICS_SERVICE.streamsApplicationId();
    /** As many partitions as the verdict and telemetry topics. */
    static final int PARTITIONS = 12;
    static final Duration SECONDS_RETENTION = Duration.ofMinutes(15);
    static final Duration MINUTES_RETENTION = TrafficProcessor.MINUTES_RETENTION;
    static final Duration HOURS_RETENTION = Duration.ofDays(8);
    /** The audit topic's own retention: the log shows what the topic still holds. */
    static final Duration AUDIT_RETENTION = Duration.ofDays(400);

    @Bean(name = KafkaStreamsDefaultConfiguration.DEFAULT_STREAMS_CONFIG_BEAN_NAME)
    KafkaStreamsConfiguration diagnosticsStreamsConfig(KafkaProperties kafka, KafkaKitProperties kit, DiagnosticsProperties properties,
                                                       DeadLetterPublishingRecoverer deadLetters) {
        // The writers' settings (exactly-once, replication, state directory, fast hand-over, dead letters), then what
        // an aggregation wants instead.
        Map<String, Object> config = new HashMap<>();
        CommandProcessing.streamsConfig(APPLICATION_ID, kafka, kit, properties.stateDirectory(), deadLetters).asProperties()
                .forEach((key, value) -> config.put((String) key, value));
        config.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, properties.streamThreads());
        // Counters are flushed from the record cache at each commit: once a second bounds both the
        // changelog traffic and how much a restarted instance reprocesses.
        config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
        // The record cache serves the live seconds alone (the device rows are held by their processor, in a fifth of the
        // heap): 16 MiB is far more than they take.
        config.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 16L << 20);
        config.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, RocksDbMemory.class);
        config.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), 2000);
        config.put(StreamsConfig.producerPrefix("linger.ms"), 5);
        // A minute's roll-up writes up to a few hundred thousand counters in one transaction. Beyond Kafka Streams' 10 s the
        // coordinator aborts it and fences the thread, which then redoes the same work and is fenced again (seen in the
        // aggregation bench); a minute is room enough, and an instance that dies holds its transaction open no longer than that.
        config.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), 60_000);
        return new KafkaStreamsConfiguration(config);
    }

    /** Started by {@link #startWithAdvertisedPort} instead; leaves the group when stopping, for a fast hand-over. */
    @Bean
    StreamsBuilderFactoryBeanConfigurer diagnosticsStreamsLifecycle(MeterRegistry meters) {
        return factory -> {
            factory.setAutoStartup(false);
            factory.setLeaveGroupOnClose(true);
            factory.addListener(new KafkaStreamsMicrometerListener(meters));
        };
    }

    @EventListener
    public void startWithAdvertisedPort(WebServerInitializedEvent event) {
        StreamsBuilderFactoryBean factory = event.getApplicationContext().getBean(StreamsBuilderFactoryBean.class);
        if (factory.isRunning()) {
            return;
        }
        DiagnosticsProperties properties = event.getApplicationContext().getBean(DiagnosticsProperties.class);
        Properties config = factory.getStreamsConfiguration();
        config.put(StreamsConfig.APPLICATION_SERVER_CONFIG, properties.advertisedHost() + ":" + event.getWebServer().getPort());
        factory.setStreamsConfiguration(config);
        factory.start();
    }

    @Bean
    KStream<String, DnsVerdict> diagnosticsTopologyDefinition(StreamsBuilder builder, RegistryProperties registry,
                                                              DiagnosticsProperties properties, FindingEvents findings) {
        deviceStores(builder);
        KStream<String, SpecificRecord> telemetry = telemetryByAccount(builder.stream(Topics.AGENT_TELEMETRY.name(),
                Consumed.with(Serdes.String(), avro(registry))), registry);
        KStream<String, SpecificRecord> agents = byAccount(builder.stream(Topics.AGENTS.name(),
                Consumed.with(Serdes.String(), avro(registry))), "agents-by-account", registry,
                value -> ((dev.parapet.schemas.v1.agents.AgentState) value).getAccountId().toString());
        KStream<String, SpecificRecord> settings = byAccount(builder.stream(Topics.AGENT_SETTINGS.name(),
                Consumed.with(Serdes.String(), avro(registry))), "settings-by-account", registry,
                value -> ((dev.parapet.schemas.v1.settings.AgentSettings) value).getAccountId().toString());
        HealthRules rules = HealthRules.of(properties);
        int rowsPerTask = Math.max(100, properties.deviceRowsHeldOnThisInstance() / PARTITIONS);
        telemetry.merge(agents).merge(settings).process(() -> new DeviceProcessor(rules, properties.findingsInterval(), findings, rowsPerTask),
                DeviceProcessor.STORES);

        KStream<String, DnsVerdict> verdicts = traffic(builder, avro(registry));
        tunnels(verdicts, builder, findings, CommandProcessing.avroSerde(registry));

        // The audit log: the audit topic is keyed by account already, so each account's events live in one task.
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(AuditProcessor.STORE),
                Serdes.String(), new JsonSerde<>(AuditEntry.class)));
        builder.stream(Topics.AUDIT.name(), Consumed.with(Serdes.String(), CommandProcessing.<AuditEvent>avroSerde(registry)))
                .process(() -> new AuditProcessor(AUDIT_RETENTION), AuditProcessor.STORE);
        return verdicts;
    }

    /**
     * The device inventory's stores: the rows (binary; read and written on every heartbeat, so the processor holds them
     * decoded and writes each changed one at the commit, which its hook announces; no record cache, which would only add
     * a tree lookup per write; keyed by {@link DeviceKey}, whose bytes are the {@code account/agent} text earlier releases
     * stored) and the accounts' settings.
     */
    public static void deviceStores(StreamsBuilder builder) {
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DeviceProcessor.DEVICES_STORE),
                DeviceKey.SERDE, new DeviceRowSerde()).withCachingDisabled());
        builder.addStateStore(CommitHook.builder(DeviceProcessor.COMMIT_HOOK));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DeviceProcessor.ACCOUNTS_STORE),
                Serdes.String(), new JsonSerde<>(HealthRules.AccountSettings.class)));
    }

    /** The traffic counters: verdicts (keyed by account) into the second, minute and hour windows. */
    public static KStream<String, DnsVerdict> traffic(StreamsBuilder builder, Serde<DnsVerdict> verdictSerde) {
        // The live seconds are few (an account's totals) and written on the wall clock, through the record cache; the
        // minutes and hours are many (names, users, devices) and written once per minute (the minutes, from their journal,
        // which takes a few records per commit, and the hours, rolled up from the minutes), so a cache would only add work.
        builder.addStateStore(windows(TrafficProcessor.SECONDS_STORE, SECONDS_RETENTION, TrafficProcessor.SECOND).withCachingEnabled());
        builder.addStateStore(windows(TrafficProcessor.MINUTES_STORE, MINUTES_RETENTION, TrafficProcessor.MINUTE).withCachingDisabled());
        builder.addStateStore(windows(TrafficProcessor.HOURS_STORE, HOURS_RETENTION, TrafficProcessor.HOUR).withCachingDisabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(MinuteJournal.STORE), Serdes.String(),
                Serdes.ByteArray()).withCachingDisabled());
        builder.addStateStore(CommitHook.builder(TrafficProcessor.COMMIT_HOOK));
        KStream<String, DnsVerdict> verdicts = builder.stream(Topics.VERDICTS.name(), Consumed.with(Serdes.String(), verdictSerde));
        verdicts.process(TrafficProcessor::new, TrafficProcessor.SECONDS_STORE, TrafficProcessor.MINUTES_STORE, TrafficProcessor.HOURS_STORE,
                MinuteJournal.STORE, TrafficProcessor.COMMIT_HOOK);
        return verdicts;
    }

    /** The DNS tunnel analysis on the same verdicts (the same task as their counts): findings kept for {@link TunnelProcessor#KEPT}. */
    public static void tunnels(KStream<String, DnsVerdict> verdicts, StreamsBuilder builder, FindingEvents findings,
                               Serde<TunnelDetection> detections) {
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TunnelProcessor.STORE),
                Serdes.String(), new JsonSerde<>(TunnelFinding.class)));
        // The domains being tunnelled through, for dns-service: written in the same transaction as the findings.
        verdicts.process(() -> new TunnelProcessor(TunnelRules.DEFAULT, findings), TunnelProcessor.STORE)
                .to(Topics.TUNNEL_DETECTIONS.name(), Produced.with(Serdes.String(), detections));
    }

    /**
     * Telemetry by account, for the device inventory. The intake keys it by account, so a record is already in the
     * partition of its account's task and goes straight to it: no second trip through Kafka (a repartition produced,
     * consumed and decoded again cost about a third of a heartbeat's processing). A record keyed otherwise (by agent,
     * as releases before 2026-12-05 wrote them, or by a producer that got the key wrong) goes through the repartition
     * by account as before; its order relative to the account's other heartbeats does not matter, each carries its time.
     */
    static KStream<String, SpecificRecord> telemetryByAccount(KStream<String, SpecificRecord> telemetry, RegistryProperties registry) {
        Map<String, KStream<String, SpecificRecord>> branches = telemetry.filter((key, value) -> value != null)
                .split(Named.as("telemetry-"))
                .branch((key, value) -> accountOf(value).equals(key), Branched.as("keyed-by-account"))
                .defaultBranch(Branched.as("keyed-otherwise"));
        return branches.get("telemetry-keyed-by-account").merge(byAccount(branches.get("telemetry-keyed-otherwise"),
                "telemetry-by-account", registry, DiagnosticsTopology::accountOf));
    }

    private static String accountOf(SpecificRecord telemetry) {
        return ((dev.parapet.schemas.v1.telemetry.AgentTelemetry) telemetry).getAccountId().toString();
    }

    private static KStream<String, SpecificRecord> byAccount(KStream<String, SpecificRecord> stream, String name, RegistryProperties registry,
                                                             java.util.function.Function<SpecificRecord, String> account) {
        return stream.filter((key, value) -> value != null)
                .selectKey((key, value) -> account.apply(value))
                .repartition(Repartitioned.<String, SpecificRecord>as(name).withKeySerde(Serdes.String())
                        .withValueSerde(avro(registry)).withNumberOfPartitions(PARTITIONS));
    }

    private static org.apache.kafka.streams.state.StoreBuilder<org.apache.kafka.streams.state.WindowStore<String, Long>> windows(
            String name, Duration retention, long size) {
        return Stores.windowStoreBuilder(Stores.persistentWindowStore(name, retention, Duration.ofMillis(size), false),
                Serdes.String(), Serdes.Long());
    }

    private static <T extends SpecificRecord> Serde<T> avro(RegistryProperties registry) {
        return CommandProcessing.avroSerde(registry);
    }
}
