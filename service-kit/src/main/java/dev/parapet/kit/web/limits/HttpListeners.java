package dev.parapet.kit.web.limits;

import dev.parapet.kit.web.LoggedPaths;
import io.netty.handler.codec.http2.Http2StreamChannel;
import reactor.netty.ConnectionObserver;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerState;
import reactor.netty.http.server.logging.AccessLog;
import reactor.netty.http.server.logging.AccessLogArgProvider;

/**
 * What every HTTP listener of Parapet (each service's own port; dns-service's DoH with TLS and block
 * pages) gets, the same way: {@link HttpLimits} (the connection caps of a {@link ConnectionLimiter},
 * the request-head deadline of {@link HeadDeadline}, Reactor Netty's read, request and idle timeouts,
 * the HTTP/2 streams a connection may have open at once), a close that lets the client read a refusal
 * sent before its body was read ({@link LingeringClose}), and an access log, when Reactor Netty's is
 * switched on ({@code -Dreactor.netty.http.server.accessLogEnabled=true}), that masks agent
 * credentials in paths ({@link LoggedPaths}).
 */
public final class HttpListeners {

    private HttpListeners() {
    }

    static final String ACCESS_LOG_ENABLED = "reactor.netty.http.server.accessLogEnabled";
    /** Reactor Netty's own access log format (the Common Log Format, with the duration in ms). */
    private static final java.time.format.DateTimeFormatter WHEN =
            java.time.format.DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", java.util.Locale.US);

    public static HttpServer harden(HttpServer server, HttpLimits limits, ConnectionLimiter connections) {
        return server
                .accessLog(Boolean.getBoolean(ACCESS_LOG_ENABLED), HttpListeners::maskedAccessLog)
                .idleTimeout(limits.idleTimeout())
                .readTimeout(limits.readTimeout())
                .requestTimeout(limits.requestTimeout())
                .http2Settings(settings -> settings.maxConcurrentStreams(limits.maxConcurrentStreams()))
                .doOnChannelInit((observer, channel, remote) -> {
                    if (channel instanceof Http2StreamChannel) {
                        return; // a stream of a connection counted already
                    }
                    connections.admit(channel);
                    channel.pipeline().addFirst(HeadDeadline.NAME, new HeadDeadline(limits.requestHeadTimeout()))
                            .addFirst(LingeringClose.NAME, new LingeringClose());
                })
                .childObserve((connection, state) -> {
                    if (state == HttpServerState.REQUEST_RECEIVED) {
                        HeadDeadline deadline = HeadDeadline.of(connection.channel());
                        if (deadline != null) {
                            deadline.headReceived();
                        }
                    } else if (state == ConnectionObserver.State.DISCONNECTING
                            && !(connection.channel() instanceof Http2StreamChannel)) {
                        HeadDeadline deadline = HeadDeadline.of(connection.channel());
                        if (deadline != null) {
                            deadline.requestDone();
                        }
                    }
                });
    }

    /** Reactor Netty's access log line, with the URI's credentials masked. */
    static AccessLog maskedAccessLog(AccessLogArgProvider request) {
        return AccessLog.create("{} - {} [{}] \"{} {} {}\" {} {} {}", request.remoteAddress() == null ? "-"
                        : ((java.net.InetSocketAddress) request.remoteAddress()).getHostString(),
                request.user() == null ? "-" : request.user(),
                request.accessDateTime() == null ? "-" : request.accessDateTime().format(WHEN), request.method(),
                LoggedPaths.mask(request.uri() == null ? null : request.uri().toString()), request.protocol(),
                request.status(), request.contentLength() < 0 ? "-" : request.contentLength(), request.duration());
    }
}
