package dev.parapet.kit.state;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

import dev.parapet.kit.problem.Problems;
import reactor.core.publisher.Mono;

/**
 * A just-started instance answers nothing from a half-read state: API and agent requests wait (up to
 * 15 s, then 503) until the service's {@link TopicFollower} has caught up with Kafka.
 */
public final class AwaitStateFilter implements WebFilter {

    private final TopicFollower follower;

    public AwaitStateFilter(TopicFollower follower) {
        this.follower = follower;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String path = exchange.getRequest().getPath().value();
        if (follower.isReady() || !(path.startsWith("/api/") || path.startsWith("/agent/"))) {
            return chain.filter(exchange);
        }
        return Mono.fromFuture(follower.ready())
                .timeout(Duration.ofSeconds(15))
                .onErrorMap(TimeoutException.class, e -> Problems.unavailable("The service is starting; retry shortly."))
                .then(chain.filter(exchange));
    }
}
