package dev.parapet.dns.transport;

import java.util.Optional;
import java.util.function.Function;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import java.net.InetSocketAddress;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import dev.parapet.dns.limits.ListenerLimits;
import dev.parapet.dns.policy.Snapshot;
import dev.parapet.dns.resolve.Client;
import dev.parapet.dns.resolve.DnsResolver;
import dev.parapet.kit.web.limits.ConnectionLimiter;
import dev.parapet.schemas.v1.verdicts.Transport;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;

/**
 * DNS over a byte stream, as DNS over TCP (RFC 7766) and DNS over TLS (RFC 7858) share it: each message
 * framed by a two-byte length, several queries per connection answered as they complete (possibly out
 * of order, which the message id allows). With an {@link SslContext} a TLS handshake comes first, and
 * must be done within {@code tlsHandshakeTimeout} so that a client that starts one and stalls does not
 * hold a connection; a client that speaks anything but TLS there is closed at its first bytes.
 *
 * <p>{@link ListenerLimits.Tcp} bounds what a client can hold: connections in all and per client
 * ({@link ConnectionLimiter}, one per listener), a connection with no traffic for the idle timeout is
 * closed and so is one whose query has been arriving that long without being whole (a client that
 * trickles bytes), and a connection may have a bounded number of queries unanswered, beyond which it
 * stops being read until answers go out.
 */
final class DnsStreamListener {

    private final Transport transport;
    private final SslContext tls;
    private final DnsResolver resolver;
    private final ListenerLimits.Tcp limits;
    private final ConnectionLimiter connections;
    private final Function<String, Optional<Snapshot.Attribution>> locations;
    private EventLoopGroup group;
    private ServerBootstrap bootstrap;
    private Channel channel;

    /**
     * @param name      names the listener in the connection metrics ({@code parapet.connections.*})
     * @param transport what the queries arrive as, for the resolver and the verdicts
     * @param tls       the server's TLS, or null for plain TCP
     * @param locations with TLS: the location a server name (SNI) names, if any (a location's own DoT host)
     */
    DnsStreamListener(String name, Transport transport, SslContext tls, DnsResolver resolver, ListenerLimits.Tcp limits,
                      MeterRegistry meters, Function<String, Optional<Snapshot.Attribution>> locations) {
        this.transport = transport;
        this.locations = locations;
        this.tls = tls;
        this.resolver = resolver;
        this.limits = limits;
        this.connections = new ConnectionLimiter(name, limits.maxConnections(), limits.maxConnectionsPerClient(), meters);
    }

    /** Binds (the event loop started by the first call); Netty's exception, unchecked, if the port is taken. */
    void bind(String address, int port) {
        if (group == null) {
            group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
            bootstrap = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            connections.admit(channel);
                            if (tls != null) {
                                SslHandler ssl = tls.newHandler(channel.alloc());
                                ssl.setHandshakeTimeoutMillis(limits.tlsHandshakeTimeout().toMillis());
                                channel.pipeline().addLast(ssl);
                            }
                            // After TLS: only DNS messages and answers count as traffic, not TLS records (so the
                            // idle clock runs from the connection's start, through the handshake).
                            channel.pipeline()
                                    .addLast(new IdleStateHandler(0, 0, limits.idleTimeout().toNanos(), TimeUnit.NANOSECONDS))
                                    .addLast(new Frames())
                                    .addLast(new Handler());
                        }
                    });
        }
        channel = bootstrap.bind(address, port).syncUninterruptibly().channel();
    }

    /** Closes the bound socket and stops the event loop (closing every connection). */
    void close() {
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
        if (group != null) {
            group.shutdownGracefully().syncUninterruptibly();
            group = null;
        }
    }

    /** Whether the listener is bound and open. */
    boolean isOpen() {
        return channel != null && channel.isOpen();
    }

    /** The bound port. */
    int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /**
     * RFC 7766 framing, with a deadline for a message that has begun to arrive: it must be whole
     * within the idle timeout, or the connection is closed (the idle timeout alone is reset by every
     * byte of a client that trickles them).
     */
    private final class Frames extends LengthFieldBasedFrameDecoder {

        private ScheduledFuture<?> partial;

        Frames() {
            super(DnsResolver.STREAM_SIZE, 0, 2, 0, 2);
        }

        @Override
        protected Object decode(ChannelHandlerContext context, ByteBuf in) throws Exception {
            Object frame = super.decode(context, in);
            if (frame != null || !in.isReadable()) {
                cancel(); // a whole message arrived: the clock restarts for the next one
            }
            if (frame == null && in.isReadable() && partial == null) {
                partial = context.executor().schedule(() -> {
                    context.close();
                }, limits.idleTimeout().toNanos(), TimeUnit.NANOSECONDS);
            }
            return frame;
        }

        @Override
        protected void handlerRemoved0(ChannelHandlerContext context) {
            cancel();
        }

        private void cancel() {
            if (partial != null) {
                partial.cancel(false);
                partial = null;
            }
        }
    }

    private final class Handler extends SimpleChannelInboundHandler<ByteBuf> {

        private int pending;
        /** The server name the TLS client asked for (SNI), read once the handshake is done; "" for none. */
        private String serverName;

        /**
         * Who asks: the location whose own DoT host the client named (looked up for every query, so that a
         * rotated-out name stops at once), else the source address (a location's range, as port 53).
         */
        private Client client(ChannelHandlerContext context, InetSocketAddress remote) {
            if (tls != null && locations != null) {
                if (serverName == null) {
                    serverName = serverName(context);
                }
                if (!serverName.isEmpty()) {
                    Optional<Snapshot.Attribution> location = locations.apply(serverName);
                    if (location.isPresent()) {
                        return Client.atLocation(remote.getAddress(), transport, location.get());
                    }
                }
            }
            return Client.of(remote.getAddress(), transport);
        }

        private static String serverName(ChannelHandlerContext context) {
            SslHandler ssl = context.pipeline().get(SslHandler.class);
            if (ssl != null && ssl.engine().getSession() instanceof ExtendedSSLSession session) {
                for (SNIServerName name : session.getRequestedServerNames()) {
                    if (name instanceof SNIHostName host) {
                        return host.getAsciiName();
                    }
                }
            }
            return "";
        }

        @Override
        protected void channelRead0(ChannelHandlerContext context, ByteBuf frame) {
            byte[] query = new byte[frame.readableBytes()];
            frame.readBytes(query);
            InetSocketAddress remote = (InetSocketAddress) context.channel().remoteAddress();
            if (++pending >= limits.maxQueriesInFlight()) {
                context.channel().config().setAutoRead(false);
            }
            resolver.answer(query, client(context, remote)).thenAccept(answer ->
                    context.executor().execute(() -> {
                        if (--pending < limits.maxQueriesInFlight()) {
                            context.channel().config().setAutoRead(true);
                        }
                        if (answer != null) {
                            ByteBuf out = Unpooled.buffer(answer.length + 2);
                            out.writeShort(answer.length).writeBytes(answer);
                            context.writeAndFlush(out);
                        }
                    }));
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext context, Object event) {
            if (event instanceof IdleStateEvent) {
                context.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
            // A frame too long, a reset connection, a failed or timed-out TLS handshake (or no TLS at
            // all): nothing to answer, close it.
            context.close();
        }
    }
}
