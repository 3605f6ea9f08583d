package dev.parapet.dns.transport;

import java.net.InetSocketAddress;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import dev.parapet.dns.DnsProperties;
import dev.parapet.dns.limits.ListenerLimits;
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
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * DNS over TCP on the same address and port as UDP (RFC 7766): each message framed by a two-byte
 * length, several queries per connection answered as they complete (possibly out of order, which the
 * message id allows). {@code parapet.dns.limits.tcp} bounds what a client can hold: connections in all
 * and per client ({@link ConnectionLimiter}), a connection with no traffic for the idle timeout is
 * closed and so is one whose query has been arriving that long without being whole (a client that
 * trickles bytes), and a connection may have a bounded number of queries unanswered, beyond which it
 * stops being read until answers go out.
 */
@Component
public class TcpDnsServer implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(TcpDnsServer.class);

    private final DnsProperties properties;
    private final DnsResolver resolver;
    private final UdpDnsServer udp;
    private final ListenerLimits.Tcp limits;
    private final ConnectionLimiter connections;
    private EventLoopGroup group;
    private Channel channel;

    public TcpDnsServer(DnsProperties properties, DnsResolver resolver, UdpDnsServer udp, ListenerLimits limits,
                        MeterRegistry meters) {
        this.properties = properties;
        this.resolver = resolver;
        this.udp = udp;
        this.limits = limits.tcp();
        this.connections = new ConnectionLimiter("dns-tcp", this.limits.maxConnections(),
                this.limits.maxConnectionsPerClient(), meters);
    }

    @Override
    public void start() {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        connections.admit(channel);
                        channel.pipeline()
                                .addLast(new IdleStateHandler(0, 0, limits.idleTimeout().toNanos(), TimeUnit.NANOSECONDS))
                                .addLast(new Frames())
                                .addLast(new Handler());
                    }
                });
        // TCP takes the port the UDP listener has (it may have picked it, for port 0). When the port was
        // picked and its TCP twin is taken, UDP moves to another picked port and TCP tries again.
        for (int attempt = 1; ; attempt++) {
            try {
                channel = bootstrap.bind(properties.address(), udp.port()).syncUninterruptibly().channel();
                break;
            } catch (Exception taken) { // Netty rethrows the BindException unchecked
                if (properties.port() != 0 || attempt == 20) {
                    throw new IllegalStateException("DNS over TCP cannot bind " + properties.address() + ":" + udp.port(), taken);
                }
                udp.stop();
                udp.start();
            }
        }
        LOG.info("DNS over TCP on {}", channel.localAddress());
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

        @Override
        protected void channelRead0(ChannelHandlerContext context, ByteBuf frame) {
            byte[] query = new byte[frame.readableBytes()];
            frame.readBytes(query);
            InetSocketAddress remote = (InetSocketAddress) context.channel().remoteAddress();
            if (++pending >= limits.maxQueriesInFlight()) {
                context.channel().config().setAutoRead(false);
            }
            resolver.answer(query, Client.of(remote.getAddress(), Transport.TCP)).thenAccept(answer ->
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
            // A frame too long or a reset connection: nothing to answer, close it.
            context.close();
        }
    }

    @Override
    public void stop() {
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
        if (group != null) {
            group.shutdownGracefully().syncUninterruptibly();
        }
    }

    @Override
    public boolean isRunning() {
        return channel != null && channel.isOpen();
    }

    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE + 1;
    }
}
