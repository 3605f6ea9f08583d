package dev.parapet.kit.accounts;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

import org.springframework.http.HttpStatus;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.ReactiveSecurityContextHolder;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import dev.parapet.kit.security.Admin;
import dev.parapet.kit.security.ProblemSecurityHandlers;
import reactor.core.publisher.Mono;

/**
 * In the administrator API's security chain, after authentication: refuses (403, "Account suspended")
 * a request {@link AccountSuspension} refuses. A just-started instance first waits (up to 15 s, then
 * 503) until it has read the registry, so that it never lets a suspended account in from a half-read
 * state. Once caught up it decides from what it last read, also while it is not in touch with Kafka:
 * health then reports the registry DOWN, and writes fail anyway (docs/accounts.md).
 */
public final class AccountSuspensionFilter implements WebFilter {

    static final Duration READY_WAIT = Duration.ofSeconds(15);

    private final AccountRegistry registry;
    private final ProblemSecurityHandlers problems;

    public AccountSuspensionFilter(AccountRegistry registry, ProblemSecurityHandlers problems) {
        this.registry = registry;
        this.problems = problems;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        // Every request an administrator's token authenticated, whatever its path looks like before decoding.
        String path = exchange.getRequest().getPath().pathWithinApplication().value();
        return ReactiveSecurityContextHolder.getContext()
                .flatMap(context -> Mono.justOrEmpty(admin(context.getAuthentication())))
                .flatMap(admin -> refusal(exchange, admin, path))
                .defaultIfEmpty(Optional.empty())
                .flatMap(refusal -> refusal.orElseGet(() -> chain.filter(exchange)));
    }

    /**
     * The answer that refuses the administrator's request, once the registry has been read: 403 if an
     * account it involves is suspended, 503 if the registry was not read in time. Only that wait's
     * timeout is answered here, not one from further down the chain.
     */
    private Mono<Optional<Mono<Void>>> refusal(ServerWebExchange exchange, Admin admin, String path) {
        Mono<Void> caughtUp = registry.follower().isReady() ? Mono.empty()
                : Mono.fromFuture(registry.follower().ready()).timeout(READY_WAIT).then();
        return caughtUp
                .then(Mono.fromSupplier(() -> AccountSuspension.refusal(admin, path, registry::isSuspended)
                        .map(why -> problems.problem(exchange, HttpStatus.FORBIDDEN, "Account suspended", why))))
                .onErrorResume(TimeoutException.class, e -> Mono.just(Optional.of(problems.problem(exchange,
                        HttpStatus.SERVICE_UNAVAILABLE, "Service unavailable",
                        "The service is starting (reading the account registry); retry shortly."))));
    }

    private static Optional<Admin> admin(Authentication authentication) {
        return authentication != null && authentication.getPrincipal() instanceof Admin admin ? Optional.of(admin) : Optional.empty();
    }
}
