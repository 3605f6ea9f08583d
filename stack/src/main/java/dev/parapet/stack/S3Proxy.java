package dev.parapet.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A real S3 server on loopback for the query log's object-store tests: S3Proxy (the jar stack-dist copies) with
 * its filesystem store, which creates an object only if it is absent atomically (a hard link) and so can settle a
 * real race of two writers (docs/query-log-object-store.md §14). Requests must be signed with {@link #accessKey()}
 * and {@link #secretKey()}; the buckets named at the start exist.
 */
public final class S3Proxy implements AutoCloseable {

    private final ManagedProcess process;
    private final URI endpoint;
    private final String accessKey;
    private final String secretKey;
    private final Path store;

    private S3Proxy(ManagedProcess process, URI endpoint, String accessKey, String secretKey, Path store) {
        this.process = process;
        this.endpoint = endpoint;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.store = store;
    }

    /** Starts S3Proxy with its objects under {@code directory/store}, the given buckets made, and waits for its port. */
    public static S3Proxy start(Path directory, String... buckets) {
        try {
            directory = directory.toAbsolutePath();
            Path store = directory.resolve("store");
            for (String bucket : buckets) {
                // The filesystem store keeps a bucket as a directory: one made before the start is a bucket.
                Files.createDirectories(store.resolve(bucket));
            }
            int port = Ports.free();
            String accessKey = "parapet-" + UUID.randomUUID().toString().substring(0, 8);
            String secretKey = UUID.randomUUID().toString();
            Path properties = directory.resolve("s3proxy.properties");
            Files.writeString(properties, String.join("\n",
                    "s3proxy.endpoint=http://127.0.0.1:" + port,
                    "s3proxy.authorization=aws-v2-or-v4",
                    "s3proxy.identity=" + accessKey,
                    "s3proxy.credential=" + secretKey,
                    "jclouds.provider=filesystem",
                    "jclouds.identity=" + accessKey,
                    "jclouds.credential=" + secretKey,
                    "jclouds.filesystem.basedir=" + store,
                    ""));
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            ManagedProcess process = ManagedProcess.start("s3proxy", List.of(java.toString(),
                            "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                            "-jar", jar().toString(), "--properties", properties.toString()),
                    Map.of(), directory, directory.resolve("s3proxy.log"));
            Ports.awaitListening(process, port, Duration.ofSeconds(60));
            return new S3Proxy(process, URI.create("http://127.0.0.1:" + port), accessKey, secretKey, store);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The S3Proxy jar stack-dist copied, or a failure saying how to get it. */
    static Path jar() {
        Path jar = Path.of(StackDistribution.layout().getProperty("s3proxy.jar", "")).normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("S3Proxy is not laid out: run 'mvn -pl stack-dist package' (" + jar + ")");
        }
        return jar;
    }

    public URI endpoint() {
        return endpoint;
    }

    public String accessKey() {
        return accessKey;
    }

    public String secretKey() {
        return secretKey;
    }

    /** Where the filesystem store keeps the objects: {@code <bucket>/<key>}. */
    public Path store() {
        return store;
    }

    @Override
    public void close() {
        process.close();
    }
}
