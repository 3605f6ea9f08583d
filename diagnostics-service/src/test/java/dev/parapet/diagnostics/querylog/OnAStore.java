package dev.parapet.diagnostics.querylog;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** Tests asserted alike of each store: a subclass opens the store, in a directory of the test's own if it needs one. */
abstract class OnAStore {

    @TempDir
    Path work;
    ObjectStore store;

    abstract ObjectStore open(Path work);

    @BeforeEach
    void openStore() {
        store = open(work);
    }

    @AfterEach
    void closeStore() {
        store.close();
    }
}
