package dev.parapet.kit.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import dev.parapet.kit.security.ProblemSecurityHandlers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import tools.jackson.databind.json.JsonMapper;

class AccountSuspensionFilterTest {

    final AccountRegistry registry = new AccountRegistry(Map.of(), "http://127.0.0.1:1", new SimpleMeterRegistry());
    final AccountSuspensionFilter filter = new AccountSuspensionFilter(registry, new ProblemSecurityHandlers(JsonMapper.builder().build()));

    @Test
    void aTimeoutFromFurtherDownTheChainIsNotAnsweredAsTheRegistryStillBeingRead() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/v1/categories"));
        StepVerifier.create(filter.filter(exchange, ignored -> Mono.error(new TimeoutException("downstream"))))
                .expectErrorMatches(error -> error instanceof TimeoutException && "downstream".equals(error.getMessage()))
                .verify();
        assertThat(exchange.getResponse().getStatusCode()).isNull();
    }
}
