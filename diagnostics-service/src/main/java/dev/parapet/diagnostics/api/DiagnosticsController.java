package dev.parapet.diagnostics.api;

import java.security.Principal;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.parapet.diagnostics.audit.AuditProcessor;
import dev.parapet.diagnostics.audit.AuditQueries;
import dev.parapet.diagnostics.devices.DeviceProcessor;
import dev.parapet.diagnostics.devices.DeviceRow;
import dev.parapet.diagnostics.devices.FindingCode;
import dev.parapet.diagnostics.devices.FindingEvents;
import dev.parapet.diagnostics.query.DeviceQueries;
import dev.parapet.diagnostics.query.Instances;
import dev.parapet.diagnostics.query.TrafficQueries;
import dev.parapet.diagnostics.tunnels.TunnelProcessor;
import dev.parapet.diagnostics.tunnels.TunnelQueries;
import dev.parapet.kit.problem.Problems;
import dev.parapet.kit.security.Admin;
import dev.parapet.kit.security.Permission;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

/**
 * What administrators and operators read: an account's device inventory with health findings, its
 * activity and security reports over time ranges, and a live stream of counters and findings. Every
 * endpoint needs an administrator of the account with {@code web-security:read}.
 */
@RestController
@RequestMapping("/api/v1/accounts/{accountId}/diagnostics")
public class DiagnosticsController {

    static final int MAX_PAGE_SIZE = 500;
    static final Duration MAX_RANGE = Duration.ofDays(7);

    private final Instances instances;
    private final DeviceQueries devices;
    private final TrafficQueries traffic;
    private final FindingEvents findings;
    private final JsonMapper json;
    private final LiveStreams live;
    private final AuditQueries audit;
    private final TunnelQueries tunnels;

    public DiagnosticsController(Instances instances, DeviceQueries devices, TrafficQueries traffic, FindingEvents findings,
                                 JsonMapper json, LiveStreams live, AuditQueries audit, TunnelQueries tunnels) {
        this.live = live;
        this.tunnels = tunnels;
        this.audit = audit;
        this.instances = instances;
        this.devices = devices;
        this.traffic = traffic;
        this.findings = findings;
        this.json = json;
    }

    /** The inventory, by host name; filters: {@code finding}, {@code protected}, {@code status}, {@code q} (see {@link DeviceSearch}). */
    @GetMapping("/devices")
    public Mono<ResponseEntity<?>> devices(@PathVariable UUID accountId, @RequestParam(defaultValue = "0") int page,
                                           @RequestParam(defaultValue = "50") int size, @RequestParam(required = false) String finding,
                                           @RequestParam(name = "protected", required = false) Boolean isProtected,
                                           @RequestParam(required = false) String status,
                                           @RequestParam(required = false) String q,
                                           @AuthenticationPrincipal Admin admin, ServerHttpRequest request) {
        admin.require(accountId, Permission.WEB_SECURITY_READ);
        paging(page, size);
        Optional<FindingCode> code = findingCode(finding);
        Predicate<DeviceRow> search = DeviceSearch.of(q);
        Predicate<DeviceRow> filter = row -> code.map(c -> row.findings().stream().anyMatch(f -> f.code() == c)).orElse(true)
                && (isProtected == null || row.protectedNow() == isProtected)
                && (status == null || status.equalsIgnoreCase(row.status()))
                && search.test(row);
        return instances.answer(DeviceProcessor.DEVICES_STORE, accountId, request,
                metadata -> devices.page(accountId, metadata, filter, page, size));
    }

    @GetMapping("/devices/{agentId}")
    public Mono<ResponseEntity<?>> device(@PathVariable UUID accountId, @PathVariable UUID agentId,
                                          @AuthenticationPrincipal Admin admin, ServerHttpRequest request) {
        admin.require(accountId, Permission.WEB_SECURITY_READ);
        return instances.answer(DeviceProcessor.DEVICES_STORE, accountId, request, metadata -> devices.device(accountId, agentId, metadata)
                .orElseThrow(() -> Problems.notFound("The account has no device with agent id " + agentId + ".")));
    }

    /** Every current finding of the account's devices, newest first. */
    @GetMapping("/findings")
    public Mono<ResponseEntity<?>> findings(@PathVariable UUID accountId, @RequestParam(defaultValue = "0") int page,
                                            @RequestParam(defaultValue = "50") int size, @RequestParam(required = false) String code,
                                            @AuthenticationPrincipal Admin admin, ServerHttpRequest request) {
        admin.require(accountId, Permission.WEB_SECURITY_READ);
        paging(page, size);
        Optional<FindingCode> finding = findingCode(code);
        return instances.answer(DeviceProcessor.DEVICES_STORE, accountId, request,
                metadata -> devices.findings(accountId, metadata, finding, page, size));
    }

    /**
     * The clients suspected of tunnelling data through DNS, most recently seen first (at most {@code limit}):
     * who, through which registered domain, since when, in how many minutes, why, and a few of the names asked.
     * {@code active=true} keeps only those seen in the last {@link dev.parapet.diagnostics.tunnels.TunnelFinding#ACTIVE}.
     */
    @GetMapping("/tunnels")
    public Mono<ResponseEntity<?>> tunnels(@PathVariable UUID accountId, @RequestParam(defaultValue = "false") boolean active,
                                           @RequestParam(defaultValue = "100") int limit, @AuthenticationPrincipal Admin admin,
                                           ServerHttpRequest request) {
        admin.require(accountId, Permission.WEB_SECURITY_READ);
        paging(0, limit);
        return instances.answer(TunnelProcessor.STORE, accountId, request, metadata -> tunnels.of(accountId, metadata, active, limit));
    }

    /**
     * The account's audit log, newest first: every change and every reveal or download, who, when, before and after.
     * Filters: {@code from}, {@code to} (ISO instants), {@code action} (a prefix: {@code policy.}), {@code actor} (a
     * subject), {@code resourceType}, {@code q} (text in the resource id or the states).
     */
    @GetMapping("/audit")
    public Mono<ResponseEntity<?>> audit(@PathVariable UUID accountId, @RequestParam(defaultValue = "0") int page,
                                         @RequestParam(defaultValue = "50") int size, @RequestParam(required = false) String from,
                                         @RequestParam(required = false) String to, @RequestParam(required = false) String action,
                                         @RequestParam(required = false) String actor, @RequestParam(required = false) String resourceType,
                                         @RequestParam(required = false) String q,
                                         @AuthenticationPrincipal Admin admin, ServerHttpRequest request) {
        admin.require(accountId, Permission.WEB_SECURITY_READ);
        paging(page, size);
        AuditQueries.Filter filter = new AuditQueries.Filter(optionalInstant("from", from), optionalInstant("to", to), bounded(action, "action"),
                bounded(actor, "actor"), bounded(resourceType, "resourceType"), bounded(q, "q"));
        return instances.answer(AuditProcessor.STORE, accountId, request, metadata -> audit.page(accountId, metadata, filter, page, size));
    }

    private static Instant optionalInstant(String field, String value) {
        return value == null || value.isBlank() ? null : instant(field, value);
    }

    private static String bounded(String value, String field) {
        if (value == null || value.isBlank()) {
            return null;
        }
        if (value.length() > 200) {
            throw Problems.invalid(field, "must be at most 200 characters");
        }
        return value.strip();
    }

    /** Queries, stopped and failed queries per window ({@code interval}: SECOND, MINUTE or HOUR) over the range. */
    @GetMapping("/reports/activity")
    public Mono<ResponseEntity<?>> activity(@PathVariable UUID accountId, @RequestParam(required = false) String from,
                                            @RequestParam(required = false) String to, @RequestParam(defaultValue = "MINUTE") String interval,
                                            @AuthenticationPrincipal Admin admin, ServerHttpRequest request) {
        admin.require(accountId, Permission.WEB_SECURITY_READ);
        TrafficQueries.Interval resolution = interval(interval);
        Range range = range(from, to, resolution);
        return instances.answer(resolution.store, accountId, request,
                metadata -> traffic.series(accountId, range.from(), range.to(), resolution, metadata));
    }

    /** Totals by action, location, agent, user and category, top stopped, allowed and failed names, security categories. */
    @GetMapping("/reports/summary")
    public Mono<ResponseEntity<?>> summary(@PathVariable UUID accountId, @RequestParam(required = false) String from,
                                           @RequestParam(required = false) String to, @RequestParam(defaultValue = "10") int limit,
                                           @AuthenticationPrincipal Admin admin, ServerHttpRequest request) {
        admin.require(accountId, Permission.WEB_SECURITY_READ);
        if (limit < 1 || limit > 100) {
            throw Problems.invalid("limit", "must be from 1 to 100");
        }
        Range range = range(from, to, TrafficQueries.Interval.MINUTE);
        return instances.answer(TrafficQueries.Interval.MINUTE.store, accountId, request,
                metadata -> traffic.summary(accountId, range.from(), range.to(), limit, metadata));
    }

    /**
     * Server-sent events: {@code counters} every second (queries, stopped and failed queries per second over the
     * last minute) and {@code finding} whenever a finding is raised or cleared on one of the account's devices;
     * {@code token-expired} last, when the administrator's token expires ({@link LiveStreams}).
     */
    @GetMapping(path = "/live", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    public Flux<ServerSentEvent<String>> live(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin,
                                              Principal principal, ServerHttpRequest request) {
        admin.require(accountId, Permission.WEB_SECURITY_READ);
        Instant expiresAt = principal instanceof Authentication authentication && authentication.getCredentials() instanceof Jwt token
                ? token.getExpiresAt() : null;
        return instances.stream(TrafficQueries.Interval.SECOND.store, accountId, request, metadata -> live.open(accountId, expiresAt, () -> {
            Flux<ServerSentEvent<String>> counters = Flux.interval(Duration.ZERO, Duration.ofSeconds(1))
                    .onBackpressureDrop()
                    .concatMap(tick -> Mono.fromCallable(() -> counters(accountId, metadata)).subscribeOn(Schedulers.boundedElastic()),
                            1);
            Flux<ServerSentEvent<String>> changes = findings.of(accountId)
                    .map(event -> ServerSentEvent.builder(json.writeValueAsString(event)).event("finding").build());
            return Flux.merge(counters, changes);
        }));
    }

    private ServerSentEvent<String> counters(UUID accountId, org.apache.kafka.streams.KeyQueryMetadata metadata) {
        Instant now = Instant.now();
        Instant end = now.minusMillis(Math.floorMod(now.toEpochMilli(), 1000));
        var series = traffic.series(accountId, end.minusSeconds(60), end, TrafficQueries.Interval.SECOND, metadata);
        TrafficQueries.Bucket last = series.get(series.size() - 1);
        var body = new LiveCounters(end, last.queries(), last.stopped(), last.failed(),
                series.stream().map(b -> new long[] {b.start().toEpochMilli(), b.queries(), b.stopped(), b.failed()}).toList());
        return ServerSentEvent.builder(json.writeValueAsString(body)).event("counters").build();
    }

    /** The live counters: the last complete second, and each of the last 60 as [start millis, queries, stopped, failed]. */
    record LiveCounters(Instant at, long queriesPerSecond, long stoppedPerSecond, long failedPerSecond, java.util.List<long[]> lastMinute) {
    }

    record Range(Instant from, Instant to) {
    }

    private static Range range(String from, String to, TrafficQueries.Interval resolution) {
        Instant end = to == null ? Instant.now() : instant("to", to);
        Instant start = from == null ? end.minus(Duration.ofHours(1)) : instant("from", from);
        if (!start.isBefore(end)) {
            throw Problems.invalid("from", "must be before 'to'");
        }
        if (Duration.between(start, end).compareTo(MAX_RANGE) > 0) {
            throw Problems.invalid("from", "a range is at most " + MAX_RANGE.toDays() + " days");
        }
        if (Duration.between(start, end).toMillis() / resolution.millis > 10_080) {
            throw Problems.invalid("interval", "too many " + resolution.name().toLowerCase(Locale.ROOT)
                    + " windows in the range (at most 10 080); choose a coarser interval");
        }
        return new Range(start, end);
    }

    private static Instant instant(String field, String value) {
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw Problems.invalid(field, "must be an ISO-8601 instant such as 2026-12-01T10:00:00Z");
        }
    }

    private static TrafficQueries.Interval interval(String value) {
        try {
            return TrafficQueries.Interval.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw Problems.invalid("interval", "must be one of " + Arrays.toString(TrafficQueries.Interval.values()));
        }
    }

    private static Optional<FindingCode> findingCode(String value) {
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(FindingCode.valueOf(value.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            throw Problems.invalid("finding", "must be one of " + Arrays.toString(FindingCode.values()));
        }
    }

    private static void paging(int page, int size) {
        if (page < 0) {
            throw Problems.invalid("page", "must be 0 or more");
        }
        if (size < 1 || size > MAX_PAGE_SIZE) {
            throw Problems.invalid("size", "must be from 1 to " + MAX_PAGE_SIZE);
        }
    }
}
