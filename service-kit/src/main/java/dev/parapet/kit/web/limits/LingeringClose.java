package dev.parapet.kit.web.limits;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.ReferenceCountUtil;

/**
 * Closes an HTTP/1.1 connection so that its client sees the last answer even while it is still
 * sending: the answer to a refused request (413, 401) goes out before the body has been read, and a
 * plain close with unread bytes makes the kernel send a reset, which can destroy the answer before
 * the client reads it. So the close first shuts down only the output (the client gets the answer
 * and then end of stream), reads nothing more (anything that still arrives is dropped unread, never
 * kept), and closes for good after {@link #LINGER} (then the client's further writes fail).
 */
final class LingeringClose extends ChannelDuplexHandler {

    static final String NAME = "parapet.lingeringClose";
    static final Duration LINGER = Duration.ofSeconds(2);

    private boolean lingering;

    @Override
    public void close(ChannelHandlerContext context, ChannelPromise promise) {
        if (lingering || !(context.channel() instanceof SocketChannel socket) || !socket.isActive()
                || socket.isOutputShutdown()) {
            context.close(promise);
            return;
        }
        lingering = true;
        socket.config().setAutoRead(false);
        context.flush();
        socket.shutdownOutput();
        context.executor().schedule(() -> {
            context.close(promise);
        }, LINGER.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object message) {
        if (lingering) {
            ReferenceCountUtil.release(message);
            return;
        }
        context.fireChannelRead(message);
    }
}
