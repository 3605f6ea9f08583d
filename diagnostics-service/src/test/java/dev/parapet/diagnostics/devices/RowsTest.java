package dev.parapet.diagnostics.devices;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

class RowsTest {

    /** A store that records its writes: the processor's real store is RocksDB, whose writes are the cost being saved. */
    private static final class RecordingStore implements KeyValueStore<String, DeviceRow> {
        final Map<String, DeviceRow> rows = new HashMap<>();
        final List<String> puts = new ArrayList<>();
        int gets;
        /** The next write of this key fails, as RocksDB's does when the disk is full. */
        String failNext;

        @Override
        public void put(String key, DeviceRow value) {
            if (key.equals(failNext)) {
                failNext = null;
                throw new IllegalStateException("disk full");
            }
            puts.add(key);
            rows.put(key, value);
        }

        @Override
        public DeviceRow get(String key) {
            gets++;
            return rows.get(key);
        }

        @Override
        public DeviceRow putIfAbsent(String key, DeviceRow value) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void putAll(List<KeyValue<String, DeviceRow>> entries) {
            throw new UnsupportedOperationException();
        }

        @Override
        public DeviceRow delete(String key) {
            throw new UnsupportedOperationException();
        }

        @Override
        public KeyValueIterator<String, DeviceRow> range(String from, String to) {
            throw new UnsupportedOperationException();
        }

        @Override
        public KeyValueIterator<String, DeviceRow> all() {
            throw new UnsupportedOperationException();
        }

        @Override
        public long approximateNumEntries() {
            return rows.size();
        }

        @Override
        public String name() {
            return "devices";
        }

        @Override
        public void init(StateStoreContext context, StateStore root) {
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }

        @Override
        public boolean persistent() {
            return false;
        }

        @Override
        public boolean isOpen() {
            return true;
        }
    }

    private final RecordingStore store = new RecordingStore();

    private static final Map<String, Instant> MARKS = new HashMap<>();

    /** A row told apart by its first-seen time, one per name. */
    private static DeviceRow row(String name) {
        Instant mark = MARKS.computeIfAbsent(name, n -> Instant.ofEpochSecond(1_000_000 + MARKS.size()));
        return DeviceRowSerdeTest.full(UUID.randomUUID(), UUID.randomUUID()).withFirstSeen(mark);
    }

    private static String name(DeviceRow row) {
        return MARKS.entrySet().stream().filter(e -> e.getValue().equals(row.firstSeen())).findFirst().orElseThrow().getKey();
    }

    @Test
    void aRowChangedManyTimesBetweenCommitsIsWrittenOnceWithItsLastValue() {
        Rows<String> rows = new Rows<>(store, 10);
        store.rows.put("a/1", row("stored"));
        assertThat(name(rows.get("a/1"))).isEqualTo("stored");
        for (int beat = 0; beat < 5; beat++) {
            rows.put("a/1", row("beat-" + beat));
            assertThat(name(rows.get("a/1"))).isEqualTo("beat-" + beat);
        }
        rows.put("a/2", row("new"));
        assertThat(store.puts).isEmpty();
        assertThat(store.gets).isEqualTo(1);

        rows.writeChanged();
        assertThat(store.puts).containsExactlyInAnyOrder("a/1", "a/2");
        assertThat(name(store.rows.get("a/1"))).isEqualTo("beat-4");
        rows.writeChanged();
        assertThat(store.puts).hasSize(2);
        assertThat(rows.get("missing")).isNull();
    }

    @Test
    void beyondItsBoundRowsAreReadAndWrittenThroughTheStoreAndThoseHeldStayHeld() {
        Rows<String> rows = new Rows<>(store, 2);
        store.rows.put("clean", row("clean"));
        rows.get("clean");
        rows.put("changed", row("changed"));
        assertThat(rows.size()).isEqualTo(2);

        rows.put("third", row("third"));      // full: written through at once, not held
        assertThat(store.puts).containsExactly("third");
        assertThat(rows.size()).isEqualTo(2);
        int gets = store.gets;
        assertThat(name(rows.get("third"))).isEqualTo("third");
        assertThat(store.gets).as("read from the store each time").isEqualTo(gets + 1);
        rows.put("changed", row("changed again"));   // held: still held, written at the commit only
        assertThat(store.puts).containsExactly("third");

        rows.writeChanged();
        assertThat(store.puts).containsExactly("third", "changed");
        assertThat(name(store.rows.get("changed"))).isEqualTo("changed again");
        assertThat(name(rows.get("clean"))).isEqualTo("clean");
        assertThat(store.gets).as("a held row is not read again").isEqualTo(gets + 1);
    }

    @Test
    void aPutChangesTheRowOfItsOwnKeyWhicheverRowWasReadLast() {
        Rows<String> rows = new Rows<>(store, 10);
        store.rows.put("a/1", row("one"));
        store.rows.put("a/2", row("two"));
        rows.get("a/1");
        rows.get("a/2");
        rows.put("a/1", row("one changed"));
        assertThat(name(rows.get("a/1"))).isEqualTo("one changed");
        assertThat(name(rows.get("a/2"))).isEqualTo("two");
        rows.writeChanged();
        assertThat(store.puts).containsExactly("a/1");
    }

    @Test
    void afterAnAbortNothingHeldIsWrittenAndRowsAreReadFromTheStoreAgain() {
        Rows<String> rows = new Rows<>(store, 10);
        store.rows.put("a/1", row("committed"));
        rows.put("a/1", row("uncommitted"));
        rows.clear();
        rows.writeChanged();
        assertThat(store.puts).isEmpty();
        assertThat(name(rows.get("a/1"))).isEqualTo("committed");
    }

    @Test
    void aChangedRowIsStillMarkedAfterAFailedCommitWriteAndWrittenByTheNext() {
        Rows<String> rows = new Rows<>(store, 10);
        rows.put("a/1", row("changed"));
        store.failNext = "a/1";
        org.assertj.core.api.Assertions.assertThatThrownBy(rows::writeChanged).hasMessage("disk full");
        rows.writeChanged();
        assertThat(store.puts).containsExactly("a/1");
    }
}
