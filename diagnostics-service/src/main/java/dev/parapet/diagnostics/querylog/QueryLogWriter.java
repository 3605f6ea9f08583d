package dev.parapet.diagnostics.querylog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

import dev.parapet.schemas.v1.verdicts.DnsVerdict;

/**
 * Writes batches of verdicts into the query log as Parquet files (zstd), one file per account and hour
 * of each batch, through an in-process DuckDB. Not thread-safe: one writer per consuming thread.
 */
public final class QueryLogWriter implements AutoCloseable {

    /** The columns of every file; the account, date and hour are the directories'. */
    static final String COLUMNS = """
            event_id VARCHAR, occurred_at TIMESTAMP, location_id VARCHAR, agent_id VARCHAR, user_email VARCHAR,
            client_address VARCHAR, transport VARCHAR, query_name VARCHAR, query_type VARCHAR, action VARCHAR,
            reason VARCHAR, policy_id VARCHAR, category_ids VARCHAR[], response_code VARCHAR, latency_micros INTEGER,
            cached BOOLEAN, kafka_partition INTEGER, kafka_offset BIGINT""";

    /** One verdict read from Kafka, where it was read. */
    public record Entry(int partition, long offset, DnsVerdict verdict) {
    }

    private record Hour(UUID account, LocalDate date, int hour) {
    }

    private final QueryLogFiles files;
    private final DuckDBConnection duck;

    public QueryLogWriter(QueryLogFiles files) {
        this.files = files;
        try {
            duck = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:");
            try (Statement statement = duck.createStatement()) {
                // A writer's working set is one batch: bounded, and off the service's heap.
                statement.execute("SET memory_limit = '128MB'");
                statement.execute("SET threads = 1");
                statement.execute("SET preserve_insertion_order = true");
                statement.execute("CREATE TABLE batch (" + COLUMNS + ")");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("DuckDB did not start for the query log", e);
        }
    }

    /**
     * Writes one batch of one partition (its entries in offset order, the batch's range being that of
     * its first and last entry's offsets; offsets skipped in between, such as unreadable records, are
     * part of it), then commits it.
     */
    public void write(QueryLogFiles.Batch batch, List<Entry> entries) {
        Map<Hour, List<Entry>> byHour = new LinkedHashMap<>();
        for (Entry entry : entries) {
            if (entry.partition() != batch.partition() || entry.offset() < batch.first() || entry.offset() > batch.last()) {
                throw new IllegalArgumentException("offset " + entry.partition() + "-" + entry.offset() + " is not in " + batch);
            }
            LocalDateTime at = LocalDateTime.ofInstant(entry.verdict().getOccurredAt(), ZoneOffset.UTC);
            byHour.computeIfAbsent(new Hour(entry.verdict().getAccountId(), at.toLocalDate(), at.getHour()), hour -> new ArrayList<>())
                    .add(entry);
        }
        try {
            for (Map.Entry<Hour, List<Entry>> hour : byHour.entrySet()) {
                Path directory = files.hour(hour.getKey().account(), hour.getKey().date(), hour.getKey().hour());
                Files.createDirectories(directory);
                Path file = directory.resolve(batch.fileName());
                Path temporary = directory.resolve(batch.fileName() + ".tmp");
                try (Statement statement = duck.createStatement()) {
                    // Empty first, whatever a failed write before left: a file holds only its own account's hour.
                    statement.execute("DELETE FROM batch");
                    append(hour.getValue());
                    // The path is made of a UUID, a date and numbers under the configured root: no text from outside.
                    statement.execute("COPY batch TO " + literal(temporary.toString()) + " (FORMAT parquet, COMPRESSION zstd)");
                    statement.execute("DELETE FROM batch");
                }
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("The query log could not write " + batch, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        files.commit(batch);
    }

    private void append(List<Entry> entries) throws SQLException {
        try (DuckDBAppender appender = duck.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "batch")) {
            for (Entry entry : entries) {
                DnsVerdict verdict = entry.verdict();
                appender.beginRow();
                appender.append(verdict.getEventId().toString());
                appender.append(LocalDateTime.ofInstant(verdict.getOccurredAt(), ZoneOffset.UTC));
                appendNullable(appender, verdict.getLocationId());
                appendNullable(appender, verdict.getAgentId());
                appendNullable(appender, verdict.getUserEmail());
                appender.append(verdict.getClientAddress());
                appender.append(verdict.getTransport().name());
                appender.append(verdict.getQueryName());
                appender.append(verdict.getQueryType());
                appender.append(verdict.getAction().name());
                appender.append(verdict.getReason().name());
                appendNullable(appender, verdict.getPolicyId());
                appender.append(verdict.getCategoryIds().stream().map(Object::toString).toList());
                appender.append(verdict.getResponseCode());
                appender.append(verdict.getLatencyMicros());
                appender.append(verdict.getCached());
                appender.append(entry.partition());
                appender.append(entry.offset());
                appender.endRow();
            }
        }
    }

    private static void appendNullable(DuckDBAppender appender, Object value) throws SQLException {
        if (value == null) {
            appender.appendNull();
        } else {
            appender.append(value.toString());
        }
    }

    /** A SQL string literal. */
    static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    @Override
    public void close() {
        try {
            duck.close();
        } catch (SQLException ignored) {
            // closing
        }
    }
}
