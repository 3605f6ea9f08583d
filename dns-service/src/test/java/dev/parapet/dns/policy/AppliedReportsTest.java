package dev.parapet.dns.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.boot.test.context.SpringBootTest;

import dev.parapet.dns.Standalone;
import dev.parapet.kit.kafka.RegistryProperties;
import dev.parapet.schemas.AvroSerdes;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.common.Scope;
import dev.parapet.schemas.v1.policies.BlockAllowList;
import dev.parapet.schemas.v1.policies.Policy;
import dev.parapet.schemas.v1.policies.PolicyType;
import dev.parapet.schemas.v1.resolvers.AppliedPosition;
import dev.parapet.schemas.v1.resolvers.ResolverApplied;
import dev.parapet.stack.RealInfrastructure;
import dev.parapet.stack.RealInfrastructure.WithRealInfrastructure;
import dev.parapet.stack.Waits;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * dns-service says what it enforces: a policy published on its topic shows up, soon after, in a
 * report of this instance whose position for that partition is past the policy's record; a clean
 * stop ends with a tombstone.
 */
@WithRealInfrastructure
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "parapet.dns.port=0")
class AppliedReportsTest {

    @Autowired
    AppliedReports reports;
    @Autowired
    ResolverState state;
    @Autowired
    KafkaProperties kafka;
    @Autowired
    RegistryProperties registry;

    private final Map<String, List<ResolverApplied>> seen = new ConcurrentHashMap<>();
    private final List<String> tombstones = new CopyOnWriteArrayList<>();
    private volatile boolean reading = true;
    private Thread reader;

    @BeforeEach
    void readTheReports() {
        reader = new Thread(() -> {
            try (KafkaConsumer<String, SpecificRecord> consumer = new KafkaConsumer<>(Map.<String, Object>of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfrastructure.get().bootstrapServers(),
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                    new StringDeserializer(), AvroSerdes.deserializer(RealInfrastructure.get().registryUrl(), false))) {
                consumer.assign(List.of(new TopicPartition(Topics.RESOLVER_APPLIED.name(), 0)));
                while (reading) {
                    for (ConsumerRecord<String, SpecificRecord> record : consumer.poll(Duration.ofMillis(50))) {
                        if (record.value() instanceof ResolverApplied report) {
                            seen.computeIfAbsent(record.key(), key -> new CopyOnWriteArrayList<>()).add(report);
                        } else if (record.value() == null) {
                            tombstones.add(record.key());
                        }
                    }
                }
            }
        }, "reports-reader");
        reader.start();
    }

    @AfterEach
    void stopReading() throws InterruptedException {
        reading = false;
        reader.join(5_000);
    }

    @Test
    void aPolicyIsReportedAppliedOnceTheResolverDecidesWithIt() throws Exception {
        Waits.until("the state caught up", Duration.ofSeconds(60), () -> state.follower().isReady());
        UUID account = UUID.randomUUID();
        Policy policy = Policy.newBuilder().setAccountId(account).setPolicyId(UUID.randomUUID()).setName("Blocked")
                .setVersion(1).setPriority(100).setScope(new Scope(true, List.of(), List.of(), List.of()))
                .setType(PolicyType.BLOCK_ALLOW_LIST).setBlockAllowList(new BlockAllowList(List.of("blocked.test"), List.of()))
                .setUpdatedBy("test").setUpdatedAt(Instant.now()).build();
        RecordMetadata written;
        try (KafkaProducer<String, Policy> producer = new KafkaProducer<>(Map.<String, Object>of(
                "bootstrap.servers", RealInfrastructure.get().bootstrapServers()),
                new StringSerializer(), AvroSerdes.<Policy>serializer(RealInfrastructure.get().registryUrl(), false))) {
            written = producer.send(new ProducerRecord<>(Topics.POLICIES.name(), account + "/" + policy.getPolicyId(), policy)).get();
        }
        long sent = System.nanoTime();

        Waits.until("a report of this instance covering the policy", Duration.ofSeconds(30),
                () -> covering(reports.instanceId(), written) != null);
        System.out.printf("applied reports: the policy reported applied %d ms after it was written%n",
                (System.nanoTime() - sent) / 1_000_000);
        ResolverApplied report = covering(reports.instanceId(), written);
        assertThat(report.getHeartbeatMillis()).isEqualTo(5_000);
        assertThat(report.getStartedAt()).isBeforeOrEqualTo(report.getReportedAt());
        assertThat(report.getPositions()).extracting(AppliedPosition::getTopic).contains(Topics.POLICIES.name(),
                Topics.LOCATIONS.name(), Topics.EXCEPTIONS.name(), Topics.PROFILE_GROUPS.name());
        byte[] name = "blocked.test".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertThat(state.snapshot().decide(new Snapshot.Attribution(account, null, null, null), name, name.length).stops())
                .as("reported applied: the snapshot queries are decided with blocks the policy's domain").isTrue();
    }

    @Test
    void aCleanStopEndsWithATombstone(@Autowired Standalone standalone) {
        Waits.until("the state caught up", Duration.ofSeconds(60), () -> state.follower().isReady());
        AppliedReports another = new AppliedReports(state, standalone, new AppliedReports.Properties(Duration.ofSeconds(1)),
                kafka, registry, new SimpleMeterRegistry());
        another.start();
        try {
            Waits.until("its first report (a heartbeat)", Duration.ofSeconds(30), () -> seen.containsKey(another.instanceId()));
        } finally {
            another.stop();
        }
        Waits.until("its tombstone", Duration.ofSeconds(30), () -> tombstones.contains(another.instanceId()));
    }

    private ResolverApplied covering(String instance, RecordMetadata record) {
        return seen.getOrDefault(instance, List.of()).stream()
                .filter(report -> report.getPositions().stream().anyMatch(position -> position.getTopic().equals(record.topic())
                        && position.getPartition() == record.partition() && position.getNext() > record.offset()))
                .findFirst().orElse(null);
    }
}
