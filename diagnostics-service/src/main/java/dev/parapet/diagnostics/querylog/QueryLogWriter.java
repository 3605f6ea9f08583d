package dev.parapet.diagnostics.querylog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * of each batch, through an in-process DuckDB. For an account that asks for pseudonyms ({@link QueryLogPrivacy})
 * the user's email address and the client's address are written as pseudonyms, and the identities first seen by
 * this writer are sealed into the account's vault (one file per batch, in place before the batch is committed).
 * Not thread-safe: one writer per consuming thread.
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

    /** Pseudonyms this writer has sealed into their vault (so each is written once per writer, not once per batch). */
    static final int MAX_VAULTED = 1_000_000;

    private final QueryLogFiles files;
    private final QueryLogPrivacy privacy;
    private final DuckDBConnection duck;
    private final java.util.Set<String> vaulted = new java.util.HashSet<>();

    public QueryLogWriter(QueryLogFiles files) {
        this(files, null);
    }

    /** A writer that honours the accounts' pseudonyms ({@code privacy} null: none does). */
    public QueryLogWriter(QueryLogFiles files, QueryLogPrivacy privacy) {
        this.files = files;
        this.privacy = privacy;
        try {
            // A writer's working set is one batch: bounded, and off the service's heap.
            duck = bounded("128MB", 1);
            try (Statement statement = duck.createStatement()) {
                statement.execute("CREATE TABLE batch (" + COLUMNS + ")");
                statement.execute("CREATE TABLE vault (pseudonym VARCHAR, sealed VARCHAR)");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("DuckDB did not start for the query log", e);
        }
    }

    /**
     * Writes one batch of one partition (its entries in offset order, the batch's range being that of
     * its first and last entry's offsets; offsets skipped in between, such as unreadable records, are
     * part of it), then commits it, in the epoch of this instance's claim on the partition (claimed now if it holds none).
     *
     * @throws PartitionLog.Fenced if another instance claimed the partition since: the batch's files never count
     */
    public void write(QueryLogFiles.Batch batch, List<Entry> entries) {
        // Named with the epoch of this instance's claim on the partition: only that epoch's commit makes them count.
        batch = batch.inEpoch(files.claimed(batch.partition()).epoch());
        Map<Hour, List<Entry>> byHour = new LinkedHashMap<>();
        for (Entry entry : entries) {
            if (entry.partition() != batch.partition() || entry.offset() < batch.first() || entry.offset() > batch.last()) {
                throw new IllegalArgumentException("offset " + entry.partition() + "-" + entry.offset() + " is not in " + batch);
            }
            LocalDateTime at = LocalDateTime.ofInstant(entry.verdict().getOccurredAt(), ZoneOffset.UTC);
            byHour.computeIfAbsent(new Hour(entry.verdict().getAccountId(), at.toLocalDate(), at.getHour()), hour -> new ArrayList<>())
                    .add(entry);
        }
        Map<UUID, Map<String, String>> newIdentities = new LinkedHashMap<>();
        try {
            for (Map.Entry<Hour, List<Entry>> hour : byHour.entrySet()) {
                UUID account = hour.getKey().account();
                Map<String, String> pseudonyms = privacy != null && privacy.pseudonymises(account)
                        ? newIdentities.computeIfAbsent(account, a -> new LinkedHashMap<>()) : null;
                String key = QueryLogFiles.hourKey(hour.getKey().account(), hour.getKey().date(), hour.getKey().hour()) + batch.fileName();
                Path temporary = files.store().temporary(key);
                try (Statement statement = duck.createStatement()) {
                    // Empty first, whatever a failed write before left: a file holds only its own account's hour.
                    statement.execute("DELETE FROM batch");
                    append(hour.getValue(), account, pseudonyms);
                    // The path is the store's own temporary (a UUID): no text from outside.
                    statement.execute("COPY batch TO " + literal(temporary.toString()) + " (FORMAT parquet, COMPRESSION zstd)");
                    statement.execute("DELETE FROM batch");
                } catch (SQLException e) {
                    Files.deleteIfExists(temporary);
                    throw e;
                }
                files.store().publish(temporary, key);
            }
            for (Map.Entry<UUID, Map<String, String>> account : newIdentities.entrySet()) {
                seal(batch, account.getKey(), account.getValue());
            }
        } catch (SQLException e) {
            throw new IllegalStateException("The query log could not write " + batch, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        files.commit(batch);
    }

    /** Into the account's vault: the identities of this batch not yet sealed by this writer. */
    private void seal(QueryLogFiles.Batch batch, UUID account, Map<String, String> pseudonyms) throws SQLException, IOException {
        String vault = QueryLogFiles.identitiesKey(account);
        if (vaulted.size() > MAX_VAULTED) {
            vaulted.clear();
        } else if (vaulted.stream().anyMatch(key -> key.startsWith(account + "/")) && !files.store().any(vault, null)) {
            vaulted.removeIf(key -> key.startsWith(account + "/"));   // its log, the vault with it, was deleted on request
        }
        List<Map.Entry<String, String>> unsealed = pseudonyms.entrySet().stream()
                .filter(identity -> !vaulted.contains(account + "/" + identity.getValue())).toList();
        if (unsealed.isEmpty()) {
            return;
        }
        Path temporary = files.store().temporary(vault + batch.fileName());
        try (Statement statement = duck.createStatement()) {
            statement.execute("DELETE FROM vault");
            try (DuckDBAppender appender = duck.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "vault")) {
                for (Map.Entry<String, String> identity : unsealed) {
                    appender.beginRow();
                    appender.append(identity.getValue());
                    appender.append(privacy.seal(account, identity.getValue(), identity.getKey()));
                    appender.endRow();
                }
            }
            statement.execute("COPY vault TO " + literal(temporary.toString()) + " (FORMAT parquet, COMPRESSION zstd)");
            statement.execute("DELETE FROM vault");
        } catch (SQLException e) {
            Files.deleteIfExists(temporary);
            throw e;
        }
        files.store().publish(temporary, vault + batch.fileName());
        unsealed.forEach(identity -> vaulted.add(account + "/" + identity.getValue()));
    }

    /** An identity as the log holds it: itself, or the account's pseudonym for it (remembered for the vault). */
    private String shown(UUID account, String identity, Map<String, String> pseudonyms) {
        if (identity == null || pseudonyms == null) {
            return identity;
        }
        return pseudonyms.computeIfAbsent(identity, i -> privacy.pseudonym(account, i));
    }

    private void append(List<Entry> entries, UUID account, Map<String, String> pseudonyms) throws SQLException {
        try (DuckDBAppender appender = duck.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "batch")) {
            for (Entry entry : entries) {
                DnsVerdict verdict = entry.verdict();
                appender.beginRow();
                appender.append(verdict.getEventId().toString());
                appender.append(LocalDateTime.ofInstant(verdict.getOccurredAt(), ZoneOffset.UTC));
                appendNullable(appender, verdict.getLocationId());
                appendNullable(appender, verdict.getAgentId());
                appendNullable(appender, shown(account, verdict.getUserEmail(), pseudonyms));
                appender.append(shown(account, verdict.getClientAddress(), pseudonyms));
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

    /**
     * An in-process DuckDB with its memory (off the heap) and threads bounded, keeping the order rows were written in:
     * every connection the query log opens is one of these.
     */
    static DuckDBConnection bounded(String memoryLimit, int threads) throws SQLException {
        DuckDBConnection opened = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:");
        try (Statement statement = opened.createStatement()) {
            statement.execute("SET memory_limit = " + literal(memoryLimit));
            statement.execute("SET threads = " + threads);
            statement.execute("SET preserve_insertion_order = true");
        } catch (SQLException e) {
            opened.close();
            throw e;
        }
        return opened;
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
