package dev.parapet.diagnostics.query;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;

import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.springframework.stereotype.Component;

import dev.parapet.diagnostics.devices.DeviceKey;
import dev.parapet.diagnostics.devices.DeviceProcessor;
import dev.parapet.diagnostics.devices.DeviceRow;
import dev.parapet.diagnostics.devices.Finding;
import dev.parapet.diagnostics.devices.FindingCode;

/** Reads an account's device inventory from this instance's store. */
@Component
public class DeviceQueries {

    /** A page of devices, with the account-wide counts the dashboard shows. */
    public record DevicePage(long total, long matching, long protectedDevices, long withFindings, long revoked,
                             int page, int size, List<DeviceView> devices) {
    }

    /** A device as shown: the row, and whether it counts as protected. */
    public record DeviceView(DeviceRow device, boolean isProtected) {
    }

    /** One finding on one device. */
    public record FindingView(UUID agentId, String hostname, FindingCode code, String detail, java.time.Instant since) {
    }

    /** A page of findings. */
    public record FindingPage(long total, int page, int size, List<FindingView> findings) {
    }

    private static final Comparator<DeviceRow> BY_HOST = Comparator
            .comparing((DeviceRow row) -> Optional.ofNullable(row.hostname()).orElse("").toLowerCase(Locale.ROOT))
            .thenComparing(row -> row.agentId().toString());

    private final Instances instances;

    public DeviceQueries(Instances instances) {
        this.instances = instances;
    }

    public List<DeviceRow> rows(UUID account, KeyQueryMetadata metadata) {
        ReadOnlyKeyValueStore<DeviceKey, DeviceRow> store = instances.store(DeviceProcessor.DEVICES_STORE,
                QueryableStoreTypes.keyValueStore(), metadata);
        List<DeviceRow> rows = new ArrayList<>();
        try (KeyValueIterator<DeviceKey, DeviceRow> it = store.prefixScan(account, DeviceKey.accountPrefixSerializer())) {
            it.forEachRemaining(kv -> rows.add(kv.value));
        }
        rows.sort(BY_HOST);
        return rows;
    }

    public DevicePage page(UUID account, KeyQueryMetadata metadata, Predicate<DeviceRow> filter, int page, int size) {
        List<DeviceRow> rows = rows(account, metadata);
        List<DeviceRow> matching = rows.stream().filter(filter).toList();
        List<DeviceView> shown = matching.stream().skip((long) page * size).limit(size)
                .map(row -> new DeviceView(row, row.protectedNow())).toList();
        return new DevicePage(rows.size(), matching.size(), rows.stream().filter(DeviceRow::protectedNow).count(),
                rows.stream().filter(row -> !row.findings().isEmpty()).count(), rows.stream().filter(row -> !row.active()).count(),
                page, size, shown);
    }

    public Optional<DeviceView> device(UUID account, UUID agentId, KeyQueryMetadata metadata) {
        ReadOnlyKeyValueStore<DeviceKey, DeviceRow> store = instances.store(DeviceProcessor.DEVICES_STORE,
                QueryableStoreTypes.keyValueStore(), metadata);
        return Optional.ofNullable(store.get(new DeviceKey(account, agentId))).map(row -> new DeviceView(row, row.protectedNow()));
    }

    public FindingPage findings(UUID account, KeyQueryMetadata metadata, Optional<FindingCode> code, int page, int size) {
        List<FindingView> all = new ArrayList<>();
        for (DeviceRow row : rows(account, metadata)) {
            for (Finding finding : row.findings()) {
                if (code.isEmpty() || code.get() == finding.code()) {
                    all.add(new FindingView(row.agentId(), row.hostname(), finding.code(), finding.detail(), finding.since()));
                }
            }
        }
        all.sort(Comparator.comparing(FindingView::since).reversed());
        return new FindingPage(all.size(), page, size, all.stream().skip((long) page * size).limit(size).toList());
    }
}
