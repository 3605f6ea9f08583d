package dev.parapet.diagnostics.querylog;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The query log's settings ({@code parapet.diagnostics.query-log.*}).
 *
 * @param enabled           whether this instance reads verdicts into the log (searches work either way)
 * @param directory         the log's root, shared by every instance: a directory kept across restarts (a volume); unlike
 *                          the state directory it is not rebuilt from Kafka once the verdicts topic's retention has passed
 * @param batchSize         verdicts of one partition written as one batch
 * @param maxDelay          how long a verdict may wait to be written (how far the log trails the queries)
 * @param searchMemoryLimit DuckDB's memory for searches (off the heap)
 * @param searchThreads     DuckDB's threads for searches
 * @param retention         how long the log keeps what, unless an account set its own ({@code retention.*})
 * @param pseudonymKey      base64 of at least 32 random bytes, the same on every instance: the accounts' pseudonyms and
 *                          their sealed identities derive from it ({@link QueryLogPrivacy}); unset, one is made in the root
 *                          (a directory root only: an object store needs it set)
 * @param objectStore       the log in an S3 bucket instead of the directory ({@code object-store.*}; unset: the directory)
 */
@ConfigurationProperties("parapet.diagnostics.query-log")
public record QueryLogProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("/var/lib/parapet/query-log") String directory,
        @DefaultValue("50000") int batchSize,
        @DefaultValue("10s") Duration maxDelay,
        @DefaultValue("256MB") String searchMemoryLimit,
        @DefaultValue("2") int searchThreads,
        @DefaultValue RetentionProperties retention,
        String pseudonymKey,
        @DefaultValue ObjectStoreProperties objectStore) {

    @Override
    public String toString() {   // never the key
        return "QueryLogProperties[enabled=" + enabled + ", directory=" + directory + ", batchSize=" + batchSize + ", maxDelay=" + maxDelay
                + ", retention=" + retention + ", pseudonymKey=" + (pseudonymKey == null || pseudonymKey.isBlank() ? "unset" : "set")
                + ", objectStore=" + objectStore + "]";
    }

    /**
     * The query log in an object store that speaks S3's API ({@code parapet.diagnostics.query-log.object-store.*};
     * docs/query-log-object-store.md). The store must create an object only if absent ({@code If-None-Match: *})
     * atomically, as AWS S3 does; the service checks that it refuses a second create at its start.
     *
     * @param url             {@code s3://bucket} or {@code s3://bucket/prefix}; blank: the log stays in {@code directory}
     * @param endpoint        the store's address (such as {@code https://minio.internal:9000}); blank: AWS's regional endpoint
     * @param region          the region requests are signed for
     * @param pathStyle       requests as {@code endpoint/bucket/key} (most S3-compatible stores); false for AWS's
     *                        {@code bucket.endpoint/key}
     * @param accessKeyId     with {@code secretAccessKey}, the store's keys; both blank: the SDK's default chain (environment,
     *                        web identity, instance profile). Secrets: in diagnostics-service.properties, never logged
     * @param cacheDirectory  where searches' local copies of the log's objects, and the objects being written, are kept
     *                        (it holds log data: keep it on the service's own volume)
     * @param cacheSize       how much of the local copies is kept (the least recently read go first)
     * @param lease           how long retention's hold on the log lasts unless renewed (renewed every third of it)
     */
    public record ObjectStoreProperties(
            String url,
            String endpoint,
            @DefaultValue("us-east-1") String region,
            @DefaultValue("true") boolean pathStyle,
            String accessKeyId,
            String secretAccessKey,
            @DefaultValue("/var/lib/parapet/query-log-cache") String cacheDirectory,
            @DefaultValue("2GB") org.springframework.util.unit.DataSize cacheSize,
            @DefaultValue("2m") Duration lease) {

        public ObjectStoreProperties {
            if (lease.compareTo(Duration.ofSeconds(3)) < 0) {
                throw new IllegalArgumentException("parapet.diagnostics.query-log.object-store.lease must be at least 3s");
            }
        }

        /** Whether the log is in an object store. */
        public boolean configured() {
            return url != null && !url.isBlank();
        }

        /** Where the store is; checked (the URL's form, both keys or neither). */
        S3ObjectStore.Location location() {
            return new S3ObjectStore.Location(java.net.URI.create(url.strip()), blank(endpoint) ? null : java.net.URI.create(endpoint.strip()),
                    region, pathStyle, blank(accessKeyId) ? null : accessKeyId.strip(), blank(secretAccessKey) ? null : secretAccessKey.strip());
        }

        private static boolean blank(String value) {
            return value == null || value.isBlank();
        }

        @Override
        public String toString() {   // never the keys
            return configured() ? "ObjectStoreProperties[url=" + url + ", endpoint=" + endpoint + ", region=" + region + ", pathStyle=" + pathStyle
                    + ", keys=" + (blank(accessKeyId) ? "default chain" : "set") + ", cacheDirectory=" + cacheDirectory + ", cacheSize=" + cacheSize
                    + ", lease=" + lease + "]" : "unset";
        }
    }

    /**
     * The query log's retention ({@code parapet.diagnostics.query-log.retention.*}).
     *
     * @param allowedDays  days ALLOWED queries are kept in detail, by default (then as hourly roll-ups)
     * @param securityDays days every other outcome, and the roll-ups, are kept, by default
     * @param interval     how often an instance applies retention (one instance at a time acts on an account)
     * @param enabled      whether this instance applies retention at all
     */
    public record RetentionProperties(
            @DefaultValue("30") int allowedDays,
            @DefaultValue("365") int securityDays,
            @DefaultValue("1h") Duration interval,
            @DefaultValue("true") boolean enabled) {

        public RetentionProperties {
            if (!Retention.violations(allowedDays, securityDays).isEmpty()) {
                throw new IllegalArgumentException("parapet.diagnostics.query-log.retention: " + Retention.violations(allowedDays, securityDays));
            }
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("parapet.diagnostics.query-log.retention.interval must be positive");
            }
        }

        public Retention defaults() {
            return new Retention(allowedDays, securityDays);
        }
    }

    public QueryLogProperties {
        if (batchSize < 1) {
            throw new IllegalArgumentException("parapet.diagnostics.query-log.batch-size must be at least 1");
        }
        if (!searchMemoryLimit.matches("\\d{1,6}\\s?[KMG]i?B")) {
            throw new IllegalArgumentException("parapet.diagnostics.query-log.search-memory-limit must be like 256MB");
        }
    }
}
