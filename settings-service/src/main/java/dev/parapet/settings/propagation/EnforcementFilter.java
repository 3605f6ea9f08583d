package dev.parapet.settings.propagation;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import dev.parapet.settings.commands.SentCommands;
import dev.parapet.settings.propagation.PropagationLog.ResolverStatus;
import dev.parapet.settings.propagation.PropagationState.Propagation;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every successful write of an account's configuration answers with its change id
 * ({@code Parapet-Change-Id}, to ask {@code GET …/changes/{id}} where it has reached); a write with
 * {@code ?wait=enforced} answers only once every live resolver enforces the change, or once
 * {@code parapet.settings.propagation.enforced-wait} has passed, and says which in
 * {@code Parapet-Enforcement}. The write itself is done (acknowledged and shown) before the wait:
 * the wait never changes whether it happened, only when the answer comes.
 */
public final class EnforcementFilter implements WebFilter {

    public static final String CHANGE_ID = "Parapet-Change-Id";
    public static final String ENFORCEMENT = "Parapet-Enforcement";
    private static final Pattern ACCOUNT_PATH = Pattern.compile("/api/v1/accounts/([0-9a-fA-F-]{36})/.+");
    private static final List<HttpMethod> WRITES = List.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE);

    private final PropagationState propagation;
    private final Duration bound;
    private final JsonMapper json;

    public EnforcementFilter(PropagationState propagation, Duration bound, JsonMapper json) {
        this.propagation = propagation;
        this.bound = bound;
        this.json = json;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        Matcher path = ACCOUNT_PATH.matcher(exchange.getRequest().getPath().value());
        if (!WRITES.contains(exchange.getRequest().getMethod()) || !path.matches()) {
            return chain.filter(exchange);
        }
        UUID accountId;
        try {
            accountId = UUID.fromString(path.group(1));
        } catch (IllegalArgumentException notAnAccount) {
            return chain.filter(exchange);
        }
        List<String> wait = exchange.getRequest().getQueryParams().get("wait");
        if (wait != null && (wait.size() != 1 || !"enforced".equals(wait.get(0)))) {
            return badWait(exchange);
        }
        boolean waitEnforced = wait != null;
        SentCommands sent = new SentCommands();
        exchange.getResponse().beforeCommit(() -> answer(exchange.getResponse(), accountId, sent, waitEnforced));
        return chain.filter(exchange).contextWrite(Context.of(SentCommands.class, sent));
    }

    private Mono<Void> answer(ServerHttpResponse response, UUID accountId, SentCommands sent, boolean waitEnforced) {
        HttpStatusCode status = response.getStatusCode();
        Optional<UUID> changeId = sent.last();
        if (changeId.isEmpty() || status == null || !status.is2xxSuccessful()) {
            return Mono.empty();
        }
        HttpHeaders headers = response.getHeaders();
        headers.set(CHANGE_ID, changeId.get().toString());
        if (!waitEnforced) {
            return Mono.empty();
        }
        long started = System.nanoTime();
        return propagation.awaitEnforced(accountId, changeId.get(), bound)
                .map(Optional::of).defaultIfEmpty(Optional.empty())
                .doOnNext(reached -> headers.set(ENFORCEMENT,
                        describe(reached, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started))))
                .then();
    }

    /**
     * The {@code Parapet-Enforcement} value: an outcome, then what was counted.
     * {@code enforced} (every live resolver has it), {@code timeout} (the bound passed first),
     * {@code no-resolvers} (none is live), {@code not-carried} (resolvers do not enforce what it
     * changed, e.g. agent settings), {@code unknown} (it wrote nothing resolvers or agents follow).
     */
    static String describe(Optional<Propagation> reached, long waitedMillis) {
        if (reached.isEmpty()) {
            return "unknown; waited-ms=" + waitedMillis;
        }
        ResolverStatus resolvers = reached.get().resolvers();
        String outcome = !resolvers.carried() ? "not-carried"
                : resolvers.total() == 0 ? "no-resolvers"
                : resolvers.enforced() ? "enforced"
                : "timeout";
        StringBuilder value = new StringBuilder(outcome);
        if (resolvers.carried()) {
            value.append("; applied=").append(resolvers.applied()).append("; resolvers=").append(resolvers.total());
        }
        resolvers.lastAppliedAfter().ifPresent(after -> value.append("; after-ms=").append(after.toMillis()));
        return value.append("; waited-ms=").append(waitedMillis).toString();
    }

    private Mono<Void> badWait(ServerWebExchange exchange) {
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", "about:blank");
        String reason = "must be 'enforced' (answer once every live resolver enforces the change), given once";
        problem.put("title", "Invalid input");
        problem.put("status", HttpStatus.BAD_REQUEST.value());
        problem.put("detail", "wait: " + reason);
        problem.put("instance", exchange.getRequest().getPath().value());
        problem.put("errors", List.of(Map.of("field", "wait", "reason", reason)));
        ServerHttpResponse response = exchange.getResponse();
        response.setStatusCode(HttpStatus.BAD_REQUEST);
        response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        return response.writeWith(Mono.just(response.bufferFactory().wrap(json.writeValueAsBytes(problem))));
    }
}
