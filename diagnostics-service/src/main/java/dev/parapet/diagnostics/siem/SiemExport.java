package dev.parapet.diagnostics.siem;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import dev.parapet.diagnostics.querylog.VerdictReader;
import dev.parapet.schemas.AvroSerdes;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.access.KafkaAccess;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Sends one account's verdicts to its SIEM as syslog over TLS, at least once. A plain consumer of
 * {@code parapet.verdicts.v1} in the destination's own group, so that a slow or absent receiver holds back
 * nobody but itself: Kafka is the buffer (what is not sent stays in the topic, up to its retention), and
 * memory holds one poll ({@code maxPollRecords}) at most. Other accounts' records are told apart by their
 * key's bytes and never decoded.
 *
 * <p>Each poll's verdicts are written and flushed, then the offsets committed (those of a poll that held none
 * of the account's verdicts within a second, or with the next batch). When the connection
 * fails (or the receiver closed it), the consumer goes back to the committed offsets and the batch is sent
 * again on a new connection after a pause that doubles from {@code minBackoff} to {@code maxBackoff}: a
 * receiver may then get a verdict twice, and drops the copy by its {@code eventId}. A destination's first
 * assignment commits its starting positions, so that a failure before the first batch goes back to them.
 */
public final class SiemExport implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(SiemExport.class);
    private static final Duration IDLE_COMMIT_INTERVAL = Duration.ofSeconds(1);
    /** The longest a stop waits for the export's thread (out of a connection attempt within the connect timeout, at most). */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

    private final UUID account;
    private final Syslog syslog;
    private final SyslogTls tls;
    private final Map<String, Object> consumerConfig;
    private final String registryUrl;
    private final Duration minBackoff;
    private final Duration maxBackoff;
    private final byte[] accountKey;
    private final Counter sent;
    private final Counter failures;
    private final Counter reconnects;
    private final Counter unreadable;
    private final Object sleeper = new Object();
    private volatile boolean running;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile SyslogTls.Connection connection;
    /** The socket of a connection being opened (connect and handshake), closed by a stop. */
    private volatile Socket opening;
    private Thread thread;
    private boolean connectedBefore;
    /** Offsets of what was read and sent (or had nothing to send) but not committed yet. */
    private final Map<TopicPartition, OffsetAndMetadata> uncommitted = new HashMap<>();

    /**
     * @param group the consumer group, which must begin with {@link KafkaAccess#SIEM_GROUP_PREFIX} (the service's ACL): an
     *              operator's destination's {@link SiemProperties.Destination#group()}, an administrator's
     *              {@link AccountSiemDestinations#group}
     */
    public SiemExport(UUID account, String group, Syslog syslog, SyslogTls tls, Map<String, Object> consumerConfig, String registryUrl,
                      SiemProperties properties, MeterRegistry meters) {
        if (!group.startsWith(KafkaAccess.SIEM_GROUP_PREFIX)) {
            throw new IllegalArgumentException("a SIEM export's group begins " + KafkaAccess.SIEM_GROUP_PREFIX + ", not " + group);
        }
        this.account = account;
        this.syslog = syslog;
        this.tls = tls;
        this.consumerConfig = new HashMap<>(consumerConfig);
        this.consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        this.consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        this.consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, properties.startAt());
        this.consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.consumerConfig.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, properties.maxPollRecords());
        this.registryUrl = registryUrl;
        this.minBackoff = properties.minBackoff();
        this.maxBackoff = properties.maxBackoff();
        this.accountKey = account.toString().getBytes(StandardCharsets.UTF_8);
        String tag = account.toString();
        this.sent = meters.counter("parapet.diagnostics.siem.sent", "account", tag);
        this.failures = meters.counter("parapet.diagnostics.siem.failures", "account", tag);
        this.reconnects = meters.counter("parapet.diagnostics.siem.reconnects", "account", tag);
        this.unreadable = meters.counter("parapet.diagnostics.siem.unreadable", "account", tag);
    }

    @Override
    public void start() {
        running = true;
        thread = new Thread(this::run, "siem-" + account);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void stop() {
        signalStop();
        awaitStopped(System.nanoTime() + STOP_TIMEOUT.toNanos());
    }

    /** Tells the export's thread to stop, out of any wait, without waiting for it: {@link #awaitStopped} does. */
    void signalStop() {
        running = false;
        KafkaConsumer<byte[], byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        SyslogTls.Connection open = connection;
        if (open != null) {
            open.close();   // out of a write the receiver stopped reading
        }
        closeQuietly(opening);   // out of a connection attempt or a handshake the receiver does not answer
        synchronized (sleeper) {
            sleeper.notifyAll();
        }
    }

    /** Waits for the thread told to stop until {@code deadline} ({@link System#nanoTime()}) at the latest. */
    void awaitStopped(long deadline) {
        if (thread != null) {
            try {
                thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void run() {
        // One reader for the thread's life, so that its count of attempts outlives a consumer started again.
        VerdictReader reader = new VerdictReader(AvroSerdes.deserializer(registryUrl, false), unreadable, "SIEM " + tls.target());
        while (running) {
            try (KafkaConsumer<byte[], byte[]> kafka = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                consumer = kafka;
                kafka.subscribe(List.of(Topics.VERDICTS.name()), new Commits(kafka));
                follow(kafka, reader);
            } catch (WakeupException stopping) {
                // stopping
            } catch (RuntimeException e) {
                if (running) {
                    failures.increment();
                    LOG.warn("SIEM {}: stopped reading verdicts ({}); starting again in {}", tls.target(), e.toString(), maxBackoff);
                    sleep(maxBackoff);
                }
            } finally {
                consumer = null;
                uncommitted.clear();
                disconnect();
            }
        }
    }

    private void follow(KafkaConsumer<byte[], byte[]> kafka, VerdictReader reader) {
        Duration backoff = minBackoff;
        long lastCommit = System.nanoTime();
        while (running) {
            ConsumerRecords<byte[], byte[]> records = kafka.poll(Duration.ofMillis(200));
            try {
                List<byte[]> frames = frames(records, reader);
                send(frames);
                uncommitted.putAll(nextOffsets(records));
                // Offsets past other accounts' verdicts alone can wait: reading them again sends nothing. So a busy
                // topic costs a destination a commit per batch it sends and one a second, not one per poll.
                if (!uncommitted.isEmpty() && (!frames.isEmpty() || System.nanoTime() - lastCommit >= IDLE_COMMIT_INTERVAL.toNanos())) {
                    kafka.commitSync(uncommitted);
                    uncommitted.clear();
                    lastCommit = System.nanoTime();
                }
                backoff = minBackoff;
                continue;
            } catch (IOException e) {
                disconnect();
                if (!running) {
                    return;   // a stop closed the connection or the attempt: the batch is sent after the next start
                }
                LOG.warn("SIEM {}: could not send {} record(s) ({}); sending again in {}", tls.target(), records.count(), e.toString(), backoff);
            } catch (VerdictReader.ReadAgain e) {
                LOG.warn("SIEM {}: could not read {} record(s) ({}); reading again in {}", tls.target(), records.count(), e.toString(), backoff);
            }
            failures.increment();
            uncommitted.clear();
            rewind(kafka, records);
            sleep(backoff);
            backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
        }
    }

    private List<byte[]> frames(ConsumerRecords<byte[], byte[]> records, VerdictReader reader) throws VerdictReader.ReadAgain {
        List<byte[]> frames = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            if (Arrays.equals(record.key(), accountKey)) {
                DnsVerdict verdict = reader.read(record);
                if (verdict != null) {
                    frames.add(syslog.frame(verdict));
                }
            }
        }
        return frames;
    }

    private void send(List<byte[]> frames) throws IOException {
        if (frames.isEmpty()) {
            return;
        }
        SyslogTls.Connection open = connection;
        if (open != null && open.closedByReceiver()) {
            disconnect();
            open = null;
        }
        if (open == null) {
            try {
                open = tls.open(socket -> {
                    opening = socket;
                    if (!running) {   // a stop that came before the socket was known here
                        closeQuietly(socket);
                    }
                });
            } finally {
                opening = null;
            }
            connection = open;
            if (connectedBefore) {
                reconnects.increment();
            }
            connectedBefore = true;
            LOG.info("SIEM {}: connected for account {}", tls.target(), account);
        }
        open.write(frames);
        sent.increment(frames.size());
    }

    private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(ConsumerRecords<byte[], byte[]> records) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : records.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> of = records.records(partition);
            offsets.put(partition, new OffsetAndMetadata(of.get(of.size() - 1).offset() + 1));
        }
        return offsets;
    }

    /**
     * Back to the committed offsets of every assigned partition, to send again what was not confirmed; a partition
     * with no commit yet (a new destination's first batch) goes back to the failed batch's first record, which
     * {@code auto.offset.reset} alone would skip past.
     */
    private static void rewind(KafkaConsumer<byte[], byte[]> kafka, ConsumerRecords<byte[], byte[]> failed) {
        Set<TopicPartition> assigned = kafka.assignment();
        Map<TopicPartition, OffsetAndMetadata> committed = kafka.committed(assigned);
        for (TopicPartition partition : assigned) {
            OffsetAndMetadata offset = committed.get(partition);
            if (offset != null) {
                kafka.seek(partition, offset);
            } else if (!failed.records(partition).isEmpty()) {
                kafka.seek(partition, failed.records(partition).get(0).offset());
            }
        }
    }

    private void disconnect() {
        SyslogTls.Connection open = connection;
        connection = null;
        if (open != null) {
            open.close();
        }
    }

    /** Pauses, unless stopping (or until {@link #stop()}). */
    private void sleep(Duration pause) {
        synchronized (sleeper) {
            if (!running) {
                return;
            }
            try {
                sleeper.wait(pause.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A verdict could not be read for a passing reason (the registry did not answer): the batch is read again. */

    /**
     * Commits a newly assigned partition's position when the group has no offset for it yet, so that going
     * back to the committed offsets after a failure never skips verdicts read before the first commit; and
     * commits what was sent before a partition goes to another instance.
     */
    private final class Commits implements ConsumerRebalanceListener {
        private final KafkaConsumer<byte[], byte[]> kafka;

        Commits(KafkaConsumer<byte[], byte[]> kafka) {
            this.kafka = kafka;
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            Map<TopicPartition, OffsetAndMetadata> starting = new HashMap<>();
            kafka.committed(Set.copyOf(partitions)).forEach((partition, committed) -> {
                if (committed == null) {
                    starting.put(partition, new OffsetAndMetadata(kafka.position(partition)));
                }
            });
            if (!starting.isEmpty()) {
                kafka.commitSync(starting);
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            Map<TopicPartition, OffsetAndMetadata> sent = new HashMap<>(uncommitted);
            sent.keySet().retainAll(partitions);
            if (!sent.isEmpty()) {
                kafka.commitSync(sent);
            }
            uncommitted.keySet().removeAll(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            uncommitted.keySet().removeAll(partitions);   // another member has them: it reads them again from the group's offsets
        }
    }

    private static void closeQuietly(Socket socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing to stop: nothing more to do
            }
        }
    }
}
