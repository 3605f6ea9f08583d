package dev.parapet.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import dev.parapet.schemas.AvroSerdes;
import dev.parapet.schemas.Topic;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.common.Actor;
import dev.parapet.schemas.v1.common.ActorKind;
import dev.parapet.schemas.v1.locations.Location;
import dev.parapet.schemas.v1.settings.SettingsCommand;
import dev.parapet.schemas.v1.settings.UpsertLocation;
import dev.parapet.stack.Waits;

/**
 * Poison records on every topic a service consumes: one that cannot be deserialised, one as large as
 * the topic allows and unreadable, and (where a rule can be broken) one that deserialises but breaks
 * a processing rule. Each goes to the topic's dead-letter topic with its reason; every service keeps
 * processing what follows and stays ready; health says what was set aside.
 */
@SharedFaultStack.WithSharedStack
@Order(3)
class PoisonRecordsTest {

    /** Topics some service reads (the audit topic has no reader in Parapet itself). */
    static final List<Topic<?>> CONSUMED = Topics.all().stream().filter(topic -> topic != Topics.AUDIT).toList();

    @Test
    void everyPoisonRecordIsDeadLetteredWithItsReasonAndEveryServiceGoesOn() throws Exception {
        FaultStack stack = SharedFaultStack.stack();
        String run = UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> expected = new HashMap<>();
        try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka.bootstrapServers(),
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topic.MAX_RECORD_BYTES + 1024),
                new StringSerializer(), new ByteArraySerializer())) {
            for (Topic<?> topic : CONSUMED) {
                String garbage = run + "-garbage-" + topic.name();
                raw.send(new ProducerRecord<>(topic.name(), garbage, new byte[] {0, 0, 0, 0, 42, 1, 2, 3})).get(30, TimeUnit.SECONDS);
                expected.put(garbage, "cannot deserialise");
                String large = run + "-large-" + topic.name();
                byte[] big = new byte[maxBytes(topic) - 64 * 1024];
                java.util.Arrays.fill(big, (byte) 7);
                big[0] = 0;
                raw.send(new ProducerRecord<>(topic.name(), large, big)).get(30, TimeUnit.SECONDS);
                expected.put(large, "cannot deserialise");
            }
            // Rules broken by records that do deserialise: an agent keyed by something that is not its id...
            String badKey = run + "-not-an-agent-id";
            raw.send(new ProducerRecord<>(Topics.AGENTS.name(), badKey, null)).get(30, TimeUnit.SECONDS);
            expected.put(badKey, "cannot process");
        }
        // ...and a location command whose range is not a range (the API would never send it).
        String badCommand = run + "-bad-location";
        try (KafkaProducer<String, SpecificRecord> avro = new KafkaProducer<>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka.bootstrapServers()),
                new StringSerializer(), AvroSerdes.serializer(stack.registry.url(), false))) {
            UUID account = UUID.randomUUID();
            Location location = Location.newBuilder().setAccountId(account).setLocationId(UUID.randomUUID())
                    .setName("Poison").setVersion(0).setCidrs(List.of("999.1.2.3/99")).setUpdatedBy("poison")
                    .setUpdatedAt(Instant.now()).build();
            SettingsCommand command = SettingsCommand.newBuilder().setCommandId(UUID.randomUUID()).setAccountId(account)
                    .setRequestedAt(Instant.now()).setActor(new Actor("poison", "SUPER_ADMIN", ActorKind.ADMIN, null))
                    .setAction(new UpsertLocation(true, null, location)).build();
            avro.send(new ProducerRecord<>(Topics.GLOBAL_COMMANDS.name(), badCommand, command)).get(30, TimeUnit.SECONDS);
            expected.put(badCommand, "cannot process");
        }

        Map<String, String> reasons = deadLetters(stack, run, expected.keySet());
        expected.forEach((key, kind) -> assertThat(reasons.get(key)).as("dead letter of " + key).startsWith(kind));
        System.out.printf("poison: %d poison records on %d topics, all %d dead-lettered with their reason%n",
                expected.size(), CONSUMED.size(), reasons.size());

        // Every service goes on: writes are applied, DNS answered, and every one is ready and says what it set aside.
        UUID account = UUID.randomUUID();
        String admin = stack.superAdmin(account);
        String key = Api.createKey(stack, account, admin);
        Api.Answer enrolled = Api.enrol(stack, key, "after-poison");
        assertThat(enrolled.status()).as(enrolled.toString()).isEqualTo(201);
        assertThat(Api.createPolicy(stack, account, admin, "AfterPoison").ok()).isTrue();
        String credential = enrolled.json().get("credential").asText();
        Waits.until("DoH with a fresh credential", Duration.ofSeconds(30),
                () -> Api.doh(stack, credential, "allowed.fault.example") == 200);
        for (FaultStack.Service service : stack.services()) {
            Api.Answer readiness = Api.call("GET", service.url() + "/actuator/health/readiness", null, null);
            assertThat(readiness.status()).as(service.spec.name() + " readiness " + readiness.body()).isEqualTo(200);
            assertThat(readiness.json().at("/components/deadLetters/details").size())
                    .as(service.spec.name() + " says what it set aside").isPositive();
            System.out.printf("poison: %s ready; dead letters %s%n", service.spec.name(),
                    readiness.json().at("/components/deadLetters/details"));
        }
    }

    private static int maxBytes(Topic<?> topic) {
        return Integer.parseInt(topic.configs().getOrDefault("max.message.bytes", Integer.toString(1024 * 1024)));
    }

    /** The reason of each dead letter of this run, waiting until all of them are there. */
    private static Map<String, String> deadLetters(FaultStack stack, String run, Set<String> keys) {
        Map<String, String> reasons = new HashMap<>();
        List<String> topics = new ArrayList<>();
        CONSUMED.forEach(topic -> topics.add(topic.deadLetterTopic()));
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "poison-reader-" + run,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 2 * Topic.MAX_RECORD_BYTES,
                ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 4 * Topic.MAX_RECORD_BYTES),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(topics);
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (!reasons.keySet().containsAll(keys) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    var reason = record.headers().lastHeader("parapet-dlt-reason");
                    if (record.key() != null && record.key().startsWith(run) && reason != null) {
                        reasons.putIfAbsent(record.key(), new String(reason.value(), StandardCharsets.UTF_8));
                    }
                }
            }
        }
        Set<String> missing = new java.util.TreeSet<>(keys);
        missing.removeAll(reasons.keySet());
        assertThat(missing).as("records never dead-lettered").isEmpty();
        return reasons;
    }
}
