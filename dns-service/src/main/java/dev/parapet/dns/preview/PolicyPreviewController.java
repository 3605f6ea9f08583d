package dev.parapet.dns.preview;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import com.fasterxml.jackson.annotation.JsonUnwrapped;

import dev.parapet.dns.policy.ResolverState;
import dev.parapet.dns.policy.Snapshot;
import dev.parapet.kit.problem.Problems;
import dev.parapet.kit.security.Admin;
import dev.parapet.kit.security.Permission;
import dev.parapet.schemas.v1.policies.Policy;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * "What would this policy change have done to last week's traffic?": the proposed policy (as settings-service would
 * store it, Avro single-object encoded, {@code Policy.toByteBuffer()}) replayed with {@link PolicyPreview} over the
 * account's distinct tuples of the query log, decided by this resolver's own compiled configuration. settings-service
 * calls it with the policy it validated from the administrator's form (see docs/policies.md "Preview"); it needs
 * {@code web-security:read}, and the query log is read with the administrator's own token.
 */
@RestController
public class PolicyPreviewController {

    /**
     * @param queryLogUrl diagnostics-service's base URL (its query log); blank: previews are not offered
     * @param maxTuples   the most tuples one preview replays (the most queried first)
     * @param timeout     how long the query log may take to answer
     * @param maxPolicyBytes the largest encoded policy accepted
     */
    @ConfigurationProperties("parapet.dns.preview")
    public record Properties(@DefaultValue("") String queryLogUrl, @DefaultValue("1000000") int maxTuples,
                             @DefaultValue("2m") Duration timeout, @DefaultValue("16777216") int maxPolicyBytes) {
    }

    /** The answer: the range replayed, what the log held, and what the change would do. */
    public record Answer(UUID accountId, UUID policyId, UUID removedPolicyId, Instant from, Instant to, long tuplesInLog,
                         long queriesInLog, boolean truncated, @JsonUnwrapped PolicyPreview.Result result) {
    }

    static final int MAX_DAYS = 7;
    static final int TOP = 20;

    private final ResolverState state;
    private final Properties properties;
    private final QueryLogTuples log;

    public PolicyPreviewController(ResolverState state, Properties properties) {
        this.state = state;
        this.properties = properties;
        this.log = properties.queryLogUrl().isBlank() ? null
                : new QueryLogTuples(URI.create(properties.queryLogUrl()), properties.timeout());
    }

    /**
     * @param removes a policy the change deletes (with no body: the preview of deleting it)
     * @param days    how many days back to replay, 1 to 7
     */
    @PostMapping("/api/v1/accounts/{accountId}/dns/policy-preview")
    public Mono<Answer> preview(@PathVariable UUID accountId, @RequestParam(required = false) UUID removes,
                                @RequestParam(defaultValue = "7") int days, @AuthenticationPrincipal Admin admin,
                                ServerHttpRequest request) {
        admin.require(accountId, Permission.WEB_SECURITY_READ);
        if (days < 1 || days > MAX_DAYS) {
            throw Problems.invalid("days", "must be from 1 to " + MAX_DAYS);
        }
        if (log == null) {
            throw Problems.unavailable("Policy previews are not configured here: set parapet.dns.preview.query-log-url "
                    + "to diagnostics-service's address.");
        }
        String authorization = request.getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
        return DataBufferUtils.join(request.getBody(), properties.maxPolicyBytes())
                .map(buffer -> {
                    try {
                        byte[] bytes = new byte[buffer.readableByteCount()];
                        buffer.read(bytes);
                        return bytes;
                    } finally {
                        DataBufferUtils.release(buffer);
                    }
                })
                .defaultIfEmpty(new byte[0])
                .onErrorMap(org.springframework.core.io.buffer.DataBufferLimitException.class,
                        tooBig -> Problems.of(HttpStatus.CONTENT_TOO_LARGE, "Policy too large",
                                "The encoded policy is over " + properties.maxPolicyBytes() + " bytes."))
                .map(bytes -> proposed(accountId, bytes, removes))
                .publishOn(Schedulers.boundedElastic())
                .map(policy -> replay(accountId, policy.orElse(null), removes, days, authorization));
    }

    private java.util.Optional<Policy> proposed(UUID accountId, byte[] bytes, UUID removes) {
        if (bytes.length == 0) {
            if (removes == null) {
                throw Problems.badRequest("Send the proposed policy (Avro single-object encoded) or name the policy removed.");
            }
            return java.util.Optional.empty();
        }
        Policy policy;
        try {
            policy = Policy.fromByteBuffer(ByteBuffer.wrap(bytes));
        } catch (IOException | RuntimeException e) {
            throw Problems.badRequest("The body is not a policy (Avro single-object encoded): " + e.getClass().getSimpleName() + ".");
        }
        if (!accountId.equals(policy.getAccountId())) {
            throw Problems.invalid("accountId", "the policy must be of account " + accountId);
        }
        return java.util.Optional.of(policy);
    }

    private Answer replay(UUID accountId, Policy policy, UUID removes, int days, String authorization) {
        if (removes != null && !state.hasPolicy(accountId, removes)) {
            throw Problems.notFound("There is no policy " + removes + " in this account.");
        }
        Snapshot current = state.snapshot();
        Snapshot proposed = state.proposing(accountId, policy, removes);
        PolicyPreview preview = new PolicyPreview(accountId, current, proposed, TOP);
        Instant to = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Instant from = to.minus(Duration.ofDays(days));
        QueryLogTuples.Read read;
        try {
            read = log.read(accountId, from, to, properties.maxTuples(), authorization, preview::replay);
        } catch (QueryLogTuples.Refused refused) {
            if (refused.status() == 401 || refused.status() == 403) {
                throw Problems.forbidden("The query log refused this administrator's token.");
            }
            throw Problems.of(HttpStatus.BAD_GATEWAY, "Query log unavailable",
                    "The query log answered " + refused.status() + "; try again shortly.");
        } catch (IOException | RuntimeException e) {
            throw Problems.of(HttpStatus.BAD_GATEWAY, "Query log unavailable", "The query log could not be read: "
                    + e.getClass().getSimpleName() + ".");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Problems.unavailable("Interrupted.");
        }
        return new Answer(accountId, policy == null ? null : policy.getPolicyId(), removes, from, to, read.tuples(), read.queries(),
                read.truncated(), preview.result());
    }
}
