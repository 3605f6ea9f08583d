package dev.parapet.diagnostics.querylog;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Locale;
import java.util.UUID;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import tools.jackson.databind.json.JsonMapper;

import dev.parapet.kit.problem.Problems;
import dev.parapet.kit.security.Admin;
import dev.parapet.kit.security.Permission;
import dev.parapet.schemas.v1.verdicts.Action;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Searches an account's query log: every verdict, newest first, by time range, user, device (agent),
 * location, name (exact or with everything under it), action, category and policy (in an account with pseudonyms,
 * users and clients are shown as pseudonyms, and a user asked for by address is found by its pseudonym). Needs an
 * administrator of the account with {@code web-security:read}; the account searched is the path's, checked
 * against the administrator's, and it picks the files read (see {@link QueryLogSearch}).
 */
@RestController
@RequestMapping("/api/v1/accounts/{accountId}/query-log")
public class QueryLogController {

    static final int MAX_PAGE_SIZE = 500;
    static final Duration MAX_RANGE = Duration.ofDays(31);
    static final int MAX_TEXT = 253;
    static final Instant EARLIEST = Instant.parse("2000-01-01T00:00:00Z");
    static final Instant LATEST = Instant.parse("2999-12-31T00:00:00Z");

    private final QueryLogSearch search;
    private final QueryLogPrivacy privacy;

    public QueryLogController(QueryLogSearch search, QueryLogPrivacy privacy) {
        this.search = search;
        this.privacy = privacy;
    }

    /** The answer: the range searched, how many verdicts match in all of it, and one page of them. */
    public record Result(Instant from, Instant to, long total, int page, int size, java.util.List<QueryLogSearch.Row> verdicts) {
    }

    @GetMapping
    public Mono<Result> search(@PathVariable UUID accountId, @RequestParam(required = false) String from,
                               @RequestParam(required = false) String to, @RequestParam(required = false) String user,
                               @RequestParam(required = false) UUID agent, @RequestParam(required = false) UUID location,
                               @RequestParam(required = false) String name, @RequestParam(required = false) String suffix,
                               @RequestParam(required = false) String action, @RequestParam(required = false) String category,
                               @RequestParam(required = false) UUID policy, @RequestParam(defaultValue = "0") int page,
                               @RequestParam(defaultValue = "50") int size, @AuthenticationPrincipal Admin admin) {
        admin.require(accountId, Permission.WEB_SECURITY_READ);
        paging(page, size);
        Range range = Range.of(from, to, Duration.ofDays(1));
        Instant start = range.from();
        Instant end = range.to();
        // An account with pseudonyms is searched by a user's pseudonym, given or made from the address asked for.
        String who = text("user", user);
        if (who != null && !who.startsWith(QueryLogPrivacy.PREFIX) && privacy.pseudonymises(accountId)) {
            who = privacy.pseudonym(accountId, who);
        }
        QueryLogSearch.Filter filter = new QueryLogSearch.Filter(start, end, who, agent == null ? null : agent.toString(),
                location == null ? null : location.toString(), name(name, "name"), name(suffix, "suffix"), action(action),
                text("category", category), policy == null ? null : policy.toString());
        return Mono.fromCallable(() -> search.search(accountId, filter, page, size))
                .subscribeOn(Schedulers.boundedElastic())
                .map(found -> new Result(start, end, found.total(), page, size, found.rows()));
    }

    /** The roll-ups' answer: the range, the allowed queries and distinct (name, type, location) in it, and one page. */
    public record RolledUpResult(Instant from, Instant to, long queries, long names, int hours, int page, int size,
                                 java.util.List<QueryLogSearch.RolledUp> rows) {
    }

    /**
     * The allowed queries of the hours whose detail no longer holds them (past the account's horizon for allowed queries,
     * {@code allowedDays}): counted per name, query type and location, the most queried first, over the whole hours that
     * overlap the range (by default the last 7 days). By name (exact) or suffix, and location. {@code web-security:read},
     * as a search; no user, device or time within the hour was kept, so none can be asked for.
     */
    @GetMapping("/rolled-up")
    public Mono<RolledUpResult> rolledUp(@PathVariable UUID accountId, @RequestParam(required = false) String from,
                                         @RequestParam(required = false) String to, @RequestParam(required = false) String name,
                                         @RequestParam(required = false) String suffix, @RequestParam(required = false) UUID location,
                                         @RequestParam(defaultValue = "0") int page, @RequestParam(defaultValue = "50") int size,
                                         @AuthenticationPrincipal Admin admin) {
        admin.require(accountId, Permission.WEB_SECURITY_READ);
        paging(page, size);
        Range range = Range.of(from, to, Duration.ofDays(7));
        String exact = name(name, "name");
        String under = name(suffix, "suffix");
        return Mono.fromCallable(() -> search.rolledUp(accountId, range.from(), range.to(), exact, under,
                        location == null ? null : location.toString(), page, size))
                .subscribeOn(Schedulers.boundedElastic())
                .map(found -> new RolledUpResult(range.from(), range.to(), found.queries(), found.names(), found.hours(), page, size,
                        found.rows()));
    }

    static final int MAX_TUPLES = 1_000_000;
    static final int ROWS_PER_CHUNK = 2_000;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * The distinct (name, user, device, location) tuples of a range (by default the last 7 days), with the queries each
     * stands for, the most queried first and at most {@code limit}: what a policy preview replays through dns-service's
     * decisions. {@code web-security:read}, as a search. The answer, {@code {"from", "to", "queries", "rows": [{"name",
     * "user", "agent", "location", "queries"}…], "tuples", "truncated"}} (the rows' count, and whether the range held
     * more, after them), is streamed from DuckDB's result as it
     * is read, {@value #ROWS_PER_CHUNK} rows a chunk and only as fast as the caller reads: a million tuples are never
     * held at once.
     */
    @GetMapping("/tuples")
    public Mono<Void> tuples(@PathVariable UUID accountId, @RequestParam(required = false) String from,
                             @RequestParam(required = false) String to, @RequestParam(defaultValue = "1000000") int limit,
                             @AuthenticationPrincipal Admin admin, ServerHttpResponse response) {
        admin.require(accountId, Permission.WEB_SECURITY_READ);
        if (limit < 1 || limit > MAX_TUPLES) {
            throw Problems.invalid("limit", "must be from 1 to " + MAX_TUPLES);
        }
        Range range = Range.of(from, to, Duration.ofDays(7));
        response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
        DataBufferFactory buffers = response.bufferFactory();
        Flux<DataBuffer> body = Flux
                .<DataBuffer, TupleChunks>generate(
                        () -> new TupleChunks(search.openTuples(accountId, range.from(), range.to(), limit), range),
                        (chunks, sink) -> {
                            String chunk = chunks.next();
                            if (chunk == null) {
                                sink.complete();
                            } else {
                                sink.next(buffers.wrap(chunk.getBytes(StandardCharsets.UTF_8)));
                            }
                            return chunks;
                        }, TupleChunks::close)
                // Every request for more, not only the first, on a worker: reading DuckDB's result blocks.
                .subscribeOn(Schedulers.boundedElastic(), true);
        return response.writeWith(body);
    }

    /** The tuples' JSON, a chunk at a time. */
    private static final class TupleChunks implements AutoCloseable {

        private final QueryLogSearch.TupleCursor cursor;
        private final Range range;
        private boolean started;
        private boolean done;

        TupleChunks(QueryLogSearch.TupleCursor cursor, Range range) {
            this.cursor = cursor;
            this.range = range;
        }

        /** The next chunk of the answer, or null after the last. */
        String next() {
            if (done) {
                return null;
            }
            StringBuilder out = new StringBuilder();
            if (!started) {
                started = true;
                out.append("{\"from\":\"").append(range.from()).append("\",\"to\":\"").append(range.to()).append("\",\"queries\":")
                        .append(cursor.queries()).append(",\"rows\":[");
            }
            for (int rows = 0; rows < ROWS_PER_CHUNK; rows++) {
                if (!cursor.next()) {
                    out.append("],\"tuples\":").append(cursor.read()).append(",\"truncated\":").append(cursor.truncated()).append('}');
                    done = true;
                    break;
                }
                if (cursor.read() > 1) {
                    out.append(',');
                }
                out.append(JSON.writeValueAsString(cursor.tuple()));
            }
            return out.toString();
        }

        @Override
        public void close() {
            cursor.close();
        }
    }

    /** A range asked for: {@code to} now and {@code from} that far before it unless given; at most 31 days. */
    record Range(Instant from, Instant to) {

        static Range of(String from, String to, Duration byDefault) {
            Instant end = to == null ? Instant.now() : instant("to", to);
            Instant start;
            try {
                start = from == null ? end.minus(byDefault) : instant("from", from);
            } catch (java.time.DateTimeException beyondTime) {
                throw Problems.invalid("to", "must be an instant after the year 0");
            }
            if (!start.isBefore(end)) {
                throw Problems.invalid("from", "must be before 'to'");
            }
            if (Duration.between(start, end).compareTo(MAX_RANGE) > 0) {
                throw Problems.invalid("from", "a range is at most " + MAX_RANGE.toDays() + " days");
            }
            return new Range(start, end);
        }
    }

    private static Instant instant(String field, String value) {
        try {
            Instant instant = Instant.parse(value);
            if (instant.isBefore(EARLIEST) || instant.isAfter(LATEST)) {
                throw Problems.invalid(field, "must be between " + EARLIEST + " and " + LATEST);
            }
            return instant;
        } catch (DateTimeParseException e) {
            throw Problems.invalid(field, "must be an ISO-8601 instant such as 2026-12-01T10:00:00Z");
        }
    }

    private static void paging(int page, int size) {
        if (page < 0 || page > 10_000) {
            throw Problems.invalid("page", "must be from 0 to 10000");
        }
        if (size < 1 || size > MAX_PAGE_SIZE) {
            throw Problems.invalid("size", "must be from 1 to " + MAX_PAGE_SIZE);
        }
    }

    private static String text(String field, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        if (value.length() > MAX_TEXT) {
            throw Problems.invalid(field, "must be at most " + MAX_TEXT + " characters");
        }
        return value.strip();
    }

    /** A name as the log holds them: lower case, no trailing dot. */
    private static String name(String value, String field) {
        String name = text(field, value);
        if (name == null) {
            return null;
        }
        name = name.toLowerCase(Locale.ROOT);
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }

    private static String action(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Action.valueOf(value.strip().toUpperCase(Locale.ROOT)).name();
        } catch (IllegalArgumentException e) {
            throw Problems.invalid("action", "must be one of " + Arrays.toString(Action.values()));
        }
    }
}
