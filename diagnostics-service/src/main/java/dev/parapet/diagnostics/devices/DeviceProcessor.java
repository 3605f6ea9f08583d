package dev.parapet.diagnostics.devices;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import dev.parapet.diagnostics.streams.CommitHook;
import dev.parapet.schemas.v1.agents.AgentState;
import dev.parapet.schemas.v1.settings.AgentSettings;
import dev.parapet.schemas.v1.telemetry.AgentTelemetry;

/**
 * Keeps the device inventory of the accounts of its partition: one row per agent under
 * {@link DeviceKey} (account and agent), from the agents' records and their telemetry, with findings decided
 * by {@link HealthRules} on every change. Raised and cleared findings go to {@link FindingEvents}.
 *
 * <p>The findings that come with time alone (no heartbeat, configuration behind) are reviewed by
 * deadline: each device is scheduled for the moment {@link HealthRules#nextChange} names, an account
 * for the end of its settings change's grace, and a wall-clock check every {@code reviewInterval} looks
 * again at what is due, in time order. Nothing else is read: the review used to read every device of
 * the partition every 10 s, on the cores that deliver configuration changes to the same agents. The
 * deadlines live in memory, built from the store when the task starts (a device whose deadline passed
 * while the service was stopped is due at once).
 *
 * <p>Every heartbeat reads and rewrites its device's row, so the rows are kept decoded here ({@link Rows}), under a
 * {@link DeviceKey} of two UUIDs: read from the store once, changed in memory, and written to the store (RocksDB and
 * its changelog) once per commit, by the {@link CommitHook} before Kafka Streams commits, so exactly-once holds. The
 * store has no record cache: with every row held it only added a byte-array-ordered tree lookup per write (a third of
 * a heartbeat's processing with 100 000 devices); the devices beyond the bound are read from and written to RocksDB
 * directly, on every heartbeat. The accounts' settings are held too (every heartbeat needs its account's). What is held never
 * outlives the task's state: a task that is closed dirty (an abort, a fenced producer) is initialised again before
 * it processes anything, and {@link #init} starts with nothing held, reading rows back from the store, which
 * exactly-once has reset.
 */
public final class DeviceProcessor implements Processor<String, SpecificRecord, Void, Void>, CommitHook.Listener {

    public static final String DEVICES_STORE = "devices";
    public static final String ACCOUNTS_STORE = "account-settings";
    /** Tells the processor of commits, so that the rows changed in memory reach the store inside the transaction. */
    public static final String COMMIT_HOOK = "devices-commit-hook";
    /** The stores the processor is connected to. */
    public static final String[] STORES = {DEVICES_STORE, ACCOUNTS_STORE, COMMIT_HOOK};

    private final HealthRules rules;
    private final int rowsHeld;
    private final Duration reviewInterval;
    private final FindingEvents events;
    private KeyValueStore<DeviceKey, DeviceRow> store;
    private Rows<DeviceKey> devices;
    private KeyValueStore<String, HealthRules.AccountSettings> accounts;
    /** The accounts' settings as read from their store (which is written through): every heartbeat needs its account's. */
    private final Map<UUID, Optional<HealthRules.AccountSettings>> accountsHeld = new HashMap<>();
    private final Deadlines<DeviceKey> devicesDue = new Deadlines<>();
    private final Deadlines<UUID> accountsDue = new Deadlines<>();

    /** {@code rowsHeld}: the task's share of {@code parapet.diagnostics.device-rows-held}. */
    public DeviceProcessor(HealthRules rules, Duration reviewInterval, FindingEvents events, int rowsHeld) {
        this.rowsHeld = Math.max(1, rowsHeld);
        this.rules = rules;
        this.reviewInterval = reviewInterval;
        this.events = events;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(DEVICES_STORE);
        devices = new Rows<>(store, rowsHeld);
        accounts = context.getStateStore(ACCOUNTS_STORE);
        CommitHook hook = context.getStateStore(COMMIT_HOOK);
        hook.listen(this);
        devicesDue.clear();
        accountsDue.clear();
        accountsHeld.clear();
        // Each device's deadline takes its account's current settings into account, including a change
        // still in its grace: no account needs a deadline of its own at the start.
        try (KeyValueIterator<DeviceKey, DeviceRow> all = store.all()) {
            all.forEachRemaining(device -> scheduleDevice(device.key, device.value, settingsOf(device.value.accountId())));
        }
        context.schedule(reviewInterval, PunctuationType.WALL_CLOCK_TIME, now -> review(Instant.ofEpochMilli(now)));
    }

    @Override
    public void process(Record<String, SpecificRecord> record) {
        Instant now = Instant.now();
        if (record.value() instanceof AgentTelemetry telemetry) {
            DeviceKey key = new DeviceKey(telemetry.getAccountId(), telemetry.getAgentId());
            DeviceRow before = devices.get(key);
            save(key, before, DeviceUpdates.withTelemetry(before, telemetry), now);
        } else if (record.value() instanceof AgentState agent) {
            DeviceKey key = new DeviceKey(agent.getAccountId(), agent.getAgentId());
            DeviceRow before = devices.get(key);
            save(key, before, DeviceUpdates.withAgent(before, agent), now);
        } else if (record.value() instanceof AgentSettings settings) {
            UUID account = settings.getAccountId();
            HealthRules.AccountSettings current = new HealthRules.AccountSettings(settings.getVersion(), settings.getUpdatedAt(),
                    settings.getEnforceUserAuthentication());
            accounts.put(account.toString(), current);
            accountsHeld.put(account, Optional.of(current));
            // A change made just now raises CONFIGURATION_BEHIND only once its grace has passed: the
            // account's devices are looked at again then (its deadline), or at once for a change older
            // than that (one read late). Re-reading them on every change cost 10 000 rows per
            // administrator change, on the cores that were delivering that change to the same agents.
            if (rules.pastConfigurationGrace(settings.getUpdatedAt(), now)) {
                accountsDue.cancel(account);
                reevaluate(account, now);
            } else {
                scheduleAccount(account, current);
            }
        }
    }

    /** What is due: accounts whose settings' grace ended (all their devices), then single devices. */
    private void review(Instant now) {
        for (UUID account : accountsDue.takeDue(now.toEpochMilli())) {
            reevaluate(account, now);
        }
        for (DeviceKey key : devicesDue.takeDue(now.toEpochMilli())) {
            DeviceRow row = devices.get(key);
            if (row != null) {
                save(key, row, row, now);
            }
        }
    }

    private void reevaluate(UUID account, Instant now) {
        devices.writeChanged();
        reevaluate(store.prefixScan(account, DeviceKey.accountPrefixSerializer()), now);
    }

    /** Before a commit: the rows changed since the last one, into the store and its changelog. */
    @Override
    public void flush() {
        devices.writeChanged();
        CommitHook.flushCache(store);
    }

    /**
     * When the hook's cache is cleared (Kafka Streams does so when a task changes between active and standby): what is
     * held is dropped, the store is the truth. (A task closed dirty is initialised again instead, which starts empty.)
     */
    @Override
    public void discard() {
        devices.clear();
        accountsHeld.clear();
    }

    private HealthRules.AccountSettings settingsOf(UUID account) {
        return accountsHeld.computeIfAbsent(account, id -> Optional.ofNullable(accounts.get(id.toString()))).orElse(null);
    }

    private void scheduleAccount(UUID account, HealthRules.AccountSettings settings) {
        if (settings.updatedAt() != null) {
            accountsDue.schedule(account, rules.configurationGraceEnd(settings.updatedAt()).toEpochMilli());
        }
    }

    private void scheduleDevice(DeviceKey key, DeviceRow row, HealthRules.AccountSettings settings) {
        Instant next = rules.nextChange(row, settings);
        if (next == null) {
            devicesDue.cancel(key);
        } else {
            devicesDue.schedule(key, next.toEpochMilli());
        }
    }

    /** Evaluates every row the iterator yields (read whole first: saving while iterating would move the store under it). */
    private void reevaluate(KeyValueIterator<DeviceKey, DeviceRow> iterator, Instant now) {
        List<KeyValue<DeviceKey, DeviceRow>> rows = new ArrayList<>();
        try (iterator) {
            iterator.forEachRemaining(rows::add);
        }
        rows.forEach(row -> save(row.key, row.value, row.value, now));
    }

    /** Evaluates the row's findings and stores it if anything changed, announcing raised and cleared findings. */
    private void save(DeviceKey key, DeviceRow before, DeviceRow row, Instant now) {
        HealthRules.AccountSettings settings = settingsOf(row.accountId());
        DeviceRow evaluated = row.withFindings(rules.evaluate(row, settings, now));
        scheduleDevice(key, evaluated, settings);
        if (Objects.equals(before, evaluated)) {
            return;
        }
        devices.put(key, evaluated);
        if (before != null && before.findings().equals(evaluated.findings())) {
            return;   // the usual heartbeat: seen again, nothing raised or cleared
        }
        Set<FindingCode> had = codes(before);
        Set<FindingCode> has = codes(evaluated);
        for (Finding finding : evaluated.findings()) {
            if (!had.contains(finding.code())) {
                events.publish(new FindingEvents.FindingEvent(row.accountId(), row.agentId(), row.hostname(), finding.code(),
                        finding.detail(), true, now));
            }
        }
        if (before != null) {
            for (Finding finding : before.findings()) {
                if (!has.contains(finding.code())) {
                    events.publish(new FindingEvents.FindingEvent(row.accountId(), row.agentId(), row.hostname(), finding.code(),
                            finding.detail(), false, now));
                }
            }
        }
    }

    private static Set<FindingCode> codes(DeviceRow row) {
        return row == null ? Set.of() : row.findings().stream().map(Finding::code).collect(Collectors.toSet());
    }
}
