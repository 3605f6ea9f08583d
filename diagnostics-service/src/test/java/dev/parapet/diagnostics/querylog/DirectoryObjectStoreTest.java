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
    void neitherListsItsTemporariesNorLetsAKeyLeaveTheRoot() throws Exception {
        DirectoryObjectStore directory = (DirectoryObjectStore) store;
        store.create("h/0-1-2.parquet", new byte[] {1});
        Files.writeString(directory.path("h/0-1-2.parquet").resolveSibling(".0-3-4.parquet.1234.tmp"), "half written");

        assertThat(store.list("h/", null)).extracting(ObjectStore.Listed::key).containsExactly("h/0-1-2.parquet");
        assertThatThrownBy(() -> store.read("../outside")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.create("/etc/passwd", new byte[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.list("../", null)).isInstanceOf(IllegalArgumentException.class);
    }
}
