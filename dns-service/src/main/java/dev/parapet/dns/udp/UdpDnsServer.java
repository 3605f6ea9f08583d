package dev.parapet.dns.udp;

import java.net.InetSocketAddress;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import dev.parapet.dns.DnsProperties;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;

/** DNS over UDP on {@code parapet.dns.address}:{@code parapet.dns.port}, answered by {@link DnsResolver}. */
@Component
public class UdpDnsServer implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(UdpDnsServer.class);

    private final DnsProperties properties;
    private final DnsResolver resolver;
    private EventLoopGroup group;
    private Channel channel;

    public UdpDnsServer(DnsProperties properties, DnsResolver resolver) {
        this.properties = properties;
        this.resolver = resolver;
    }

    @Override
    public void start() {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        channel = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext context, DatagramPacket packet) {
                        ByteBuf content = packet.content();
                        byte[] query = new byte[content.readableBytes()];
                        content.readBytes(query);
                        InetSocketAddress sender = packet.sender();
                        resolver.answer(query, sender.getAddress()).thenAccept(answer -> answer.ifPresent(bytes ->
                                context.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(bytes), sender))));
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
                        LOG.warn("DNS over UDP: {}", cause.toString());
                    }
                })
                .bind(properties.address(), properties.port()).syncUninterruptibly().channel();
        LOG.info("DNS over UDP on {}", channel.localAddress());
    }

    /** The bound port (the configured one, or the one picked for port 0). */
    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
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
}
