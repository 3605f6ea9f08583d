package dev.parapet.diagnostics.querylog;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import org.duckdb.DuckDBConnection;

/**
 * Searches one account's query log: its files only (the account is a directory chosen from the caller's
 * checked account, and only the hours of the asked range are read), every filter a bound parameter.
 * Thread-safe: each search runs on a connection of its own to one in-process DuckDB.
 */
public final class QueryLogSearch implements AutoCloseable {

    /**
     * What to look for; absent parts (null) match everything.
     *
     * @param from     the range's start (inclusive)
     * @param to       its end (exclusive)
     * @param name     the queried name, exactly
     * @param suffix   the name or any name under it ({@code example.com} matches {@code www.example.com})
     * @param category a category the name was in
     */
    public record Filter(Instant from, Instant to, String user, String agent, String location, String name, String suffix,
                         String action, String category, String policy) {
    }

    /** One verdict of the log. */
    public record Row(String eventId, Instant occurredAt, String locationId, String agentId, String userEmail,
                      String clientAddress, String transport, String queryName, String queryType, String action,
                      String reason, String policyId, List<String> categoryIds, String responseCode, int latencyMicros,
                      boolean cached) {
    }

    /**
     * A page of results, newest first.
     *
     * @param total the verdicts matching in the whole range
     * @param files the hours of the log read to count
     */
    public record Page(long total, int files, List<Row> rows) {
    }

    /** How many times a search lists the files when files it listed went while it read them. */
    static final int LIST_ATTEMPTS = 3;

    private final QueryLogFiles files;
    private final String memoryLimit;
    private final int threads;
    /** Opened at the first search: loading DuckDB (its native library) is not part of the service's start. */
    private DuckDBConnection duck;
    private boolean closed;

    public QueryLogSearch(QueryLogFiles files, String memoryLimit, int threads) {
        this.files = files;
        this.memoryLimit = memoryLimit;
        this.threads = Math.max(1, threads);
    }

    private synchronized DuckDBConnection connection() throws SQLException {
        if (closed) {
            throw new IllegalStateException("The query log's search is closed");
        }
        if (duck == null) {
            duck = QueryLogWriter.bounded(memoryLimit, threads);
        }
        return (DuckDBConnection) duck.duplicate();
    }

    /**
     * Searches the account's log. Files may go between listing and reading them (retention deleting an hour,
     * an account's log deleted on request): a search that failed on a file now gone lists the files again
     * and answers from what is left, so a deleted log answers empty rather than an error.
     */
    public Page search(UUID account, Filter filter, int page, int size) {
        return listedThenRead(() -> hours(account, filter.from(), filter.to()), hours -> search(hours, filter, page, size),
                "The query log could not be searched");
    }

    /** What a reader does with the local files of what it listed, hour by hour; may fail on one that went meanwhile. */
    private interface Read<R> {
        R from(List<List<String>> hours) throws SQLException;
    }

    /**
     * Lists the objects and reads them; a read that failed on one now gone or rewritten (retention, a deletion on request),
     * or on a local copy swept meanwhile, lists them again, at most {@link #LIST_ATTEMPTS} times in all.
     */
    private <R> R listedThenRead(java.util.function.Supplier<List<List<ObjectStore.Listed>>> list, Read<R> read, String failure) {
        for (int attempt = 1; ; attempt++) {
            List<List<ObjectStore.Listed>> listed = list.get();
            List<List<String>> local = List.of();
            try {
                local = local(listed);
                return read.from(local);
            } catch (ObjectStore.Vanished gone) {
                if (attempt == LIST_ATTEMPTS) {
                    throw new IllegalStateException(failure, gone);
                }
            } catch (SQLException e) {
                if (attempt == LIST_ATTEMPTS || (!copyGone(local) && list.get().equals(listed))) {
                    throw new IllegalStateException(failure, e);
                }
            }
        }
    }

    /** Whether a local copy read was swept before DuckDB read it: fetched again at the next attempt. */
    private static boolean copyGone(List<List<String>> hours) {
        return hours.stream().flatMap(List::stream).anyMatch(file -> !Files.exists(Path.of(file)));
    }

    /** The local files DuckDB reads for the objects listed (a directory's own, or the object store's copies). */
    private List<List<String>> local(List<List<ObjectStore.Listed>> listed) throws ObjectStore.Vanished {
        List<Path> paths = files.store().local(listed.stream().flatMap(List::stream).toList());
        List<List<String>> hours = new ArrayList<>(listed.size());
        int next = 0;
        for (List<ObjectStore.Listed> hour : listed) {
            List<String> local = new ArrayList<>(hour.size());
            for (int i = 0; i < hour.size(); i++) {
                local.add(paths.get(next++).toString());
            }
            hours.add(local);
        }
        return hours;
    }

    private Page search(List<List<String>> hours, Filter filter, int page, int size) throws SQLException {
        if (hours.isEmpty()) {
            return new Page(0, 0, List.of());
        }
        List<Object> parameters = new ArrayList<>();
        StringBuilder where = new StringBuilder(" WHERE occurred_at >= ? AND occurred_at < ?");
        parameters.add(timestamp(filter.from()));
        parameters.add(timestamp(filter.to()));
        condition(where, parameters, "user_email = ?", filter.user());
        condition(where, parameters, "agent_id = ?", filter.agent());
        condition(where, parameters, "location_id = ?", filter.location());
        condition(where, parameters, "query_name = ?", filter.name());
        under(where, parameters, filter.suffix());
        condition(where, parameters, "action = ?", filter.action());
        condition(where, parameters, "list_contains(category_ids, ?)", filter.category());
        condition(where, parameters, "policy_id = ?", filter.policy());
        try (DuckDBConnection connection = connection()) {
            // How many match in each hour (only the filters' columns are read), then the page from the hours it
            // falls in, newest first: a page deep in a busy day reads one or two hours' rows, not the day's.
            Map<String, Integer> hourOf = new HashMap<>();
            for (int i = 0; i < hours.size(); i++) {
                for (String file : hours.get(i)) {
                    hourOf.put(file, i);
                }
            }
            long[] perHour = new long[hours.size()];
            try (PreparedStatement count = connection.prepareStatement("SELECT filename, count(*) FROM " + source(hours, true)
                    + where + " GROUP BY filename")) {
                bind(count, parameters, List.of());
                try (ResultSet result = count.executeQuery()) {
                    while (result.next()) {
                        perHour[hourOf.get(result.getString(1))] += result.getLong(2);
                    }
                }
            }
            long total = Arrays.stream(perHour).sum();
            long wanted = (long) page * size;
            long newer = 0;
            long skip = 0;
            List<List<String>> pageHours = new ArrayList<>();
            for (int i = hours.size() - 1; i >= 0 && newer < wanted + size; i--) {
                long here = perHour[i];
                if (here > 0 && newer + here > wanted) {
                    if (pageHours.isEmpty()) {
                        skip = wanted - newer;
                    }
                    pageHours.add(hours.get(i));
                }
                newer += here;
            }
            List<Row> rows = new ArrayList<>();
            if (!pageHours.isEmpty()) {
                try (PreparedStatement select = connection.prepareStatement("SELECT event_id, occurred_at, location_id, agent_id, "
                        + "user_email, client_address, transport, query_name, query_type, action, reason, policy_id, category_ids, "
                        + "response_code, latency_micros, cached FROM " + source(pageHours, false) + where
                        + " ORDER BY occurred_at DESC, kafka_partition, kafka_offset DESC LIMIT ? OFFSET ?")) {
                    bind(select, parameters, List.of(size, skip));
                    try (ResultSet result = select.executeQuery()) {
                        while (result.next()) {
                            rows.add(row(result));
                        }
                    }
                }
            }
            return new Page(total, hours.size(), rows);
        }
    }

    /** Allowed queries of a name, type and location in the hours rolled up, summed over the hours asked for. */
    public record RolledUp(String queryName, String queryType, String locationId, long queries) {
    }

    /** A page of them, the most queried first: the queries and the distinct (name, type, location) in the whole range. */
    public record RolledUpPage(long queries, long names, int hours, List<RolledUp> rows) {
    }

    /**
     * The allowed queries kept as counts once their hours passed the account's horizon for allowed queries
     * ({@link QueryLogRetention}: the detail then holds only what was not allowed), for the hours that overlap
     * {@code [from, to)}, by name (exact, or with everything under it) and location. The files read are the account's
     * roll-ups of those hours, found as {@link #hours} finds the detail's; nothing of the request is in the SQL's text.
     */
    public RolledUpPage rolledUp(UUID account, Instant from, Instant to, String name, String suffix, String location, int page, int size) {
        return listedThenRead(() -> rolledUpFiles(account, from, to), rolled -> rolledUp(rolled, name, suffix, location, page, size),
                "The query log's roll-ups could not be read");
    }

    private RolledUpPage rolledUp(List<List<String>> byHour, String name, String suffix, String location, int page, int size)
            throws SQLException {
        if (byHour.isEmpty()) {
            return new RolledUpPage(0, 0, 0, List.of());
        }
        int hours = byHour.size();
        List<String> rolled = byHour.stream().flatMap(List::stream).toList();
        List<Object> parameters = new ArrayList<>();
        StringBuilder where = new StringBuilder(" WHERE action = 'ALLOWED'");
        condition(where, parameters, "query_name = ?", name);
        under(where, parameters, suffix);
        condition(where, parameters, "location_id = ?", location);
        String grouped = "SELECT query_name, query_type, location_id, sum(count) AS queries FROM read_parquet(["
                + rolled.stream().map(QueryLogWriter::literal).collect(Collectors.joining(", ")) + "], hive_partitioning = false)"
                + where + " GROUP BY query_name, query_type, location_id";
        try (DuckDBConnection connection = connection()) {
            long queries;
            long names;
            try (PreparedStatement totals = connection.prepareStatement("SELECT coalesce(sum(queries), 0), count(*) FROM (" + grouped + ")")) {
                bind(totals, parameters, List.of());
                try (ResultSet result = totals.executeQuery()) {
                    result.next();
                    queries = result.getLong(1);
                    names = result.getLong(2);
                }
            }
            List<RolledUp> rows = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement(grouped
                    + " ORDER BY queries DESC, query_name, query_type, location_id NULLS FIRST LIMIT ? OFFSET ?")) {
                bind(select, parameters, List.of(size, (long) page * size));
                try (ResultSet result = select.executeQuery()) {
                    while (result.next()) {
                        rows.add(new RolledUp(result.getString(1), result.getString(2), result.getString(3), result.getLong(4)));
                    }
                }
            }
            return new RolledUpPage(queries, names, hours, rows);
        }
    }

    /** The account's roll-ups of the hours overlapping the range, hour by hour (finished ones only: unfinished ones have hidden names). */
    List<List<ObjectStore.Listed>> rolledUpFiles(UUID account, Instant from, Instant to) {
        List<List<ObjectStore.Listed>> rolled = new ArrayList<>();
        for (QueryLogFiles.Hour hour : files.hours(QueryLogFiles.rollupAccountKey(account), date(from), date(to))) {
            if (overlaps(hour, from, to)) {
                List<ObjectStore.Listed> finished = hour.objects().stream().filter(object -> {
                    String name = QueryLogFiles.name(object.key());
                    return name.endsWith(".parquet") && !name.startsWith(".");
                }).sorted(java.util.Comparator.comparing(ObjectStore.Listed::key)).toList();
                if (!finished.isEmpty()) {
                    rolled.add(finished);
                }
            }
        }
        return rolled;
    }

    /**
     * One distinct (name, user, device, location) of the log, and how many queries it stands for: what a policy
     * preview replays (the policies decide by these, never by the time or the client's address).
     */
    public record Tuple(String name, String user, String agent, String location, long queries) {
    }

    /**
     * The distinct tuples of a range, the most queried first.
     *
     * @param queries   the queries of the whole range (REFUSED ones, which no policy decided, left out)
     * @param truncated the range holds more tuples than {@code rows} (the least queried were left out)
     */
    public record Tuples(long queries, boolean truncated, List<Tuple> rows) {
    }

    /**
     * The account's distinct tuples between two instants (refused queries left out), at most {@code limit} of them,
     * the most queried first, all in memory: for tests and benchmarks; the API streams them ({@link #openTuples}).
     */
    public Tuples tuples(UUID account, Instant from, Instant to, int limit) {
        try (TupleCursor cursor = openTuples(account, from, to, limit)) {
            List<Tuple> rows = new ArrayList<>();
            while (cursor.next()) {
                rows.add(cursor.tuple());
            }
            return new Tuples(cursor.queries(), cursor.truncated(), rows);
        }
    }

    /**
     * The tuples of a range as a cursor over DuckDB's result, read a row at a time (a million tuples are never Java
     * objects at once). The range's queries are counted first (one column read); the tuples are grouped and the
     * {@code limit + 1} most queried kept, the one past the limit only telling that there were more. Files that
     * went while they were read are listed again, as {@link #search} does. Close it.
     */
    public TupleCursor openTuples(UUID account, Instant from, Instant to, int limit) {
        for (int attempt = 1; ; attempt++) {
            List<List<ObjectStore.Listed>> listed = hours(account, from, to);
            if (listed.isEmpty()) {
                return new TupleCursor(null, null, null, 0, limit);
            }
            List<List<String>> hours;
            try {
                hours = local(listed);
            } catch (ObjectStore.Vanished gone) {
                if (attempt == LIST_ATTEMPTS) {
                    throw new IllegalStateException("The query log could not be read", gone);
                }
                continue;
            }
            DuckDBConnection connection = null;
            PreparedStatement select = null;
            String where = " WHERE occurred_at >= ? AND occurred_at < ? AND action <> 'REFUSED'";
            try {
                connection = connection();
                long queries;
                try (PreparedStatement count = connection.prepareStatement("SELECT count(*) FROM " + source(hours, false) + where)) {
                    bind(count, List.of(timestamp(from), timestamp(to)), List.of());
                    try (ResultSet result = count.executeQuery()) {
                        result.next();
                        queries = result.getLong(1);
                    }
                }
                select = connection.prepareStatement("SELECT query_name, user_email, agent_id, location_id, count(*) AS queries FROM "
                        + source(hours, false) + where + " GROUP BY query_name, user_email, agent_id, location_id"
                        + " ORDER BY queries DESC, query_name, user_email, agent_id, location_id LIMIT ?");
                bind(select, List.of(timestamp(from), timestamp(to)), List.of((long) limit + 1));
                return new TupleCursor(connection, select, select.executeQuery(), queries, limit);
            } catch (SQLException e) {
                closeQuietly(select);
                closeQuietly(connection);
                boolean vanished = copyGone(hours) || !hours(account, from, to).equals(listed);
                if (!vanished || attempt == LIST_ATTEMPTS) {
                    throw new IllegalStateException("The query log could not be read", e);
                }
            }
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable != null) {
            try {
                closeable.close();
            } catch (Exception ignored) {
                // closing after a failure
            }
        }
    }

    /** A range's tuples, read one by one, at most the limit; {@link #truncated()} once read: whether there were more. */
    public static final class TupleCursor implements AutoCloseable {

        private final DuckDBConnection connection;
        private final PreparedStatement statement;
        private final ResultSet result;
        private final long queries;
        private final int limit;
        private Tuple tuple;
        private int read;
        private boolean truncated;

        TupleCursor(DuckDBConnection connection, PreparedStatement statement, ResultSet result, long queries, int limit) {
            this.connection = connection;
            this.statement = statement;
            this.result = result;
            this.queries = queries;
            this.limit = limit;
        }

        /** Moves to the next tuple; false when there is none, or the limit is reached. */
        public boolean next() {
            tuple = null;
            if (result == null || truncated) {
                return false;
            }
            try {
                if (!result.next()) {
                    return false;
                }
                if (read == limit) {
                    truncated = true;   // the row past the limit: only a sign that there were more
                    return false;
                }
                tuple = new Tuple(result.getString(1), result.getString(2), result.getString(3), result.getString(4), result.getLong(5));
                read++;
                return true;
            } catch (SQLException e) {
                throw new IllegalStateException("The query log could not be read", e);
            }
        }

        public Tuple tuple() {
            return tuple;
        }

        /** The tuples read so far. */
        public int read() {
            return read;
        }

        /** Whether the range holds more tuples than the limit (known once {@link #next()} has answered false). */
        public boolean truncated() {
            return truncated;
        }

        /** The queries of the whole range, counted before the tuples were read. */
        public long queries() {
            return queries;
        }

        @Override
        public void close() {
            closeQuietly(result);
            closeQuietly(statement);
            closeQuietly(connection);
        }
    }

    /** The files' paths: the configured root, the account's UUID, dates and hours; nothing from the request's text. */
    private static String source(List<List<String>> hours, boolean withFileName) {
        return "read_parquet([" + hours.stream().flatMap(List::stream).map(QueryLogWriter::literal).collect(Collectors.joining(", "))
                + "], hive_partitioning = false" + (withFileName ? ", filename = true" : "") + ")";
    }

    /**
     * The account's objects within the range, hour by hour (oldest first), each hour's committed ones only:
     * a batch still being written (or left unfinished by a crash, or by a writer another fenced) is not read.
     */
    List<List<ObjectStore.Listed>> hours(UUID account, Instant from, Instant to) {
        List<List<ObjectStore.Listed>> hours = new ArrayList<>();
        Map<Integer, PartitionLog.State> commits = new HashMap<>();
        for (QueryLogFiles.Hour hour : files.hours(QueryLogFiles.accountKey(account), date(from), date(to))) {
            if (overlaps(hour, from, to)) {
                List<ObjectStore.Listed> readable = files.readable(hour.objects(), commits);
                if (!readable.isEmpty()) {
                    hours.add(readable);
                }
            }
        }
        return hours;
    }

    /** The UTC date of the hour an instant lies in (the range's end is exclusive: its last hour is the one before it). */
    private static java.time.LocalDate date(Instant at) {
        return LocalDateTime.ofInstant(at, ZoneOffset.UTC).toLocalDate();
    }

    private static boolean overlaps(QueryLogFiles.Hour hour, Instant from, Instant to) {
        Instant start = hour.date().atTime(hour.hour(), 0).toInstant(ZoneOffset.UTC);
        return start.isBefore(to) && start.plus(1, ChronoUnit.HOURS).isAfter(from);
    }

    private static void condition(StringBuilder where, List<Object> parameters, String sql, String value) {
        if (value != null) {
            where.append(" AND ").append(sql);
            parameters.add(value);
        }
    }

    /** The name {@code suffix} or any name under it ({@code example.com} matches {@code www.example.com}), if asked for. */
    private static void under(StringBuilder where, List<Object> parameters, String suffix) {
        if (suffix != null) {
            where.append(" AND (query_name = ? OR ends_with(query_name, ?))");
            parameters.add(suffix);
            parameters.add("." + suffix);
        }
    }

    private static void bind(PreparedStatement statement, List<Object> parameters, List<Object> more) throws SQLException {
        int index = 1;
        for (Object parameter : parameters) {
            statement.setObject(index++, parameter);
        }
        for (Object parameter : more) {
            statement.setObject(index++, parameter);
        }
    }

    private static LocalDateTime timestamp(Instant instant) {
        return LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    private static Row row(ResultSet result) throws SQLException {
        Timestamp at = result.getTimestamp(2);
        Array categories = result.getArray(13);
        List<String> categoryIds = categories == null ? List.of()
                : Arrays.stream((Object[]) categories.getArray()).map(String::valueOf).toList();
        return new Row(result.getString(1), at.toLocalDateTime().toInstant(ZoneOffset.UTC), result.getString(3), result.getString(4),
                result.getString(5), result.getString(6), result.getString(7), result.getString(8), result.getString(9),
                result.getString(10), result.getString(11), result.getString(12), categoryIds, result.getString(14),
                result.getInt(15), result.getBoolean(16));
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (duck != null) {
            try {
                duck.close();
            } catch (SQLException ignored) {
                // closing
            }
        }
    }
}
