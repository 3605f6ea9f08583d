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
 */
@ConfigurationProperties("parapet.diagnostics.query-log")
public record QueryLogProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("/var/lib/parapet/query-log") String directory,
        @DefaultValue("50000") int batchSize,
        @DefaultValue("10s") Duration maxDelay,
        @DefaultValue("256MB") String searchMemoryLimit,
        @DefaultValue("2") int searchThreads) {

    public QueryLogProperties {
        if (batchSize < 1) {
            throw new IllegalArgumentException("parapet.diagnostics.query-log.batch-size must be at least 1");
        }
        if (!searchMemoryLimit.matches("\\d{1,6}\\s?[KMG]i?B")) {
            throw new IllegalArgumentException("parapet.diagnostics.query-log.search-memory-limit must be like 256MB");
        }
    }
}
