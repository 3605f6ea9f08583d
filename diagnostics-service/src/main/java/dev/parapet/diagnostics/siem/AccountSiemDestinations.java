package dev.parapet.diagnostics.siem;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import dev.parapet.kit.state.TopicFollower;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.access.KafkaAccess;
import dev.parapet.schemas.v1.siem.SiemDestination;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The exports of the destinations that accounts' administrators set (settings-service writes them to the compacted
 * {@code parapet.siem-destinations.v1}): each record starts its account's {@link SiemExport}, a changed one replaces it
 * (in the same consumer group, named after the destination's creation, so it goes on from where the last one stopped), a
 * tombstone stops it. An account the operator configured a destination for keeps the operator's; its administrators'
 * record is ignored, with a warning. At most {@code maxRunning} run at once (each reads the whole verdicts topic); the
 * others wait, in the order they came, for one to stop.
 *
 * <p>Nothing starts before the topic has been read up to where it ended at start, and only each account's latest record
 * then counts, so a restart starts each export once, not once per version the topic still holds. Exports are started and
 * stopped on a thread of their own, so that a receiver slow to let go never holds up the reading of the topic.
 */
public final class AccountSiemDestinations implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(AccountSiemDestinations.class);

    private record Running(long version, SiemExport export) {
    }

    private final Map<String, Object> consumerConfig;
    private final String registryUrl;
    private final MeterRegistry meters;
    private final SiemProperties properties;
    private final String hostname;
    /** The accounts the operator configured a destination for ({@link SiemProperties#destinations()}). */
    private final Set<UUID> operatorAccounts;
    private final int maxRunning;
    private final Counter refused;
    /** Each account's latest record not applied yet (empty: removed), in the order the accounts came. */
    private final Map<UUID, Optional<SiemDestination>> pending = new LinkedHashMap<>();
    /** Destinations beyond {@link #maxRunning}, waiting for room, in the order they came. Changes thread only. */
    private final Map<UUID, SiemDestination> waiting = new LinkedHashMap<>();
    /** The exports running, by account: changed on the changes thread only. */
    private final Map<UUID, Running> running = new ConcurrentHashMap<>();
    private volatile TopicFollower follower;
    private volatile ExecutorService changes;
    private volatile boolean started;

    /** @param hostname the HOSTNAME of every message */
    public AccountSiemDestinations(SiemProperties properties, String hostname, Map<String, Object> consumerConfig, String registryUrl,
                                   MeterRegistry meters) {
        this.consumerConfig = Map.copyOf(consumerConfig);
        this.registryUrl = registryUrl;
        this.meters = meters;
        this.properties = properties;
        this.hostname = hostname;
        this.operatorAccounts = properties.destinations().stream().map(SiemProperties.Destination::account)
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
        this.maxRunning = properties.maxAccountDestinations();
        this.refused = meters.counter("parapet.diagnostics.siem.destinations.refused");
        meters.gauge("parapet.diagnostics.siem.destinations.running", running, Map::size);
    }

    /**
     * An account's export: the destination's format, facility, certificates and group; checked addresses.
     *
     * @throws IllegalArgumentException when the destination cannot work (its certificates unreadable)
     */
    private SiemExport export(SiemDestination destination) {
        return new SiemExport(destination.getAccountId(), group(destination),
                new Syslog(Syslog.Facility.valueOf(destination.getFacility().name()), hostname,
                        SiemFormat.valueOf(destination.getFormat().name())),
                SyslogTls.ofAccount(destination, properties.connectTimeout(), properties.allowPrivateAddresses()),
                consumerConfig, registryUrl, properties, meters);
    }

    /**
     * The consumer group of an administrator's destination: {@code diagnostics-service-siem-<account>-<created millis>}.
     * Changes keep it (the export goes on where it was); a destination removed and set again gets a new one, which starts
     * where {@code start-at} says instead of sending what came while there was none.
     */
    static String group(SiemDestination destination) {
        return KafkaAccess.SIEM_GROUP_PREFIX + destination.getAccountId() + "-" + destination.getCreatedAt().toEpochMilli();
    }

    private void changed(String key, SpecificRecord value) {
        UUID account;
        if (value instanceof SiemDestination destination) {
            account = destination.getAccountId();
            if (!destination.getAccountId().toString().equals(key)) {
                // Keyed by its own account or not at all: a record under another key could shadow that account's.
                LOG.warn("SIEM destinations: a record of account {} under the key {} is ignored", destination.getAccountId(), key);
                refused.increment();
                return;
            }
        } else if (value == null) {
            try {
                account = UUID.fromString(key);
            } catch (IllegalArgumentException | NullPointerException notAnAccount) {
                return;
            }
        } else {
            return;
        }
        synchronized (pending) {
            pending.remove(account);   // to the end of the order, as the latest change
            pending.put(account, Optional.ofNullable((SiemDestination) value));
        }
        TopicFollower current = follower;
        if (current != null && current.isReady()) {
            scheduleApply();
        }
    }

    private void scheduleApply() {
        ExecutorService executor = changes;
        if (executor == null) {
            return;
        }
        try {
            executor.execute(this::applyPending);
        } catch (RejectedExecutionException stopping) {
            // stopping: nothing more is started
        }
    }

    /** On the changes thread: each account's latest change applied, then destinations waiting for room started. */
    private void applyPending() {
        while (started) {
            Map.Entry<UUID, Optional<SiemDestination>> next;
            synchronized (pending) {
                if (pending.isEmpty()) {
                    break;
                }
                var first = pending.entrySet().iterator();
                next = first.next();
                first.remove();
            }
            apply(next.getKey(), next.getValue().orElse(null));
        }
        for (var it = waiting.entrySet().iterator(); started && running.size() < maxRunning && it.hasNext(); ) {
            SiemDestination destination = it.next().getValue();
            it.remove();
            begin(destination);
        }
    }

    /** On the changes thread: the account's export made to match its destination (null: none). */
    private void apply(UUID account, SiemDestination destination) {
        if (operatorAccounts.contains(account)) {
            if (destination != null) {
                LOG.warn("SIEM destinations: account {} has a destination configured by the operator, which it keeps; the one its "
                        + "administrators set ({}:{}) is not used", account, destination.getHost(), destination.getPort());
            }
            return;
        }
        Running current = running.get(account);
        if (current != null && destination != null && current.version() == destination.getVersion()) {
            return;   // the same record read again (the follower restarted)
        }
        waiting.remove(account);
        if (current != null) {
            current.export().stop();
            running.remove(account);
            LOG.info("SIEM destinations: the export of account {} stopped", account);
        }
        if (destination == null) {
            return;
        }
        if (running.size() >= maxRunning) {
            waiting.put(account, destination);
            refused.increment();
            LOG.warn("SIEM destinations: {} exports run already (parapet.diagnostics.siem.max-account-destinations); account {}'s "
                    + "waits for one to stop", running.size(), account);
            return;
        }
        begin(destination);
    }

    private void begin(SiemDestination destination) {
        UUID account = destination.getAccountId();
        SiemExport export;
        try {
            export = export(destination);
        } catch (RuntimeException e) {
            refused.increment();
            LOG.warn("SIEM destinations: account {}'s destination {}:{} cannot be used: {}", account, destination.getHost(),
                    destination.getPort(), e.getMessage());
            return;
        }
        export.start();
        running.put(account, new Running(destination.getVersion(), export));
        LOG.info("SIEM destinations: account {} exports to {}:{} (version {})", account, destination.getHost(), destination.getPort(),
                destination.getVersion());
    }

    /** The accounts whose exports run now and their versions, once the changes seen so far are applied (tests, health). */
    public Map<UUID, Long> runningVersions() {
        ExecutorService executor = changes;
        if (executor == null) {
            return Map.of();
        }
        try {
            return executor.submit(() -> {
                Map<UUID, Long> versions = new LinkedHashMap<>();
                running.forEach((account, export) -> versions.put(account, export.version()));
                return versions;
            }).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the SIEM destinations did not answer", e);
        }
    }

    @Override
    public synchronized void start() {
        if (started) {
            return;
        }
        started = true;
        changes = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "siem-destinations");
            thread.setDaemon(true);
            return thread;
        });
        TopicFollower reader = new TopicFollower("siem-destinations", consumerConfig, registryUrl, meters, List.of(
                new TopicFollower.Subscription(Topics.SIEM_DESTINATIONS.name(), true, this::changed)));
        follower = reader;
        reader.ready().thenRun(this::scheduleApply);
        reader.start();
    }

    @Override
    public synchronized void stop() {
        if (!started) {
            return;
        }
        started = false;
        follower.close();
        ExecutorService executor = changes;
        executor.execute(() -> {
            running.values().forEach(current -> current.export().signalStop());
            long deadline = System.nanoTime() + SiemExport.STOP_TIMEOUT.toNanos();
            running.values().forEach(current -> current.export().awaitStopped(deadline));
            running.clear();
            waiting.clear();
        });
        executor.shutdown();
        try {
            executor.awaitTermination(SiemExport.STOP_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (pending) {
            pending.clear();
        }
    }

    @Override
    public boolean isRunning() {
        return started;
    }
}
