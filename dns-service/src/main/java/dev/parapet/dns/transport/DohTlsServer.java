package dev.parapet.dns.transport;

import java.io.File;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import dev.parapet.kit.web.limits.ConnectionLimiter;
import dev.parapet.kit.web.limits.HttpLimits;
import dev.parapet.kit.web.limits.HttpListeners;
import dev.parapet.dns.limits.ListenerLimits;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.Http2SslContextSpec;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * DNS over HTTPS with TLS of its own (HTTP/2 and HTTP/1.1, ALPN), for agents and stock DoH clients
 * that reach dns-service directly, with the operator's certificate and key (PEM files). Enabled when
 * {@code parapet.dns.doh.certificate} is set; {@link DohHandler} does the work, {@link DohBody} bounds
 * the body, and {@code parapet.dns.limits.http} bounds connections, streams and slow clients. Agents use
 * {@code /dns-query[/<credential>]}; a location's own endpoint is {@code /dns-query/l/<secret>}.
 */
@Component
@ConditionalOnProperty("parapet.dns.doh.certificate")
public class DohTlsServer implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(DohTlsServer.class);

    /**
     * @param address     where it binds
     * @param port        its port (443 in production; 0 picks a free one)
     * @param certificate the certificate chain, PEM
     * @param privateKey  its PKCS#8 private key, PEM
     */
    @ConfigurationProperties("parapet.dns.doh")
    public record Properties(@DefaultValue("127.0.0.1") String address, @DefaultValue("443") int port,
                             File certificate, File privateKey) {
    }

    private final Properties properties;
    private final DohHandler handler;
    private final HttpLimits limits;
    private final ConnectionLimiter connections;
    private DisposableServer server;

    public DohTlsServer(Properties properties, DohHandler handler, ListenerLimits limits, MeterRegistry meters) {
        this.properties = properties;
        this.handler = handler;
        this.limits = limits.http();
        this.connections = new ConnectionLimiter("doh-tls", this.limits.maxConnections(),
                this.limits.maxConnectionsPerClient(), meters);
    }

    @Override
    public void start() {
        server = HttpListeners.harden(HttpServer.create(), limits, connections)
                .host(properties.address()).port(properties.port())
                .protocol(HttpProtocol.H2, HttpProtocol.HTTP11)
                .secure(spec -> spec.sslContext(Http2SslContextSpec.forServer(properties.certificate(), properties.privateKey())))
                .route(routes -> routes
                        .get("/dns-query/l/{secret}", (request, response) -> serve(request, response, false))
                        .post("/dns-query/l/{secret}", (request, response) -> serve(request, response, true))
                        .get("/dns-query", (request, response) -> serve(request, response, false))
                        .get("/dns-query/{credential}", (request, response) -> serve(request, response, false))
                        .post("/dns-query", (request, response) -> serve(request, response, true))
                        .post("/dns-query/{credential}", (request, response) -> serve(request, response, true)))
                .bindNow();
        LOG.info("DNS over HTTPS (TLS) on {}", server.address());
    }

    private Mono<Void> serve(HttpServerRequest request, HttpServerResponse response, boolean post) {
        String secret = request.param("secret");
        String credential = DohHandler.bearer(request.requestHeaders().get(HttpHeaderNames.AUTHORIZATION));
        if (credential == null) {
            credential = request.param("credential");
        }
        String user = request.requestHeaders().get(DohHandler.USER_HEADER);
        String userToken = request.requestHeaders().get(DohHandler.USER_TOKEN_HEADER);
        String contentType = request.requestHeaders().get(HttpHeaderNames.CONTENT_TYPE);
        String dns = post ? null : new QueryStringDecoder(request.uri()).parameters().getOrDefault("dns", java.util.List.of())
                .stream().findFirst().orElse(null);
        InetSocketAddress remote = request.remoteAddress();
        // Read (and bounded) only if the handler gets that far; Reactor Netty releases its buffers itself.
        Mono<byte[]> body = DohBody.read(request.requestHeaders().get(HttpHeaderNames.CONTENT_LENGTH), request.receive(),
                ByteBuf::readableBytes, chunk -> ByteBufUtil.getBytes(chunk), chunk -> { });
        Mono<DohHandler.Response> handled = secret != null
                ? handler.handleLocation(post, dns, body, contentType, secret, remote.getAddress())
                : handler.handle(post, dns, body, contentType, credential, user, userToken, remote.getAddress());
        return handled.flatMap(result -> {
                    if (result.status() != 200) {
                        if (post && request.version().majorVersion() == 1) {
                            // The rest of a refused body is not read: the connection cannot carry another request.
                            response.keepAlive(false);
                        }
                        return response.status(HttpResponseStatus.valueOf(result.status()))
                                .header(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                                .sendString(Mono.just(result.reason() + "\n"), StandardCharsets.UTF_8).then();
                    }
                    return response.header(HttpHeaderNames.CONTENT_TYPE, DohHandler.MEDIA_TYPE)
                            .header(HttpHeaderNames.CACHE_CONTROL, "max-age=" + result.maxAgeSeconds())
                            .sendByteArray(Mono.just(result.message())).then();
                });
    }

    /** The bound port. */
    public int port() {
        return ((InetSocketAddress) server.address()).getPort();
    }

    @Override
    public void stop() {
        if (server != null) {
            server.disposeNow();
        }
    }

    @Override
    public boolean isRunning() {
        return server != null && !server.isDisposed();
    }
}
