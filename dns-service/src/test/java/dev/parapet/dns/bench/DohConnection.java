package dev.parapet.dns.bench;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2ChannelDuplexHandler;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;

/**
 * One kept-alive HTTP/2 connection over TLS that carries many DoH queries at once, each on its own stream,
 * for {@link DohLoad}. It is Netty's HTTP/2 frame codec and nothing else (no per-stream channels, no reactive
 * pipeline), so that a query costs the generator a headers frame, a data frame and a map entry: the JDK's
 * HTTP/2 client, which the simulator used, cost more CPU than the server it measured. It sends nothing before the
 * server's first SETTINGS and never more streams at once than its {@code SETTINGS_MAX_CONCURRENT_STREAMS} (a
 * stream over it is refused, and the JDK client counted those as errors); queries beyond that wait here,
 * and their waiting counts in their latency (the generator is open-loop: a query's clock starts at the
 * moment the schedule meant to send it). Everything below runs on the connection's event loop only.
 */
final class DohConnection {

    private static final AsciiString POST = AsciiString.cached("POST");
    private static final AsciiString HTTPS = AsciiString.cached("https");
    private static final AsciiString DNS_MESSAGE = AsciiString.cached("application/dns-message");

    /** One query: when the schedule meant it to go, its wire form and its agent's header. */
    static final class Query {
        final long intendedNanos;
        final byte[] wire;
        final AsciiString authorization;
        Http2FrameStream stream;
        int status;

        Query(long intendedNanos, byte[] wire, AsciiString authorization) {
            this.intendedNanos = intendedNanos;
            this.wire = wire;
            this.authorization = authorization;
        }
    }

    private final Bootstrap bootstrap;
    private final EventLoop loop;
    private final String host;
    private final int port;
    private final AsciiString authority;
    private final AsciiString path;
    private final long timeoutNanos;
    final DohResults results;

    private Channel channel;
    private Handler handler;
    private boolean connecting;
    private boolean closing;
    private long maxStreams = 100;
    private final Map<Integer, Query> inFlight = new HashMap<>();
    private final ArrayDeque<Query> waiting = new ArrayDeque<>();

    DohConnection(Bootstrap template, SslContext tls, String host, int port, String path, long timeoutNanos, EventLoop loop,
                  DohResults results) {
        this.host = host;
        this.port = port;
        this.authority = new AsciiString(host + ":" + port);
        this.path = new AsciiString(path);
        this.timeoutNanos = timeoutNanos;
        this.results = results;
        this.loop = loop;
        this.bootstrap = template.clone(loop).option(ChannelOption.TCP_NODELAY, true).handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel channel) {
                SslHandler ssl = tls.newHandler(channel.alloc(), host, port);
                channel.pipeline().addLast(ssl, Http2FrameCodecBuilder.forClient().build(), new Handler());
            }
        });
        loop.scheduleAtFixedRate(this::expire, 100, 100, TimeUnit.MILLISECONDS);
    }

    EventLoop loop() {
        return loop;
    }

    /** Sends, or keeps until a stream is free or the connection is up. On the event loop. */
    void send(Query query) {
        if (closing) {
            return;
        }
        if (handler == null || !channel.isActive() || inFlight.size() >= maxStreams) {
            waiting.add(query);
            connect();
            return;
        }
        write(query);
    }

    /** Writes what was sent since the last flush: once per batch of the schedule. */
    void flush() {
        if (channel != null && channel.isActive()) {
            channel.flush();
        }
    }

    private void write(Query query) {
        ChannelHandlerContext context = handler.context;
        query.stream = handler.stream();
        Http2Headers headers = new DefaultHttp2Headers(false, 8).method(POST).scheme(HTTPS).authority(authority).path(path)
                .add(HttpHeaderNames.CONTENT_TYPE, DNS_MESSAGE).add(HttpHeaderNames.ACCEPT, DNS_MESSAGE)
                .add(HttpHeaderNames.AUTHORIZATION, query.authorization).addInt(HttpHeaderNames.CONTENT_LENGTH, query.wire.length);
        context.write(new DefaultHttp2HeadersFrame(headers, false).stream(query.stream)).addListener(done -> {
            if (!done.isSuccess()) {
                fail(query, "write: " + done.cause().getClass().getSimpleName());
            }
        });
        inFlight.put(query.stream.id(), query);
        context.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(query.wire), true).stream(query.stream));
        results.sent++;
    }

    void connect() {
        if (connecting || (channel != null && channel.isActive()) || closing) {
            return;
        }
        connecting = true;
        results.connects++;
        bootstrap.connect(host, port).addListener(future -> {
            if (!future.isSuccess()) {
                connecting = false;
                results.event("connect: " + future.cause().getMessage());
                loop().schedule(this::connect, 200, TimeUnit.MILLISECONDS);
            }
        });
    }

    private void drain() {
        while (!waiting.isEmpty() && handler != null && channel.isActive() && inFlight.size() < maxStreams) {
            write(waiting.poll());
        }
        flush();
    }

    private void complete(Query query, boolean ok, String failure) {
        inFlight.remove(query.stream.id());
        if (ok) {
            results.answered(System.nanoTime() - query.intendedNanos, query.intendedNanos);
        } else {
            results.failed(failure, query.intendedNanos);
        }
    }

    private void fail(Query query, String kind) {
        if (query.stream != null && inFlight.remove(query.stream.id()) == null) {
            return; // completed already
        }
        results.failed(kind, query.intendedNanos);
    }

    /** Queries past their timeout, sent or waiting, are failures; a sent one's stream is cancelled. */
    private void expire() {
        long now = System.nanoTime();
        for (Iterator<Query> it = inFlight.values().iterator(); it.hasNext(); ) {
            Query query = it.next();
            if (now - query.intendedNanos > timeoutNanos) {
                it.remove();
                results.failed("timeout", query.intendedNanos);
                if (handler != null && channel.isActive()) {
                    handler.context.write(new DefaultHttp2ResetFrame(Http2Error.CANCEL).stream(query.stream));
                }
            }
        }
        while (!waiting.isEmpty() && now - waiting.peek().intendedNanos > timeoutNanos) {
            results.failed("timeout (never sent: no free stream or no connection)", waiting.poll().intendedNanos);
        }
        flush();
    }

    /** Stops sending; what is still in flight may complete. */
    void close() {
        closing = true;
        if (channel != null) {
            channel.close();
        }
    }

    int inFlight() {
        return inFlight.size() + waiting.size();
    }

    private final class Handler extends Http2ChannelDuplexHandler {

        ChannelHandlerContext context;

        Http2FrameStream stream() {
            return newStream();
        }

        @Override
        protected void handlerAdded0(ChannelHandlerContext context) {
            this.context = context;
            channel = context.channel();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext context, Object event) throws Exception {
            if (event instanceof SslHandshakeCompletionEvent handshake) {
                connecting = false;
                if (!handshake.isSuccess()) {
                    results.event("handshake: " + handshake.cause().getMessage());
                } else {
                    String protocol = context.pipeline().get(SslHandler.class).applicationProtocol();
                    if (!ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                        results.event("ALPN chose " + protocol + ", not h2");
                        context.close();
                        return;
                    }
                    results.handshakes++;
                    // Ready once the server's SETTINGS say how many streams it allows (below).
                }
            }
            super.userEventTriggered(context, event);
        }

        @Override
        public void channelRead(ChannelHandlerContext context, Object message) {
            try {
                if (message instanceof Http2SettingsFrame settings) {
                    Long streams = settings.settings().maxConcurrentStreams();
                    if (streams != null || handler == null) {
                        // Absent from the first SETTINGS: no limit; from a later one: unchanged.
                        maxStreams = streams == null ? Integer.MAX_VALUE : streams;
                    }
                    handler = this;
                    drain();
                } else if (message instanceof Http2HeadersFrame headers) {
                    Query query = inFlight.get(headers.stream().id());
                    if (query != null) {
                        CharSequence status = headers.headers().status();
                        query.status = status == null ? 0 : Integer.parseInt(status.toString());
                        if (headers.isEndStream()) {
                            complete(query, false, "HTTP " + query.status + " without a body");
                        }
                    }
                } else if (message instanceof Http2DataFrame data) {
                    int bytes = data.initialFlowControlledBytes();
                    if (bytes > 0) {
                        context.write(new DefaultHttp2WindowUpdateFrame(bytes).stream(data.stream()));
                    }
                    Query query = inFlight.get(data.stream().id());
                    if (query != null && data.isEndStream()) {
                        boolean ok = query.status == 200 && data.content().readableBytes() >= 12;
                        complete(query, ok, ok ? null : "HTTP " + query.status);
                    }
                } else if (message instanceof Http2ResetFrame reset) {
                    Query query = inFlight.get(reset.stream().id());
                    if (query != null) {
                        complete(query, false, "stream reset by the server: " + Http2Error.valueOf(reset.errorCode()));
                    }
                } else if (message instanceof Http2GoAwayFrame goAway) {
                    results.goAways++;
                    results.event("GOAWAY " + Http2Error.valueOf(goAway.errorCode()) + " (counted once per connection)");
                }
            } finally {
                ReferenceCountUtil.release(message);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext context) {
            drain();
        }

        @Override
        public void channelInactive(ChannelHandlerContext context) throws Exception {
            if (!closing) {
                results.closes++;
            }
            handler = null;
            connecting = false;
            for (Query query : inFlight.values()) {
                results.failed("connection closed", query.intendedNanos);
            }
            inFlight.clear();
            if (!closing) {
                DohConnection.this.connect();
            }
            super.channelInactive(context);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
            results.event("connection error: " + cause.getClass().getSimpleName() + ": " + cause.getMessage());
            context.close();
        }
    }
}
