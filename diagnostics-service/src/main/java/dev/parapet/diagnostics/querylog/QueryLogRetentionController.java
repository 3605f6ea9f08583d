package dev.parapet.diagnostics.querylog;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.UUID;

import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.parapet.kit.problem.Problems;
import dev.parapet.kit.security.Admin;
import dev.parapet.kit.security.Permission;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * An account's query log retention ({@code web-security:read} to see it, {@code web-security:write} to set it),
 * and the deletion of all its log on request: a Super, Full or Partner Administrator with
 * {@code web-security:write}, as for what else ends an account's data (deleting its agent key). File work runs
 * on the bounded elastic scheduler: it blocks (the deletion may wait for the retention job's lock).
 */
@RestController
@RequestMapping("/api/v1/accounts/{accountId}/query-log")
public class QueryLogRetentionController {

    /** How long a deletion waits for the retention job (which holds the lock for one account at a time). */
    static final Duration DELETE_WAIT = Duration.ofSeconds(30);

    private final RetentionSettings settings;
    private final QueryLogRetention retention;

    public QueryLogRetentionController(RetentionSettings settings, QueryLogRetention retention) {
        this.settings = settings;
        this.retention = retention;
    }

    /**
     * The retention that applies to the account.
     *
     * @param custom whether the account set it (otherwise it is the service's default)
     */
    public record RetentionView(int allowedDays, int securityDays, boolean custom) {
    }

    /** A retention to set; absent values are refused, not defaulted. */
    public record RetentionRequest(Integer allowedDays, Integer securityDays) {
    }

    /** What a deletion did. */
    public record Deleted(long filesDeleted) {
    }

    @GetMapping("/retention")
    public Mono<RetentionView> retention(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin) {
        admin.require(accountId, Permission.WEB_SECURITY_READ);
        return Mono.fromCallable(() -> view(accountId)).subscribeOn(Schedulers.boundedElastic());
    }

    @PutMapping("/retention")
    public Mono<RetentionView> setRetention(@PathVariable UUID accountId, @RequestBody RetentionRequest request,
                                            @AuthenticationPrincipal Admin admin) {
        admin.require(accountId, Permission.WEB_SECURITY_WRITE);
        var violations = Retention.violations(request.allowedDays(), request.securityDays());
        if (!violations.isEmpty()) {
            throw Problems.invalid(violations.stream().map(v -> new Problems.FieldError(v.field(), v.reason())).toList());
        }
        Retention wanted = new Retention(request.allowedDays(), request.securityDays());
        return Mono.fromCallable(() -> {
            settings.set(accountId, wanted);
            return view(accountId);
        }).subscribeOn(Schedulers.boundedElastic());
    }

    /**
     * Deletes the account's verdicts, roll-ups and own retention; verdicts that arrive afterwards are logged
     * as usual. Answers once they are gone (200, with how many files were), so a search that follows finds none.
     */
    @DeleteMapping
    public Mono<Deleted> delete(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin) {
        admin.requirePrivileged(accountId).require(accountId, Permission.WEB_SECURITY_WRITE);
        return Mono.fromCallable(() -> {
            OptionalLong deleted = retention.deleteAccount(accountId, DELETE_WAIT);
            if (deleted.isEmpty()) {
                throw Problems.unavailable("The query log's retention is busy with this account; try again in a minute.");
            }
            return new Deleted(deleted.getAsLong());
        }).subscribeOn(Schedulers.boundedElastic());
    }

    private RetentionView view(UUID account) {
        return settings.own(account).map(own -> new RetentionView(own.allowedDays(), own.securityDays(), true))
                .orElseGet(() -> new RetentionView(settings.defaults().allowedDays(), settings.defaults().securityDays(), false));
    }
}
