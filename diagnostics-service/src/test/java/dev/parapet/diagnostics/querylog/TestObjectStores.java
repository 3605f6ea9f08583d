package dev.parapet.diagnostics.querylog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.UUID;

import dev.parapet.stack.S3Proxy;

/** The object stores the query log's tests run on: one real S3 server (S3Proxy) per test JVM, each test in a prefix of its own. */
final class TestObjectStores {

    static final String BUCKET = "query-log";
    private static S3Proxy proxy;

    private TestObjectStores() {
    }

    static synchronized S3Proxy proxy() {
        if (proxy == null) {
            try {
                proxy = S3Proxy.start(Files.createTempDirectory("parapet-s3proxy"), BUCKET);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return proxy;
    }

    /** Where a test's objects go on the S3 server: a prefix no other test uses. */
    static S3ObjectStore.Location location(String test) {
        S3Proxy server = proxy();
        return new S3ObjectStore.Location(URI.create("s3://" + BUCKET + "/" + test + "-" + UUID.randomUUID()), server.endpoint(),
                "us-east-1", true, server.accessKey(), server.secretKey());
    }

    /** A store on the S3 server, checked as the service checks one at its start. */
    static S3ObjectStore s3(String test) {
        return new S3ObjectStore(location(test)).probe();
    }
}
