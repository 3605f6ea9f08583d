package dev.parapet.diagnostics.siem;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import dev.parapet.kit.state.TopicFollower;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.siem.SiemDestination;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The exports of the destinations that accounts' administrators set (settings-service writes them to the compacted
 * {@code parapet.siem-destinations.v1}): each record starts its account's {@link SiemExport}, a changed one replaces it
 * (in the same consumer group, so it goes on from where the last one stopped), a tombstone stops it. An account the
 * operator configured a destination for keeps the operator's; its administrators' record is ignored, with a warning.
 *
 * <p>Exports are started and stopped on a thread of their own, one change at a time in the order they came, so that a
 * receiver slow to let go never holds up the reading of the topic.
 */
public final class AccountSiemDestinations implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(AccountSiemDestinations.class);

    /** What one export of an account's destination is built from: a running export, not started yet. */
    @FunctionalInterface
    public interface Exports {
        /** @throws IllegalArgumentException when the destination cannot work (its certificates unreadable) */
        SiemExport of(SiemDestination destination);
    }

    private record Running(long version, SiemExport export) {
    }

    private final TopicFollower follower;
    private final Set<UUID> operatorAccounts;
    private final Exports exports;
    private final Counter refused;
    private final ExecutorService changes = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "siem-destinations");
        thread.setDaemon(true);
        return thread;
    });
    /** The exports running, by account: changed only on the {@link #changes} thread. */
    private final Map<UUID, Running> running = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean started;

    public AccountSiemDestinations(Map<String, Object> consumerConfig, String registryUrl, MeterRegistry meters,
                                   Set<UUID> operatorAccounts, Exports exports) {
        this.operatorAccounts = Set.copyOf(operatorAccounts);
        this.exports = exports;
        this.refused = meters.counter("parapet.diagnostics.siem.destinations.refused");
        this.follower = new TopicFollower("siem-destinations", consumerConfig, registryUrl, meters, List.of(
                new TopicFollower.Subscription(Topics.SIEM_DESTINATIONS.name(), true, this::changed)));
        meters.gauge("parapet.diagnostics.siem.destinations.running", this, destinations -> destinations.runningCount());
    }

    /** An account's export as the service builds it: the destination's format, facility and certificates, checked addresses. */
    public static SiemExport export(SiemDestination destination, SiemProperties properties, String hostname,
                                    Map<String, Object> consumerConfig, String registryUrl, MeterRegistry meters) {
        return new SiemExport(destination.getAccountId(),
                new Syslog(Syslog.Facility.valueOf(destination.getFacility().name()), hostname,
                        SiemFormat.valueOf(destination.getFormat().name())),
                SyslogTls.ofAccount(destination, properties.connectTimeout(), properties.allowPrivateAddresses()),
                consumerConfig, registryUrl, properties, meters);
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
        SiemDestination destination = (SiemDestination) value;
        changes.execute(() -> apply(account, destination));
    }

    /** On the changes thread: the account's export made to match its destination (null: none). */
    private void apply(UUID account, SiemDestination destination) {
        if (!started) {
            return;
        }
        if (operatorAccounts.contains(account)) {
            if (destination != null) {
                LOG.warn("SIEM destinations: account {} has a destination configured by the operator, which it keeps; the one its "
                        + "administrators set ({}:{}) is not used", account, destination.getHost(), destination.getPort());
            }
            return;
        }
        Running current = running.get(account);
        if (current != null && destination != null && current.version() == destination.getVersion()) {
            return;   // the same record read again (a follower restarted)
        }
        if (current != null) {
            current.export().stop();
            running.remove(account);
            LOG.info("SIEM destinations: the export of account {} stopped", account);
        }
        if (destination == null) {
            return;
        }
        SiemExport export;
        try {
            export = exports.of(destination);
        } catch (IllegalArgumentException e) {
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

    private int runningCount() {
        return running.size();
    }

    /** The accounts whose exports run now, for tests and health (read on the changes thread). */
    public Map<UUID, Long> runningVersions() {
        try {
            return changes.submit(() -> {
                Map<UUID, Long> versions = new LinkedHashMap<>();
                running.forEach((account, export) -> versions.put(account, export.version()));
                return versions;
            }).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the SIEM destinations did not answer", e);
        }
    }

    @Override
    public void start() {
        started = true;
        follower.start();
    }

    @Override
    public void stop() {
        started = false;
        follower.close();
        changes.execute(() -> {
            running.values().forEach(current -> current.export().signalStop());
            long deadline = System.nanoTime() + SiemExport.STOP_TIMEOUT.toNanos();
            running.values().forEach(current -> current.export().awaitStopped(deadline));
            running.clear();
        });
        changes.shutdown();
        try {
            changes.awaitTermination(SiemExport.STOP_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return started;
    }
}
