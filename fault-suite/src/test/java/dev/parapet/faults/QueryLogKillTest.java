package dev.parapet.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import dev.parapet.schemas.AvroSerdes;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;
import dev.parapet.schemas.v1.verdicts.Reason;
import dev.parapet.schemas.v1.verdicts.Transport;
import dev.parapet.stack.Waits;

/**
 * The query log's exactly-once write path under real crashes: verdicts stream onto the real broker (2 000 a second for
 * 24 s) while diagnostics-service, which writes them into the log's Parquet objects in an S3 bucket (S3Proxy on
 * loopback, FaultStack), is killed with SIGKILL and started
 * again, twice: 7 s into the stream, and again 7 s after it is back (its start takes 15-25 s, so the stream is over
 * by then and it may still be writing what it missed). At the end
 * the log holds every verdict published, once: the account's search counts exactly as many as the broker
 * acknowledged, and still that many after longer than the log's max-delay, when anything written twice would show.
 */
@SharedFaultStack.WithSharedStack
@Order(7)
class QueryLogKillTest {

    static final int RATE = 2_000;
    static final Duration STREAM = Duration.ofSeconds(24);

    @Test
    void everyVerdictIsInTheLogOnceAfterTheWriterIsKilledTwice() throws Exception {
        FaultStack stack = SharedFaultStack.stack();
        UUID account = UUID.randomUUID();
        Instant from = Instant.now().minusSeconds(60);
        AtomicLong acknowledged = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        Map<String, Object> config = new java.util.HashMap<>(AvroSerdes.serializerConfig(stack.registry.url(), true));
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka.bootstrapServers());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        Thread streaming;
        try (KafkaProducer<String, DnsVerdict> producer = new KafkaProducer<>(config, new StringSerializer(),
                AvroSerdes.<DnsVerdict>serializer(stack.registry.url(), false, true))) {
            streaming = new Thread(() -> {
                long started = System.nanoTime();
                long sent = 0;
                while (System.nanoTime() - started < STREAM.toNanos()) {
                    long due = (System.nanoTime() - started) * RATE / 1_000_000_000L;
                    for (; sent < due; sent++) {
                        producer.send(new ProducerRecord<>(Topics.VERDICTS.name(), account.toString(), verdict(account, sent)),
                                (metadata, error) -> (error == null ? acknowledged : failed).incrementAndGet());
                    }
                    KillRestartTest.pause(10);
                }
                producer.flush();
            }, "verdict-stream");
            streaming.start();
            for (int kill = 1; kill <= 2; kill++) {
                KillRestartTest.pause(7_000);
                long killed = System.nanoTime();
                long before = acknowledged.get();
                stack.diagnostics.kill();
                KillRestartTest.pause(300);
                stack.diagnostics.start();
                stack.diagnostics.awaitHealthy();
                System.out.printf("query log kill %d: killed after %d verdicts, healthy again in %.1f s%n", kill, before,
                        (System.nanoTime() - killed) / 1e9);
            }
            streaming.join();
        }
        long published = acknowledged.get();
        assertThat(failed.get()).as("verdicts the broker refused").isZero();
        assertThat(published).isGreaterThan(RATE * 10L);

        String token = stack.superAdmin(account);
        String search = stack.diagnostics.url() + "/api/v1/accounts/" + account + "/query-log?size=1&from=" + from + "&to="
                + Instant.now().plusSeconds(60);
        Waits.until("every published verdict in the query log", Duration.ofMinutes(2), () -> total(search, token) >= published);
        KillRestartTest.pause(12_000);   // longer than the log's max-delay: anything written twice would be there now
        long logged = total(search, token);
        System.out.printf("query log kill: %d verdicts published, %d in the log after two kills%n", published, logged);
        assertThat(logged).as("every verdict once: none lost, none twice").isEqualTo(published);
        // In the bucket: S3Proxy's filesystem store keeps an object as a file under <bucket>/<key>.
        try (Stream<Path> files = Files.walk(stack.s3.store().resolve(FaultStack.QUERY_LOG_BUCKET).resolve("query-log/verdicts/account=" + account))) {
            assertThat(files.filter(path -> path.toString().matches(".*/\\d+-\\d+-\\d+-e\\d+\\.parquet")).count()).isPositive();
        }
    }

    private static long total(String search, String token) {
        Api.Answer answer = Api.call("GET", search, token, null);
        return answer.ok() ? answer.json().get("total").asLong() : -1;
    }

    private static DnsVerdict verdict(UUID account, long n) {
        return DnsVerdict.newBuilder().setEventId(UUID.randomUUID()).setOccurredAt(Instant.now()).setAccountId(account)
                .setClientAddress("192.0.2." + (n % 250)).setTransport(Transport.UDP).setQueryName("host" + n + ".kill.example")
                .setQueryType("A").setAction(Action.ALLOWED).setReason(Reason.DEFAULT_ALLOW).setResponseCode("NOERROR")
                .setLatencyMicros(100).build();
    }
}
