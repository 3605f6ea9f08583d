package dev.parapet.settings.commands;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;

import org.apache.avro.specific.SpecificRecord;

import dev.parapet.schemas.v1.common.Actor;
import dev.parapet.schemas.v1.common.ActorKind;
import dev.parapet.schemas.v1.settings.SettingsCommand;
import dev.parapet.settings.quotas.Quotas;

/**
 * A writer's state stores in memory, for unit tests of decisions: sorted by key as RocksDB is, and
 * changed by a decision's outputs exactly as the command processor changes its stores.
 */
public final class InMemoryStores implements StateStores {

    private final Map<String, TreeMap<String, SpecificRecord>> stores = new HashMap<>();

    @Override
    @SuppressWarnings("unchecked")
    public <T extends SpecificRecord> T get(String store, String key) {
        return (T) stores.getOrDefault(store, new TreeMap<>()).get(key);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends SpecificRecord> void forEach(String store, Consumer<T> action) {
        stores.getOrDefault(store, new TreeMap<>()).values().forEach(value -> action.accept((T) value));
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends SpecificRecord> void forEachOfAccount(String store, UUID accountId, Consumer<T> action) {
        String prefix = accountId + "/";
        stores.getOrDefault(store, new TreeMap<>()).tailMap(prefix).entrySet().stream().takeWhile(e -> e.getKey().startsWith(prefix))
                .forEach(entry -> action.accept((T) entry.getValue()));
    }

    /** Puts a record in a store, as if a command had written it before. */
    public InMemoryStores put(String store, String key, SpecificRecord value) {
        stores.computeIfAbsent(store, name -> new TreeMap<>()).put(key, value);
        return this;
    }

    /** Decides a command as the writer does and applies what it publishes to these stores. */
    public Decision decide(SettingsCommand command, boolean global, CommandDecisions.Rules rules) {
        Decision decision = CommandDecisions.decide(command, this, Instant.now(), global, rules);
        for (Decision.Output output : decision.outputs()) {
            String store = SettingsCommandTopology.STORE_OF_TOPIC.get(output.topic());
            if (store != null) {
                TreeMap<String, SpecificRecord> records = stores.computeIfAbsent(store, name -> new TreeMap<>());
                if (output.value() == null) {
                    records.remove(output.key());
                } else {
                    records.put(output.key(), output.value());
                }
            }
        }
        return decision;
    }

    /** A command of an administrator of the account. */
    public static SettingsCommand command(UUID accountId, Object action) {
        return SettingsCommand.newBuilder().setCommandId(UUID.randomUUID()).setAccountId(accountId).setRequestedAt(Instant.now())
                .setActor(new Actor("admin@example.com", "FULL_ADMIN", ActorKind.ADMIN, null)).setAction(action).build();
    }

    public static CommandDecisions.Rules rules(Quotas quotas) {
        return new CommandDecisions.Rules(quotas, false);
    }
}
