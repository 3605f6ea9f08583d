package dev.parapet.diagnostics.query;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreType;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;
import org.springframework.security.core.context.ReactiveSecurityContextHolder;
import org.springframework.stereotype.Component;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.reactive.function.client.WebClient;

import dev.parapet.kit.problem.Problems;
import dev.parapet.kit.security.Admin;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Answers a query about an account where its state lives: from this instance's stores when the
 * account's partition is here, else by passing the administrator's request to the instance that owns
 * it, found in Kafka Streams' metadata. The administrator's token stays here: the request passed on
 * carries a {@link RelayAssertion} instead (who, for this one request, for 30 seconds, signed with the
 * key the instances share), which the owner checks. A request passed on once is never passed on again:
 * during a rebalance it gets 503 and a retry hint.
 */
@Component
public class Instances {

    static final String FORWARDED = "X-Parapet-Forwarded";

    private final StreamsBuilderFactoryBean factory;
    private final RelayAssertion relay;
    private final WebClient client = WebClient.builder().codecs(c -> c.defaultCodecs().maxInMemorySize(8 << 20)).build();

    public Instances(StreamsBuilderFactoryBean factory, RelayAssertion relay) {
        this.factory = factory;
        this.relay = relay;
    }

    /** Where the account's partition of a store is, or 503 while that is not known. */
    KeyQueryMetadata locate(String store, UUID account) {
        KafkaStreams streams = running();
        KeyQueryMetadata metadata = streams.queryMetadataForKey(store, account.toString(), Serdes.String().serializer());
        if (metadata == null || metadata.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            throw unavailable();
        }
        return metadata;
    }

    boolean isLocal(KeyQueryMetadata metadata) {
        return metadata.activeHost().equals(self());
    }

    /** The account's partition of a store on this instance. */
    public <T> T store(String store, QueryableStoreType<T> type, KeyQueryMetadata metadata) {
        return running().store(StoreQueryParameters.fromNameAndType(store, type).withPartition(metadata.partition()));
    }

    /** The answer, from here or from the owning instance. */
    public <T> Mono<ResponseEntity<?>> answer(String store, UUID account, ServerHttpRequest request, LocalQuery<T> local) {
        return Mono.fromCallable(() -> locate(store, account)).subscribeOn(Schedulers.boundedElastic()).flatMap(metadata -> {
            if (isLocal(metadata)) {
                return Mono.fromCallable(() -> (ResponseEntity<?>) ResponseEntity.ok(local.query(metadata)))
                        .subscribeOn(Schedulers.boundedElastic())
                        .onErrorMap(InvalidStateStoreException.class, e -> unavailable());
            }
            if (request.getHeaders().containsHeader(FORWARDED)) {
                return Mono.error(unavailable());
            }
            return relayHeaders(request).flatMap(relayed -> client.get().uri(url(metadata.activeHost(), request)).headers(relayed)
                    .exchangeToMono(response -> response.bodyToMono(byte[].class).defaultIfEmpty(new byte[0])
                            .map(body -> (ResponseEntity<?>) ResponseEntity.status(response.statusCode())
                                    .headers(h -> h.setContentType(response.headers().contentType().orElse(null))).body(body)))
                    .timeout(Duration.ofSeconds(10)));
        });
    }

    /** A live stream, from here or relayed from the owning instance. */
    public Flux<ServerSentEvent<String>> stream(String store, UUID account, ServerHttpRequest request,
                                                java.util.function.Function<KeyQueryMetadata, Flux<ServerSentEvent<String>>> local) {
        return Mono.fromCallable(() -> locate(store, account)).subscribeOn(Schedulers.boundedElastic()).flatMapMany(metadata -> {
            if (isLocal(metadata)) {
                return local.apply(metadata).onErrorMap(InvalidStateStoreException.class, e -> unavailable());
            }
            if (request.getHeaders().containsHeader(FORWARDED)) {
                return Flux.error(unavailable());
            }
            return relayHeaders(request).flatMapMany(relayed -> client.get().uri(url(metadata.activeHost(), request)).headers(relayed)
                    .retrieve()
                    .onStatus(HttpStatusCode::isError, response -> response.bodyToMono(PROBLEM).defaultIfEmpty(Map.of())
                            .map(problem -> relayed(response.statusCode(), problem)))
                    .bodyToFlux(new org.springframework.core.ParameterizedTypeReference<ServerSentEvent<String>>() { }));
        });
    }

    private static final org.springframework.core.ParameterizedTypeReference<Map<String, Object>> PROBLEM =
            new org.springframework.core.ParameterizedTypeReference<>() { };

    /**
     * The owning instance's refusal of a stream (429 for too many, 401 for an expired token) as this
     * instance's answer, with the same status, title, detail and properties, instead of a 500.
     */
    static ErrorResponseException relayed(HttpStatusCode status, Map<String, Object> body) {
        ProblemDetail problem = ProblemDetail.forStatus(status);
        body.forEach((name, value) -> {
            switch (name) {
                case "title" -> problem.setTitle(String.valueOf(value));
                case "detail" -> problem.setDetail(String.valueOf(value));
                case "type", "status", "instance" -> { }
                default -> problem.setProperty(name, value);
            }
        });
        return new ErrorResponseException(status, problem, null);
    }

    /** A query of this instance's stores. */
    @FunctionalInterface
    public interface LocalQuery<T> {
        T query(KeyQueryMetadata metadata) throws Exception;
    }

    /** The owner's address for the same request (a URI, so that nothing in it is read as a template or encoded again). */
    private static URI url(HostInfo host, ServerHttpRequest request) {
        return URI.create("http://" + host.host() + ":" + host.port() + pathAndQuery(request));
    }

    /** The request's path and query as they arrived (what a relay assertion is bound to). */
    public static String pathAndQuery(ServerHttpRequest request) {
        String query = request.getURI().getRawQuery();
        return request.getURI().getRawPath() + (query == null ? "" : "?" + query);
    }

    /** The headers of the request passed on: the signed assertion for the administrator behind this one, never their token. */
    private Mono<Consumer<HttpHeaders>> relayHeaders(ServerHttpRequest request) {
        return ReactiveSecurityContextHolder.getContext()
                .mapNotNull(context -> context.getAuthentication() != null && context.getAuthentication().getPrincipal() instanceof Admin admin
                        ? admin : null)
                .switchIfEmpty(Mono.error(() -> new IllegalStateException("a query passed on without an authenticated administrator")))
                .map(admin -> {
                    String assertion = relay.sign(admin, request.getMethod().name(), pathAndQuery(request), Instant.now());
                    return headers -> {
                        headers.set(RelayAssertion.HEADER, assertion);
                        headers.set(FORWARDED, "1");
                    };
                });
    }

    private KafkaStreams running() {
        KafkaStreams streams = factory.getKafkaStreams();
        if (streams == null || !(streams.state() == KafkaStreams.State.RUNNING || streams.state() == KafkaStreams.State.REBALANCING)) {
            throw unavailable();
        }
        return streams;
    }

    private HostInfo self() {
        return HostInfo.buildFromEndpoint((String) factory.getStreamsConfiguration().get(StreamsConfig.APPLICATION_SERVER_CONFIG));
    }

    private static RuntimeException unavailable() {
        org.springframework.web.ErrorResponseException e = Problems.unavailable(
                "The reports are being moved between instances (a rebalance); retry in a second.");
        e.getHeaders().set(HttpHeaders.RETRY_AFTER, "1");
        return e;
    }
}
