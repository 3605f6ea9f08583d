package dev.parapet.diagnostics.querylog;

import java.nio.file.Path;

/** The protocol on a real S3 server (S3Proxy 4.1.0, whose filesystem store creates if absent atomically). */
class S3PartitionLogTest extends PartitionLogContract {

    @Override
    ObjectStore open(Path work) {
        return TestObjectStores.s3("partition-log");
    }
}
