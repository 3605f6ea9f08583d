package dev.parapet.dns.pages;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

import javax.net.ssl.SSLException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.parapet.kit.web.TrustedProxies;
import dev.parapet.kit.web.limits.ConnectionLimiter;
import dev.parapet.kit.web.limits.HttpLimits;
import dev.parapet.kit.web.limits.HttpListeners;
import dev.parapet.dns.limits.ListenerLimits;
import dev.parapet.dns.pages.AccountCertificateAuthority.Leaf;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.AsyncMapping;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The block-page server: plain HTTP and HTTPS on the address blocked names resolve to. Over HTTPS the
 * certificate is chosen per connection from the server name the client asks for and the client's
 * address: a leaf for that name from the CA of the account whose notice covers them, which that
 * account's devices trust, or else from the platform CA. Reactor Netty's own SNI mappings do not
 * see the client's address, so each connection gets a Netty {@link SniHandler} of its own; minting
 * runs off the event loop. Both listeners have the limits of {@code parapet.dns.limits.http}
 * ({@link HttpListeners}).
 */
@Component
@ConditionalOnBooleanProperty(name = "parapet.dns.pages.enabled", matchIfMissing = true)
public class BlockPageServer implements SmartLifecycle {

    /** The name of the leaf for a client that sends no server name (an address typed in the browser) or a bad one. */
    static final String NO_SERVER_NAME = "block-page.parapet.invalid";
    static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    static final int MAX_TLS_CONTEXTS = 20_000;

    private static final Logger log = LoggerFactory.getLogger(BlockPageServer.class);

    private final PagesProperties properties;
    private final AccountCertificateAuthority authority;
    private final BlockNotices notices;
    private final PageRequests requests;
    /** Keyed by the leaf itself (identity), so that a context lives as long as the authority keeps its leaf. */
    private final Cache<Leaf, SslContext> contexts = Caffeine.newBuilder().weakKeys().maximumSize(MAX_TLS_CONTEXTS).build();
    private final HttpLimits limits;
    private final ConnectionLimiter httpConnections;
    private final ConnectionLimiter httpsConnections;
    private volatile DisposableServer http;
    private volatile DisposableServer https;

    public BlockPageServer(PagesProperties properties, AccountCertificateAuthority authority, BlockNotices notices,
                           Allowances allowances, ContinueTokens tokens, ListenerLimits limits, MeterRegistry meters,
                           TrustedProxies proxies, AccessRequestOutbox outbox) {
        this.properties = properties;
        this.limits = limits.http();
        this.httpConnections = new ConnectionLimiter("pages-http", this.limits.maxConnections(),
                this.limits.maxConnectionsPerClient(), meters);
        this.httpsConnections = new ConnectionLimiter("pages-https", this.limits.maxConnections(),
                this.limits.maxConnectionsPerClient(), meters);
        this.authority = authority;
        this.notices = notices;
        this.requests = new PageRequests(notices, allowances, tokens, properties.allowance(), proxies, outbox);
    }

    @Override
    public synchronized void start() {
        http = server(properties.httpPort(), false).bindNow();
        https = server(properties.httpsPort(), true)
                .doOnChannelInit((observer, channel, remote) -> channel.pipeline()
                        .addFirst(new SniHandler(certificates(channel), HANDSHAKE_TIMEOUT.toMillis())))
                .bindNow();
        log.info("Block pages on http://{}:{} and https://{}:{}", properties.address(), httpPort(),
                properties.address(), httpsPort());
    }

    @Override
    public synchronized void stop() {
        if (http != null) {
            http.disposeNow();
            https.disposeNow();
            http = null;
            https = null;
        }
    }

    @Override
    public boolean isRunning() {
        return http != null;
    }

    public int httpPort() {
        return http.port();
    }

    public int httpsPort() {
        return https.port();
    }

    private HttpServer server(int port, boolean secure) {
        return HttpListeners.harden(HttpServer.create(), limits, secure ? httpsConnections : httpConnections)
                .host(properties.address())
                .port(port)
                .handle((request, response) -> requests.handle(request, response, secure));
    }

    /** The connection's certificate, looked up once its ClientHello names the server. */
    private AsyncMapping<String, SslContext> certificates(Channel channel) {
        return (serverName, promise) -> {
            Schedulers.boundedElastic().schedule(() -> {
                try {
                    promise.trySuccess(context(channel, serverName));
                } catch (RuntimeException e) {
                    promise.tryFailure(e);
                }
            });
            return promise;
        };
    }

    private SslContext context(Channel channel, String serverName) {
        return contexts.get(leaf(channel, serverName), leaf -> {
            try {
                return SslContextBuilder.forServer(leaf.privateKey(), leaf.certificate())
                        .protocols("TLSv1.3", "TLSv1.2").build();
            } catch (SSLException e) {
                throw new IllegalStateException("Could not make a TLS context for a block-page certificate", e);
            }
        });
    }

    /**
     * A server name that is no host name gets what a client sending none gets: a platform leaf that
     * matches no name, so its handshake fails at the client without an exception here to log.
     */
    private Leaf leaf(Channel channel, String serverName) {
        Optional<String> name = HostNames.normalise(serverName);
        if (name.isEmpty()) {
            return authority.platformLeafFor(NO_SERVER_NAME);
        }
        String client = BlockNotices.client(((InetSocketAddress) channel.remoteAddress()).getAddress());
        return notices.find(client, name.get())
                .map(notice -> authority.leafFor(notice.accountId(), name.get()))
                .orElseGet(() -> authority.platformLeafFor(name.get()));
    }
}
