package dev.parapet.diagnostics.querylog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class DirectoryObjectStoreTest extends ObjectStoreContract {

    @Override
    ObjectStore open(Path work) {
        return new DirectoryObjectStore(work.resolve("root"));
    }

    @Test
    void neitherListsItsWorkDirectoryNorLetsAKeyLeaveTheRoot() throws Exception {
        DirectoryObjectStore directory = (DirectoryObjectStore) store;
        store.create("h/0-1-2.parquet", new byte[] {1});
        Path temporary = store.temporary("h/0-3-4.parquet");
        Files.writeString(temporary, "half written");

        assertThat(temporary).startsWith(directory.root().resolve("_work"));
        assertThat(store.list("", null)).extracting(ObjectStore.Listed::key).containsExactly("h/0-1-2.parquet");
        assertThatThrownBy(() -> store.read("../outside")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.create("/etc/passwd", new byte[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.list("../", null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void holdsAKeyForOneHolderAtATime() {
        var first = store.tryHold("_retention/lock", java.time.Duration.ZERO);
        assertThat(first).isPresent();
        assertThat(store.tryHold("_retention/lock", java.time.Duration.ofMillis(100))).as("held").isEmpty();
        first.get().close();
        assertThat(store.tryHold("_retention/lock", java.time.Duration.ZERO)).as("released").isPresent().get()
                .satisfies(ObjectStore.Hold::close);
    }
}
