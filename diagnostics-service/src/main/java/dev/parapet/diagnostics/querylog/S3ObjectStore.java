package dev.parapet.diagnostics.querylog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The query log's objects in an S3 bucket, under a prefix: AWS S3, or a store that speaks its API and honours
 * {@code If-None-Match: *} on PUT atomically (checked at the start, {@link #probe}). Requests are path-style unless
 * told otherwise, and carry checksums only where the API requires them: the SDK's default trailing checksums break
 * many S3-compatible stores (docs/query-log-object-store.md §2, §14).
 */
final class S3ObjectStore implements ObjectStore {

    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9!_.*'()=-]+(/[A-Za-z0-9!_.*'()=-]+)*");
    /** How often a create that raced another request on the same key (409 ConditionalRequestConflict) is tried again. */
    private static final int CONFLICT_ATTEMPTS = 5;

    /**
     * Where the log is and how to reach it.
     *
     * @param url         {@code s3://bucket} or {@code s3://bucket/prefix}
     * @param endpoint    the store's address, or null for AWS's regional endpoint
     * @param accessKeyId null with the secret for the SDK's default chain (environment, web identity, instance profile)
     */
    record Location(URI url, URI endpoint, String region, boolean pathStyle, String accessKeyId, String secretAccessKey) {

        Location {
            if (url == null || !"s3".equals(url.getScheme()) || url.getHost() == null || !BUCKET.matcher(url.getHost()).matches()) {
                throw new IllegalArgumentException("The query log's object store must be s3://bucket or s3://bucket/prefix, not " + url);
            }
            String path = url.getPath() == null ? "" : url.getPath();
            if (!path.isEmpty() && (!PREFIX.matcher(path.substring(1)).matches() || ("/" + path + "/").matches(".*/\\.{1,2}/.*"))) {
                throw new IllegalArgumentException("The query log's object-store prefix must be words joined by '/', without a '/' at its end: " + url);
            }
            if ((accessKeyId == null) != (secretAccessKey == null)) {
                throw new IllegalArgumentException("Set both the object store's access key id and its secret access key, or neither");
            }
        }

        String bucket() {
            return url.getHost();
        }

        /** The prefix every key gets: empty, or the URL's path with a "/" after it. */
        String keyPrefix() {
            String path = url.getPath() == null ? "" : url.getPath();
            return path.isEmpty() ? "" : path.substring(1) + "/";
        }

        @Override
        public String toString() {
            return url + (endpoint == null ? "" : " at " + endpoint);
        }
    }

    private final Location location;
    private final S3Client s3;
    private final String bucket;
    private final String keyPrefix;
    private final ObjectCache cache;
    private final Path work;
    private final Duration leaseTime;
    private final java.util.concurrent.ScheduledExecutorService renewals;
    /** Fetches of local copies (a cold search's), at most eight at once. */
    private final java.util.concurrent.ExecutorService downloads;

    /** A store whose local copies and temporaries live in a directory of the system's temporary files (tests). */
    S3ObjectStore(Location location) {
        this(location, temporaryDirectory(), 256L << 20, Duration.ofMinutes(2));
    }

    /**
     * @param local     where the copies searches read ({@code objects/}) and the files being written ({@code work/}) are kept
     * @param cacheBytes how much of {@code objects/} is kept (the least recently read go first)
     * @param leaseTime how long a hold lasts unless renewed (renewed every third of it)
     */
    S3ObjectStore(Location location, Path local, long cacheBytes, Duration leaseTime) {
        this.location = location;
        this.bucket = location.bucket();
        this.keyPrefix = location.keyPrefix();
        this.cache = new ObjectCache(local.resolve("objects"), cacheBytes);
        this.work = local.resolve("work");
        this.leaseTime = leaseTime;
        this.renewals = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "query-log-lease");
            thread.setDaemon(true);
            return thread;
        });
        this.downloads = java.util.concurrent.Executors.newFixedThreadPool(8, runnable -> {
            Thread thread = new Thread(runnable, "query-log-fetch");
            thread.setDaemon(true);
            return thread;
        });
        try {
            // What a run before this one was writing is gone with it.
            if (Files.isDirectory(work)) {
                try (var stale = Files.list(work)) {
                    for (Path file : stale.toList()) {
                        Files.deleteIfExists(file);
                    }
                }
            }
            Files.createDirectories(work);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        AwsCredentialsProvider credentials = location.accessKeyId() == null ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(location.accessKeyId(), location.secretAccessKey()));
        var builder = S3Client.builder()
                .region(Region.of(location.region()))
                .forcePathStyle(location.pathStyle())
                .credentialsProvider(credentials)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(Apache5HttpClient.builder().maxConnections(32).connectionTimeout(Duration.ofSeconds(5)))
                .overrideConfiguration(c -> c.apiCallAttemptTimeout(Duration.ofSeconds(30)).apiCallTimeout(Duration.ofMinutes(2)));
        if (location.endpoint() != null) {
            builder.endpointOverride(location.endpoint());
        }
        this.s3 = builder.build();
    }

    /** A store as the service opens one: {@linkplain #probe probed}, or closed and the failure thrown. */
    static S3ObjectStore open(Location location, Path local, long cacheBytes, Duration leaseTime) {
        S3ObjectStore store = new S3ObjectStore(location, local, cacheBytes, leaseTime);
        try {
            return store.probe();
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /**
     * Fails unless the store answers and refuses to create an object twice: a store that ignores
     * {@code If-None-Match} would let two writers both believe they own a partition of the log.
     */
    S3ObjectStore probe() {
        String key = "_probe/" + UUID.randomUUID();
        try {
            if (!create(key, new byte[] {1})) {
                throw new IllegalStateException("The query log's object store " + location + " refused to create a new object");
            }
            if (create(key, new byte[] {2})) {
                throw new IllegalStateException("The query log's object store " + location
                        + " does not honour If-None-Match on PUT: the query log cannot be exactly once on it");
            }
        } finally {
            delete(key);
        }
        return this;
    }

    private static Path temporaryDirectory() {
        try {
            return Files.createTempDirectory("parapet-query-log-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String full(String key) {
        return keyPrefix + key;
    }

    @Override
    public String describe() {
        return location.toString();
    }

    private ListObjectsV2Request.Builder listing(String prefix, String startAfter) {
        ListObjectsV2Request.Builder request = ListObjectsV2Request.builder().bucket(bucket).prefix(full(prefix));
        return startAfter == null ? request : request.startAfter(full(startAfter));
    }

    @Override
    public List<Listed> list(String prefix, String startAfter) {
        List<Listed> listed = new ArrayList<>();
        for (S3Object object : s3.listObjectsV2Paginator(listing(prefix, startAfter).build()).contents()) {
            listed.add(new Listed(object.key().substring(keyPrefix.length()), unquoted(object.eTag()), object.size()));
        }
        return listed;
    }

    @Override
    public boolean any(String prefix, String startAfter) {
        return !s3.listObjectsV2(listing(prefix, startAfter).maxKeys(1).build()).contents().isEmpty();
    }

    @Override
    public List<String> children(String prefix) {
        List<String> names = new ArrayList<>();
        for (var common : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(full(prefix)).delimiter("/")).commonPrefixes()) {
            String name = common.prefix().substring(full(prefix).length());
            names.add(name.endsWith("/") ? name.substring(0, name.length() - 1) : name);
        }
        names.sort(null);
        return names;
    }

    @Override
    public Optional<byte[]> read(String key) {
        try {
            return Optional.of(s3.getObjectAsBytes(b -> b.bucket(bucket).key(full(key))).asByteArray());
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public boolean create(String key, byte[] content) {
        for (int attempt = 1; ; attempt++) {
            try {
                s3.putObject(b -> b.bucket(bucket).key(full(key)).ifNoneMatch("*"), RequestBody.fromBytes(content));
                return true;
            } catch (S3Exception e) {
                if (e.statusCode() == 412) {
                    return false;
                }
                // 409: another conditional request on the key was in flight; AWS asks for a retry.
                if (e.statusCode() != 409 || attempt == CONFLICT_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    @Override
    public Path temporary(String key) {
        return work.resolve(UUID.randomUUID() + ".tmp");
    }

    @Override
    public Listed publish(Path file, String key) {
        try {
            long size = Files.size(file);
            PutObjectResponse response = s3.putObject(b -> b.bucket(bucket).key(full(key)), RequestBody.fromFile(file));
            Listed published = new Listed(key, unquoted(response.eTag()), size);
            // What was just written is what the next search of it reads: kept as its local copy, not fetched again.
            cache.keep(published, file);
            return published;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // work/ is emptied at the next start
            }
        }
    }

    @Override
    public void write(String key, byte[] content) {
        s3.putObject(b -> b.bucket(bucket).key(full(key)), RequestBody.fromBytes(content));
    }

    @Override
    public Path local(Listed object) throws Vanished {
        return cache.local(object, this::download);
    }

    /** A cold search's objects fetched several at a time: on a real store each GET waits mostly on the network. */
    @Override
    public List<Path> local(List<Listed> objects) throws Vanished {
        List<java.util.concurrent.Future<Path>> fetched = new ArrayList<>(objects.size());
        for (Listed object : objects) {
            fetched.add(downloads.submit(() -> local(object)));
        }
        List<Path> paths = new ArrayList<>(objects.size());
        try {
            for (java.util.concurrent.Future<Path> path : fetched) {
                paths.add(path.get());
            }
        } catch (java.util.concurrent.ExecutionException e) {
            fetched.forEach(path -> path.cancel(false));
            if (e.getCause() instanceof Vanished vanished) {
                throw vanished;
            }
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            fetched.forEach(path -> path.cancel(true));
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while fetching the query log's objects", e);
        }
        return paths;
    }

    /** Deletes a prefix's objects a thousand at a time (DeleteObjects): an account's log deleted on request. */
    @Override
    public long deleteAll(String prefix) {
        List<Listed> listed = list(prefix, null);
        for (int from = 0; from < listed.size(); from += 1000) {
            List<ObjectIdentifier> keys = listed.subList(from, Math.min(listed.size(), from + 1000)).stream()
                    .map(object -> ObjectIdentifier.builder().key(full(object.key())).build()).toList();
            var answer = s3.deleteObjects(b -> b.bucket(bucket).delete(d -> d.objects(keys).quiet(true)));
            if (answer.hasErrors() && !answer.errors().isEmpty()) {
                throw new IllegalStateException("The query log's object store did not delete " + answer.errors().size() + " object(s) under "
                        + prefix + ", such as " + answer.errors().get(0).key() + ": " + answer.errors().get(0).code());
            }
        }
        return listed.size();
    }

    @Override
    public void forget(String prefix) {
        cache.forget(prefix);
    }

    @Override
    public void move(String from, String to) {
        s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(full(from)).destinationBucket(bucket).destinationKey(full(to)));
        delete(from);
    }

    /** A {@link Lease}: numbered objects under {@code key/}, each created only if absent. */
    @Override
    public Optional<Hold> tryHold(String key, Duration wait) {
        return Lease.take(this, key + "/", wait, leaseTime, renewals);
    }

    @Override
    public void download(Listed object, Path target) throws Vanished {
        Path temporary = ObjectStore.hiddenBeside(target);
        try {
            GetObjectRequest request = GetObjectRequest.builder().bucket(bucket).key(full(object.key()))
                    .ifMatch('"' + object.version() + '"').build();
            s3.getObject(request, ResponseTransformer.toFile(temporary));
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (S3Exception e) {
            if (e.statusCode() == 404 || e.statusCode() == 412) {
                throw new Vanished(object.key());
            }
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException ignored) {
                // a temporary of our own among the copies: swept with them
            }
        }
    }

    @Override
    public void delete(String key) {
        s3.deleteObject(b -> b.bucket(bucket).key(full(key)));
    }

    private static String unquoted(String eTag) {
        return eTag != null && eTag.length() >= 2 && eTag.startsWith("\"") && eTag.endsWith("\"") ? eTag.substring(1, eTag.length() - 1) : eTag;
    }

    @Override
    public void close() {
        renewals.shutdownNow();
        downloads.shutdownNow();
        s3.close();
    }
}
