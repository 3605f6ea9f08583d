package dev.parapet.diagnostics.streams;

import java.util.Map;

import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * A state store that holds nothing and tells its processor when Kafka Streams is about to commit, so
 * that counts a processor adds up in memory reach its real stores inside the same transaction as the
 * input offsets they came from (exactly-once is kept: no count is committed without its verdicts, nor
 * verdicts without their counts).
 *
 * <p>Kafka Streams has no "before commit" callback for processors; it does flush every store's cache
 * before it sends the changelogs and commits the offsets, calling {@link #flushCache()} on each store
 * that is a {@link CachedStateStore}. This store is one, and runs its listener's {@link Listener#flush}
 * there; the listener writes into its (cached) stores and flushes their caches itself, so the order in
 * which the task flushes its stores does not matter. When a task is closed after an error or an
 * aborted transaction, {@link #clearCache()} tells the listener to drop what it held: the input will
 * be processed again. The same pattern is Finatra's {@code OnFlush}.
 */
public final class CommitHook implements StateStore, CachedStateStore<Object, Object> {

    /** What a processor does at a commit, and after an abort. */
    public interface Listener {
        /** Writes what is held in memory into the stores, and flushes their caches. */
        void flush();

        /** Drops what is held in memory: the records it came from will be processed again. */
        void discard();
    }

    private static final Listener NONE = new Listener() {
        @Override
        public void flush() {
        }

        @Override
        public void discard() {
        }
    };

    private final String name;
    private volatile boolean open;
    private Listener listener = NONE;

    CommitHook(String name) {
        this.name = name;
    }

    /** The processor that holds counts in memory registers here in its {@code init}. */
    public void listen(Listener listener) {
        this.listener = listener;
    }

    /**
     * Flushes a store's record cache, if it has one: a listener's writes into a cached store must reach its changelog in
     * the commit being prepared, and the task may have flushed that store before the hook.
     */
    public static void flushCache(StateStore store) {
        if (store instanceof CachedStateStore<?, ?> cached) {
            cached.flushCache();
        }
    }

    public static StoreBuilder<CommitHook> builder(String name) {
        return new Builder(name);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        context.register(root, (key, value) -> {
            // nothing to restore: the hook holds no state of its own
        });
        open = true;
    }

    @Override
    public void flushCache() {
        listener.flush();
    }

    /**
     * Nothing: Kafka Streams flushes the stores (for a checkpoint) after the commit as well, where a listener's writes would
     * fall outside the transaction; before the commit it calls {@link #flushCache()}.
     */
    @Override
    public void flush() {
    }

    @Override
    public void clearCache() {
        listener.discard();
    }

    @Override
    public boolean setFlushListener(CacheFlushListener<Object, Object> flushListener, boolean sendOldValues) {
        return false;
    }

    @Override
    public void close() {
        open = false;
        listener = NONE;
    }

    @Override
    public boolean persistent() {
        return false;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    private record Builder(String name) implements StoreBuilder<CommitHook> {

        @Override
        public StoreBuilder<CommitHook> withCachingEnabled() {
            return this;
        }

        @Override
        public StoreBuilder<CommitHook> withCachingDisabled() {
            return this;
        }

        @Override
        public StoreBuilder<CommitHook> withLoggingEnabled(Map<String, String> config) {
            return this;
        }

        @Override
        public StoreBuilder<CommitHook> withLoggingDisabled() {
            return this;
        }

        @Override
        public CommitHook build() {
            return new CommitHook(name);
        }

        @Override
        public Map<String, String> logConfig() {
            return Map.of();
        }

        @Override
        public boolean loggingEnabled() {
            return false;
        }
    }
}
