package dev.parapet.diagnostics.tunnels;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.springframework.stereotype.Component;

import dev.parapet.diagnostics.query.Instances;

/** Reads an account's tunnel findings from this instance's store, most recently seen first. */
@Component
public class TunnelQueries {

    /** The findings: how many are active now, and up to {@code limit} of them (active ones only if asked). */
    public record Tunnels(Instant at, int active, List<Shown> findings) {
    }

    /** A finding as the API shows it. */
    public record Shown(TunnelFinding finding, boolean active) {
    }

    private final Instances instances;

    public TunnelQueries(Instances instances) {
        this.instances = instances;
    }

    public Tunnels of(UUID account, KeyQueryMetadata metadata, boolean activeOnly, int limit) {
        ReadOnlyKeyValueStore<String, TunnelFinding> store = instances.store(TunnelProcessor.STORE, QueryableStoreTypes.keyValueStore(), metadata);
        Instant now = Instant.now();
        List<Shown> all = new ArrayList<>();
        try (KeyValueIterator<String, TunnelFinding> findings = store.prefixScan(account + "/", new StringSerializer())) {
            findings.forEachRemaining(entry -> {
                if (entry.value != null) {
                    all.add(new Shown(entry.value, entry.value.activeAt(now)));
                }
            });
        }
        int active = (int) all.stream().filter(Shown::active).count();
        List<Shown> shown = all.stream().filter(s -> !activeOnly || s.active())
                .sorted(Comparator.comparing((Shown s) -> s.finding().lastSeen()).reversed()).limit(limit).toList();
        return new Tunnels(now, active, shown);
    }
}
