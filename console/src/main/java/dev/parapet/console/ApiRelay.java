package dev.parapet.console;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.annotation.RegisteredOAuth2AuthorizedClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;

import reactor.core.publisher.Mono;

/**
 * The pages' API calls, {@code /api/v1/accounts/{account}/...} exactly as the services answer them, relayed to the
 * service that owns the path with the signed-in administrator's access token (refreshed by Spring Security when it
 * has expired). The services decide: a refusal comes back as they gave it. Only the headers an API call needs go
 * either way; the browser's cookies never leave this server.
 */
@RestController
public class ApiRelay {

    /** A path below the account: letters, digits and {@code / . _ -}, no {@code ..}. */
    static final Pattern SAFE_PATH = Pattern.compile("[A-Za-z0-9/._-]*");
    static final List<String> REQUEST_HEADERS = List.of(HttpHeaders.CONTENT_TYPE, HttpHeaders.ACCEPT, HttpHeaders.IF_MATCH,
            HttpHeaders.IF_NONE_MATCH);
    static final List<String> RESPONSE_HEADERS = List.of(HttpHeaders.CONTENT_TYPE, HttpHeaders.ETAG, HttpHeaders.CONTENT_DISPOSITION,
            HttpHeaders.CACHE_CONTROL, HttpHeaders.LOCATION, "X-Total-Count");
    static final Set<HttpMethod> WITH_BODY = Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH);

    /** The services, by the first segment of the path below the account; everything else is settings-service's. */
    enum Service { KEYS, SETTINGS, DIAGNOSTICS, DNS }

    private final ConsoleProperties properties;
    private final WebClient http;

    public ApiRelay(ConsoleProperties properties) {
        this.properties = properties;
        this.http = WebClient.builder().build();
    }

    static Service owner(String below) {
        String first = below.split("/", 2)[0];
        return switch (first) {
            case "key", "agents" -> Service.KEYS;
            case "diagnostics", "query-log" -> Service.DIAGNOSTICS;
            case "dns" -> Service.DNS;
            default -> Service.SETTINGS;
        };
    }

    /** The path below {@code /api/v1/accounts/{account}/}, or an error when it could reach anything else. */
    static String below(String path, UUID account) {
        String prefix = "/api/v1/accounts/" + account + "/";
        if (!path.startsWith(prefix)) {
            throw new ResponseStatusException(HttpStatus.NOT_FOUND);
        }
        String below = path.substring(prefix.length());
        if (below.isEmpty() || !SAFE_PATH.matcher(below).matches() || below.contains("..") || below.contains("//")) {
            throw new ResponseStatusException(HttpStatus.NOT_FOUND);
        }
        return below;
    }

    @RequestMapping("/api/v1/accounts/{account}/**")
    public Mono<Void> relay(@PathVariable UUID account,
                            @RegisteredOAuth2AuthorizedClient(ConsoleSecurity.REGISTRATION) OAuth2AuthorizedClient client,
                            ServerWebExchange exchange) {
        ServerHttpRequest request = exchange.getRequest();
        String below = below(request.getPath().pathWithinApplication().value(), account);
        URI base = switch (owner(below)) {
            case KEYS -> properties.keys();
            case DIAGNOSTICS -> properties.diagnostics();
            case DNS -> properties.dns();
            case SETTINGS -> properties.settings();
        };
        return forward(strip(base.toString()) + "/api/v1/accounts/" + account + "/" + below, client, exchange);
    }

    /** The category catalogue, which every administrator reads (settings-service's, not below an account). */
    @GetMapping("/api/v1/categories")
    public Mono<Void> catalogue(@RegisteredOAuth2AuthorizedClient(ConsoleSecurity.REGISTRATION) OAuth2AuthorizedClient client,
                                ServerWebExchange exchange) {
        return forward(strip(properties.settings().toString()) + "/api/v1/categories", client, exchange);
    }

    private Mono<Void> forward(String path, OAuth2AuthorizedClient client, ServerWebExchange exchange) {
        ServerHttpRequest request = exchange.getRequest();
        String query = request.getURI().getRawQuery();
        URI target = URI.create(path + (query == null ? "" : "?" + query));
        WebClient.RequestBodySpec call = http.method(request.getMethod()).uri(target).headers(headers -> {
            for (String name : REQUEST_HEADERS) {
                List<String> values = request.getHeaders().get(name);
                if (values != null) {
                    headers.put(name, values);
                }
            }
            headers.setBearerAuth(client.getAccessToken().getTokenValue());
            if (request.getRemoteAddress() != null && request.getRemoteAddress().getAddress() != null) {
                headers.add("X-Forwarded-For", request.getRemoteAddress().getAddress().getHostAddress());
            }
        });
        WebClient.RequestHeadersSpec<?> withBody = WITH_BODY.contains(request.getMethod())
                ? call.body(BodyInserters.fromDataBuffers(request.getBody())) : call;
        ServerHttpResponse response = exchange.getResponse();
        // An event stream (the live counters) lasts as long as the service keeps it open; every other call has a minute.
        boolean stream = request.getHeaders().getAccept().contains(MediaType.TEXT_EVENT_STREAM);
        return withBody.exchangeToMono(answer -> {
            response.setStatusCode(answer.statusCode());
            for (String name : RESPONSE_HEADERS) {
                List<String> values = answer.headers().asHttpHeaders().get(name);
                if (values != null) {
                    response.getHeaders().put(name, values);
                }
            }
            return stream ? response.writeAndFlushWith(answer.bodyToFlux(DataBuffer.class).map(Mono::just))
                    : response.writeWith(answer.bodyToFlux(DataBuffer.class));
        }).timeout(stream ? Duration.ofDays(1) : Duration.ofSeconds(60))
                // The service could not be reached or did not answer: the page says so (a problem, not a stack trace).
                .onErrorResume(error -> !response.isCommitted() && (error instanceof WebClientRequestException
                        || error instanceof java.util.concurrent.TimeoutException), error -> unavailable(response, error));
    }

    private static Mono<Void> unavailable(ServerHttpResponse response, Throwable error) {
        boolean timedOut = error instanceof java.util.concurrent.TimeoutException;
        response.setStatusCode(timedOut ? HttpStatus.GATEWAY_TIMEOUT : HttpStatus.BAD_GATEWAY);
        response.getHeaders().setContentType(org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON);
        String detail = timedOut ? "The service did not answer in time; the change may still be applied. Read it back before retrying."
                : "The service is not reachable at the moment; nothing was changed. Try again shortly.";
        byte[] body = ("{\"title\":\"" + (timedOut ? "Gateway timeout" : "Bad gateway") + "\",\"status\":"
                + response.getStatusCode().value() + ",\"detail\":\"" + detail + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
    }

    private static String strip(String base) {
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }
}
