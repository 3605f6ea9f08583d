package dev.parapet.keys.view;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import dev.parapet.kit.problem.Problems;
import reactor.core.publisher.Mono;

/**
 * A just-started instance answers nothing from a half-read view: API and enrolment requests wait
 * (up to 15 s, then 503) until the view has caught up with Kafka.
 */
@Component
public class AwaitViewFilter implements WebFilter {

    private final KeyStateView view;

    public AwaitViewFilter(KeyStateView view) {
        this.view = view;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String path = exchange.getRequest().getPath().value();
        if (view.isReady() || !(path.startsWith("/api/") || path.startsWith("/agent/"))) {
            return chain.filter(exchange);
        }
        return Mono.fromFuture(view.ready())
                .timeout(Duration.ofSeconds(15))
                .onErrorMap(TimeoutException.class, e -> Problems.unavailable("key-service is starting; retry shortly."))
                .then(chain.filter(exchange));
    }
}
