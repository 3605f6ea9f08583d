package dev.parapet.dns.transport;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

import dev.parapet.kit.problem.Problems;
import reactor.core.publisher.Mono;

/**
 * DNS over HTTPS on the service's own HTTP port (behind a TLS-terminating load balancer in production).
 * The POST body is not a {@code @RequestBody}, which Spring would read (up to its codecs' 256 KiB)
 * before the credential is looked at: {@link DohHandler} checks the credential first and reads the
 * body through {@link DohBody}, never past a DNS message's 65 535 bytes. A location's own path,
 * {@code /dns-query/l/<secret>}, is served beside the agents' ({@link DohHandler#handleLocation}).
 */
@RestController
public class DohController {

    private final DohHandler handler;

    public DohController(DohHandler handler) {
        this.handler = handler;
    }

    @GetMapping({"/dns-query", "/dns-query/{credential}"})
    public Mono<ResponseEntity<byte[]>> get(@RequestParam(name = "dns", required = false) String dns,
                                            @PathVariable(name = "credential", required = false) String pathCredential,
                                            @RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization,
                                            @RequestHeader(name = DohHandler.USER_HEADER, required = false) String user,
                                            @RequestHeader(name = DohHandler.USER_TOKEN_HEADER, required = false) String userToken,
                                            ServerWebExchange exchange) {
        return handler.handle(false, dns, Mono.empty(), null, credential(authorization, pathCredential), user, userToken, remote(exchange))
                .map(response -> entity(response, exchange, false));
    }

    @PostMapping({"/dns-query", "/dns-query/{credential}"})
    public Mono<ResponseEntity<byte[]>> post(@PathVariable(name = "credential", required = false) String pathCredential,
                                             @RequestHeader(name = HttpHeaders.CONTENT_TYPE, required = false) String contentType,
                                             @RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization,
                                             @RequestHeader(name = DohHandler.USER_HEADER, required = false) String user,
                                             @RequestHeader(name = DohHandler.USER_TOKEN_HEADER, required = false) String userToken,
                                             ServerWebExchange exchange) {
        return handler.handle(true, null, body(exchange), contentType, credential(authorization, pathCredential), user, userToken, remote(exchange))
                .map(response -> entity(response, exchange, true));
    }

    /** A location's own DoH path (RFC 8484 GET): no agent credential, the secret names the location. */
    @GetMapping("/dns-query/l/{secret}")
    public Mono<ResponseEntity<byte[]>> getAtLocation(@PathVariable String secret,
                                                      @RequestParam(name = "dns", required = false) String dns,
                                                      ServerWebExchange exchange) {
        return handler.handleLocation(false, dns, Mono.empty(), null, secret, remote(exchange))
                .map(response -> entity(response, exchange, false));
    }

    /** A location's own DoH path (RFC 8484 POST of application/dns-message). */
    @PostMapping("/dns-query/l/{secret}")
    public Mono<ResponseEntity<byte[]>> postAtLocation(@PathVariable String secret,
                                                       @RequestHeader(name = HttpHeaders.CONTENT_TYPE, required = false) String contentType,
                                                       ServerWebExchange exchange) {
        return handler.handleLocation(true, null, body(exchange), contentType, secret, remote(exchange))
                .map(response -> entity(response, exchange, true));
    }

    private static Mono<byte[]> body(ServerWebExchange exchange) {
        return DohBody.read(exchange.getRequest().getHeaders().getFirst(HttpHeaders.CONTENT_LENGTH),
                exchange.getRequest().getBody(), DataBuffer::readableByteCount, DohController::bytes, DataBufferUtils::release);
    }

    private static byte[] bytes(DataBuffer buffer) {
        byte[] bytes = new byte[buffer.readableByteCount()];
        buffer.read(bytes);
        return bytes;
    }

    private static String credential(String authorization, String pathCredential) {
        String bearer = DohHandler.bearer(authorization);
        return bearer != null ? bearer : pathCredential;
    }

    private static InetAddress remote(ServerWebExchange exchange) {
        InetSocketAddress remote = exchange.getRequest().getRemoteAddress();
        return remote == null ? InetAddress.getLoopbackAddress() : remote.getAddress();
    }

    private static ResponseEntity<byte[]> entity(DohHandler.Response response, ServerWebExchange exchange, boolean post) {
        if (response.status() != 200) {
            if (post) {
                // The rest of a refused body is not read: an HTTP/1.1 connection cannot carry another request.
                exchange.getResponse().getHeaders().set(HttpHeaders.CONNECTION, "close");
            }
            throw Problems.of(HttpStatus.valueOf(response.status()), "DNS over HTTPS refused", response.reason());
        }
        return ResponseEntity.ok()
                .contentType(MediaType.parseMediaType(DohHandler.MEDIA_TYPE))
                .cacheControl(CacheControl.maxAge(java.time.Duration.ofSeconds(response.maxAgeSeconds())))
                .body(response.message());
    }
}
