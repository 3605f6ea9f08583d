package dev.parapet.kit.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.parapet.schemas.AvroSerdes;
import dev.parapet.schemas.v1.audit.AuditEvent;
import dev.parapet.schemas.v1.audit.Outcome;
import dev.parapet.schemas.v1.common.Actor;
import dev.parapet.stack.KafkaCluster;
import dev.parapet.stack.Ports;
import dev.parapet.stack.RealInfrastructure;
import dev.parapet.stack.RealInfrastructure.WithRealInfrastructure;
import dev.parapet.stack.StackDistribution;
import dev.parapet.stack.Waits;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * A state follower against a broker of its own, which the test kills and starts again: the follower
 * says it is not following while the broker is gone, then resumes without a restart of its own; a
 * record it cannot read is dead-lettered and the next one applied; waits are bounded.
 */
@WithRealInfrastructure
class TopicFollowerTest {

    private static final String TOPIC = "follower-test";

    private final Map<String, SpecificRecord> state = new ConcurrentHashMap<>();
    private final List<ConsumerRecord<String, byte[]>> deadLetters = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Test
    void aFollowerWhoseBrokerDiesIsNotFollowingUntilItReturnsAndThenCatchesUp(@TempDir Path directory) throws Exception {
        try (KafkaCluster cluster = KafkaCluster.single(StackDistribution.locate(), directory, Ports.free(), Ports.free())) {
            createTopic(cluster.bootstrapServers());
            String bootstrap = cluster.bootstrapServers();
            send(bootstrap, "before", event("before"));
            try (TopicFollower follower = follower(bootstrap).staleAfter(Duration.ofSeconds(3))) {
                follower.start();
                follower.ready().get(60, TimeUnit.SECONDS);
                Waits.until("following", Duration.ofSeconds(10), follower::isFollowing);

                cluster.broker(1).kill();
                long killed = System.nanoTime();
                Waits.until("not following once the broker is gone", Duration.ofSeconds(30), () -> !follower.isFollowing());
                System.out.printf("follower: not following %d ms after its broker died%n",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed));

                cluster.restart(1);
                long restarted = System.nanoTime();
                send(bootstrap, "after", event("after"));
                Waits.until("the record written after the restart", Duration.ofSeconds(90), () -> state.containsKey("after"));
                Waits.until("following again", Duration.ofSeconds(30), follower::isFollowing);
                System.out.printf("follower: following again %d ms after its broker came back%n",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted));
            }
        }
    }

    @Test
    void anUnreadableRecordIsDeadLetteredAndTheNextOneApplied() throws Exception {
        String bootstrap = RealInfrastructure.get().bootstrapServers();
        createTopic(bootstrap);
        String key = "garbage-" + UUID.randomUUID();
        String truncated = "truncated-" + UUID.randomUUID();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", bootstrap),
                new StringSerializer(), new ByteArraySerializer())) {
            // A schema id the registry cannot hold (content id 42 may exist once this JVM's other tests registered schemas).
            producer.send(new ProducerRecord<>(TOPIC, key, new byte[] {0, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2, 3}))
                    .get(30, TimeUnit.SECONDS);
            // A real record's schema id with its body cut short: Avro's decoder meets the end (an EOFException, an
            // I/O error that says nothing about the registry), so it is the record's fault, not read again forever.
            byte[] whole;
            try (var serializer = AvroSerdes.<AuditEvent>serializer(RealInfrastructure.get().registryUrl(), false)) {
                whole = serializer.serialize(TOPIC, event(truncated));
            }
            producer.send(new ProducerRecord<>(TOPIC, truncated, java.util.Arrays.copyOf(whole, whole.length - 12))).get(30, TimeUnit.SECONDS);
        }
        String good = "good-" + UUID.randomUUID();
        send(bootstrap, good, event(good));
        try (TopicFollower follower = follower(bootstrap)) {
            follower.start();
            Waits.until("the good record", Duration.ofSeconds(60), () -> state.containsKey(good));
            // The two records may sit on different partitions, read in either order.
            Waits.until("the unreadable records set aside", Duration.ofSeconds(30),
                    () -> deadLetters.stream().anyMatch(record -> record.key().equals(key))
                            && deadLetters.stream().anyMatch(record -> record.key().equals(truncated)));
            assertThat(deadLetters).extracting(ConsumerRecord::key).contains(key, truncated);
            assertThat(state).doesNotContainKeys(key, truncated);
            assertThat(follower.isFollowing()).isTrue();
        }
    }

    @Test
    void eachAppliedRecordIsObservedWithItsHeadersAndThePositionsInForceThenCoverIt() throws Exception {
        String bootstrap = RealInfrastructure.get().bootstrapServers();
        createTopic(bootstrap);
        Map<String, ConsumerRecord<String, byte[]>> observed = new ConcurrentHashMap<>();
        Map<String, Boolean> appliedWhenObserved = new ConcurrentHashMap<>();
        List<Map<TopicPartition, Long>> told = new CopyOnWriteArrayList<>();
        try (TopicFollower follower = follower(bootstrap)
                .observeRecords((record, value) -> {
                    appliedWhenObserved.put(record.key(), state.containsKey(record.key()));
                    observed.put(record.key(), record);
                })
                .onPositions(told::add)) {
            follower.start();
            follower.ready().get(60, TimeUnit.SECONDS);
            String key = "observed-" + UUID.randomUUID();
            var metadata = sendWithHeader(bootstrap, key, event(key), "parapet-command-id", "c-1");
            Waits.until("the record observed", Duration.ofSeconds(30), () -> observed.containsKey(key));
            ConsumerRecord<String, byte[]> record = observed.get(key);
            assertThat(appliedWhenObserved.get(key)).as("observed after the handler applied it").isTrue();
            assertThat(record.partition()).isEqualTo(metadata.partition());
            assertThat(record.offset()).isEqualTo(metadata.offset());
            assertThat(new String(record.headers().lastHeader("parapet-command-id").value())).isEqualTo("c-1");
            var partition = new TopicPartition(TOPIC, metadata.partition());
            Waits.until("positions in force past the record", Duration.ofSeconds(10),
                    () -> follower.appliedPositions().getOrDefault(partition, 0L) > metadata.offset());
            assertThat(told).as("the listener was told of the positions that cover it")
                    .anySatisfy(positions -> assertThat(positions.getOrDefault(partition, 0L)).isGreaterThan(metadata.offset()));
        }
    }

    @Test
    void aWaitIsBoundedAndLeavesNothingBehind() throws Exception {
        try (TopicFollower follower = follower(RealInfrastructure.get().bootstrapServers())) {
            follower.start();
            var never = follower.when(() -> false, Duration.ofMillis(200));
            assertThatThrownBy(() -> never.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(TimeoutException.class);
            var cancelled = follower.when(() -> false, Duration.ofMinutes(5));
            cancelled.cancel(true);
            assertThat(follower.waiting()).as("waiters left").isZero();
        }
    }

    @Test
    void aRequestThatGivesUpWaitingForReadinessDoesNotMakeTheFollowerReady() {
        TopicFollower follower = follower("127.0.0.1:1");
        follower.ready().cancel(true);
        assertThat(follower.isReady()).isFalse();
    }

    private TopicFollower follower(String bootstrap) {
        return new TopicFollower("test-follower", Map.of("bootstrap.servers", bootstrap), RealInfrastructure.get().registryUrl(),
                new SimpleMeterRegistry(), List.of(new TopicFollower.Subscription(TOPIC, true, state::put)))
                .deadLetterTo((record, error) -> deadLetters.add(record));
    }

    private static void createTopic(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
            if (!admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(TOPIC)) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static AuditEvent event(String action) {
        return AuditEvent.newBuilder().setEventId(UUID.randomUUID()).setOccurredAt(Instant.ofEpochMilli(System.currentTimeMillis()))
                .setAccountId(UUID.randomUUID()).setActor(Actor.newBuilder().setSubject("test").build())
                .setAction(action).setResourceType("test").setOutcome(Outcome.SUCCESS).build();
    }

    private static RecordMetadata sendWithHeader(String bootstrap, String key, AuditEvent event,
                                                                                  String header, String value) throws Exception {
        try (KafkaProducer<String, AuditEvent> producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", bootstrap),
                new StringSerializer(), AvroSerdes.<AuditEvent>serializer(RealInfrastructure.get().registryUrl(), false))) {
            ProducerRecord<String, AuditEvent> record = new ProducerRecord<>(TOPIC, key, event);
            record.headers().add(header, value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return producer.send(record).get(30, TimeUnit.SECONDS);
        }
    }

    private static void send(String bootstrap, String key, AuditEvent event) throws Exception {
        try (KafkaProducer<String, AuditEvent> producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", bootstrap,
                "delivery.timeout.ms", 90_000, "request.timeout.ms", 5_000),
                new StringSerializer(), AvroSerdes.<AuditEvent>serializer(RealInfrastructure.get().registryUrl(), false))) {
            producer.send(new ProducerRecord<>(TOPIC, key, event)).get(90, TimeUnit.SECONDS);
        }
    }
}
