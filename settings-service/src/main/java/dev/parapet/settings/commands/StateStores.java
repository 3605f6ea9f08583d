package dev.parapet.settings.commands;

import java.util.UUID;
import java.util.function.Consumer;

import org.apache.avro.specific.SpecificRecord;

/** What a decision may read: the writer's current state, by store and key. */
public interface StateStores {

    <T extends SpecificRecord> T get(String store, String key);

    /** Every record of a store (the global location writer checks ranges against all of them). */
    <T extends SpecificRecord> void forEach(String store, Consumer<T> action);

    /**
     * Every record of one account in a store whose keys are {@code accountId/id}: a range read of the
     * store, so counting an account's records costs that account's records only.
     */
    <T extends SpecificRecord> void forEachOfAccount(String store, UUID accountId, Consumer<T> action);

    /** The number of the account's records in a store keyed {@code accountId/id}. */
    default int countOfAccount(String store, UUID accountId) {
        int[] count = {0};
        forEachOfAccount(store, accountId, record -> count[0]++);
        return count[0];
    }
}
