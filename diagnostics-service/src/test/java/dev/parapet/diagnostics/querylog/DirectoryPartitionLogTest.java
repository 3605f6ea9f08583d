package dev.parapet.diagnostics.querylog;

import java.nio.file.Path;

class DirectoryPartitionLogTest extends PartitionLogContract {

    @Override
    ObjectStore open(Path work) {
        return new DirectoryObjectStore(work.resolve("root"));
    }
}
