package dev.parapet.dns.transport;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import dev.parapet.dns.DnsProperties;
import dev.parapet.dns.resolve.Client;
import dev.parapet.dns.resolve.DnsResolver;
import dev.parapet.schemas.v1.verdicts.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;

/**
 * DNS over UDP on {@code parapet.dns.address}:{@code parapet.dns.port}. With Linux's epoll, one socket
 * per thread shares the port (SO_REUSEPORT), so the kernel spreads queries over the threads; elsewhere
 * one NIO socket. Answers are written from the thread that completes them (an upstream's, for a
 * forwarded query); Netty hands the write to the channel's own loop.
 */
@Component
public class UdpDnsServer implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(UdpDnsServer.class);

    private final DnsProperties properties;
    private final DnsResolver resolver;
    private final List<Channel> channels = new ArrayList<>();
    private EventLoopGroup group;

    public UdpDnsServer(DnsProperties properties, DnsResolver resolver) {
        this.properties = properties;
        this.resolver = resolver;
    }

    @Override
    public void start() {
        int threads = properties.threads() > 0 ? properties.threads() : Runtime.getRuntime().availableProcessors();
        boolean epoll = Epoll.isAvailable();
        group = new MultiThreadIoEventLoopGroup(threads, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        Bootstrap bootstrap = new Bootstrap().group(group)
                .channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
                .option(ChannelOption.SO_RCVBUF, 4 << 20)
                .option(ChannelOption.SO_SNDBUF, 4 << 20)
                .handler(new Handler(resolver));
        if (epoll) {
            bootstrap.option(EpollChannelOption.SO_REUSEPORT, true);
        }
        int wanted = properties.port() != 0 ? properties.port() : freeUdpAndTcpPort(properties.address());
        Channel first = bootstrap.bind(properties.address(), wanted).syncUninterruptibly().channel();
        channels.add(first);
        int port = ((InetSocketAddress) first.localAddress()).getPort();
        for (int i = 1; epoll && i < threads; i++) {
            channels.add(bootstrap.bind(properties.address(), port).syncUninterruptibly().channel());
        }
        LOG.info("DNS over UDP on {} ({} socket(s))", first.localAddress(), channels.size());
    }

    @ChannelHandler.Sharable
    private static final class Handler extends SimpleChannelInboundHandler<DatagramPacket> {

        private final DnsResolver resolver;

        Handler(DnsResolver resolver) {
            this.resolver = resolver;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext context, DatagramPacket packet) {
            ByteBuf content = packet.content();
            byte[] query = new byte[content.readableBytes()];
            content.readBytes(query);
            InetSocketAddress sender = packet.sender();
            CompletableFuture<byte[]> answer = resolver.answer(query, Client.of(sender.getAddress(), Transport.UDP))
                    .toCompletableFuture();
            if (answer.isDone()) {
                // Answered at once (cache, block, refusal): flushed with the rest of this read (sendmmsg with epoll).
                byte[] bytes = answer.join();
                if (bytes != null) {
                    context.write(new DatagramPacket(Unpooled.wrappedBuffer(bytes), sender));
                }
            } else {
                answer.thenAccept(bytes -> {
                    if (bytes != null) {
                        context.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(bytes), sender));
                    }
                });
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext context) {
            context.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
            LOG.warn("DNS over UDP: {}", cause.toString());
        }
    }

    /**
     * For port 0 (tests): a port free for both UDP and TCP, probed without SO_REUSEPORT, so that a
     * picked port is never one another listener on this machine shares by SO_REUSEPORT.
     */
    static int freeUdpAndTcpPort(String address) {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (java.net.ServerSocket tcp = new java.net.ServerSocket()) {
                tcp.setReuseAddress(false);
                tcp.bind(new InetSocketAddress(address, 0));
                try (java.net.DatagramSocket udp = new java.net.DatagramSocket(null)) {
                    udp.setReuseAddress(false);
                    udp.bind(new InetSocketAddress(address, tcp.getLocalPort()));
                    return tcp.getLocalPort();
                }
            } catch (java.io.IOException taken) {
                // that UDP twin is taken: try another
            }
        }
        throw new IllegalStateException("no port free for both UDP and TCP on " + address);
    }

    /** The bound port (the configured one, or the one picked for port 0). */
    public int port() {
        return ((InetSocketAddress) channels.get(0).localAddress()).getPort();
    }

    @Override
    public void stop() {
        channels.forEach(channel -> channel.close().syncUninterruptibly());
        channels.clear();
        if (group != null) {
            group.shutdownGracefully().syncUninterruptibly();
        }
    }

    @Override
    public boolean isRunning() {
        return !channels.isEmpty();
    }
}
