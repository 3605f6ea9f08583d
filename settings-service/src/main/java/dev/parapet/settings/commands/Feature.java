package dev.parapet.settings.commands;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.parapet.schemas.Topic;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.settings.SettingsCommand;
import dev.parapet.schemas.v1.settings.SettingsRejection;

/**
 * One feature's part of the writers, registered in one place (a {@code FEATURE} constant beside its
 * decisions, listed in {@link CommandFeatures}): which writer runs it, the state stores it keeps (each
 * the mirror of a topic it publishes, under the same key) and, for each of its command types, the
 * function that decides it from the writer's stores. Adding a command type is one more
 * {@link Builder#command} line in its feature's registration; the writers' topology, the HTTP side's
 * choice of writer and the stores the decisions may read all follow from the registrations.
 */
public final class Feature {

    /**
     * The two kinds of writer (docs/decisions.md, settings-service): an account's, on the account's
     * partition of the settings commands, for what one account owns; and the one global writer, for
     * what must be unique or merged across accounts.
     */
    public enum Writer {
        ACCOUNT(Topics.SETTINGS_COMMANDS),
        GLOBAL(Topics.GLOBAL_COMMANDS);

        private final Topic commandTopic;

        Writer(Topic commandTopic) {
            this.commandTopic = commandTopic;
        }

        /** The topic this writer reads its commands from. */
        public Topic commandTopic() {
            return commandTopic;
        }

        /** The key a command to this writer is sent under: the account, or {@code global} (one partition). */
        public String key(SettingsCommand command) {
            return this == GLOBAL ? "global" : command.getAccountId().toString();
        }
    }

    /** A state store of the writer, holding what was last published on {@code topic}, under the same key. */
    public record Store(String name, String topic) {
    }

    /** How one command type is decided: a pure function of the command and the writer's stores. */
    @FunctionalInterface
    public interface Decide<A> {
        Decision decide(SettingsCommand command, A action, StateStores stores, Instant now, CommandDecisions.Rules rules);
    }

    private final String name;
    private final Writer writer;
    private final List<Store> stores;
    private final Map<Class<?>, Decide<Object>> commands;

    private Feature(String name, Writer writer, List<Store> stores, Map<Class<?>, Decide<Object>> commands) {
        this.name = name;
        this.writer = writer;
        this.stores = List.copyOf(stores);
        this.commands = Map.copyOf(commands);
    }

    /** Starts the registration of a feature that the given writer runs. */
    public static Builder of(String name, Writer writer) {
        return new Builder(name, writer);
    }

    public String name() {
        return name;
    }

    public Writer writer() {
        return writer;
    }

    public List<Store> stores() {
        return stores;
    }

    /** The command types this feature decides. */
    public Set<Class<?>> commandTypes() {
        return commands.keySet();
    }

    /** Decides a command of one of this feature's types; any other is refused as unknown. */
    public Decision decide(SettingsCommand command, StateStores stores, Instant now, CommandDecisions.Rules rules) {
        Object action = command.getAction();
        Decide<Object> decide = action == null ? null : commands.get(action.getClass());
        if (decide == null) {
            return Decision.refused(command, SettingsRejection.OTHER, 0, "unknown command");
        }
        return decide.decide(command, action, stores, now, rules);
    }

    @Override
    public String toString() {
        return name + " (" + writer + " writer)";
    }

    /** A feature's registration, written once, beside its decisions. */
    public static final class Builder {

        private final String name;
        private final Writer writer;
        private final List<Store> stores = new ArrayList<>();
        private final Map<Class<?>, Decide<Object>> commands = new LinkedHashMap<>();

        private Builder(String name, Writer writer) {
            this.name = name;
            this.writer = writer;
        }

        /** A store the feature keeps: the writer writes every record the feature publishes on {@code topic} there too. */
        public Builder store(String store, Topic topic) {
            stores.add(new Store(store, topic.name()));
            return this;
        }

        /** A command type and how it is decided. */
        @SuppressWarnings("unchecked")
        public <A> Builder command(Class<A> type, Decide<? super A> decide) {
            if (commands.putIfAbsent(type, (Decide<Object>) decide) != null) {
                throw new IllegalStateException(name + " registers " + type.getSimpleName() + " twice");
            }
            return this;
        }

        public Feature build() {
            return new Feature(name, writer, stores, commands);
        }
    }
}
