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
        String pseudonymKey) {

    @Override
    public String toString() {   // never the key
        return "QueryLogProperties[enabled=" + enabled + ", directory=" + directory + ", batchSize=" + batchSize + ", maxDelay=" + maxDelay
                + ", retention=" + retention + ", pseudonymKey=" + (pseudonymKey == null || pseudonymKey.isBlank() ? "unset" : "set") + "]";
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
