package dev.parapet.settings.commands;

import java.util.function.Consumer;

import org.apache.avro.specific.SpecificRecord;

/** What a decision may read: the writer's current state, by store and key. */
public interface StateStores {

    <T extends SpecificRecord> T get(String store, String key);

    /** Every record of a store (the global location writer checks ranges against all of them). */
    <T extends SpecificRecord> void forEach(String store, Consumer<T> action);
}
