package dev.parapet.kit.web.limits;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2StreamChannel;

/**
 * Closes an HTTP connection whose next request head (the TLS handshake, the request line and the
 * headers) takes longer than a bound to arrive: from the connection's start, and from the first byte
 * after a response on a kept-alive HTTP/1.1 connection. Reactor Netty's own timeouts do not cover
 * this: its read and request timeouts start once the headers have been decoded, and its idle timeout
 * is reset by every byte, so a client sending its headers one byte a second (slowloris) would hold its
 * connection for ever. Reactor Netty tells {@link #headReceived} and {@link #requestDone} through a
 * connection observer ({@link HttpListeners}); this handler only watches reads and passes everything on.
 */
final class HeadDeadline extends ChannelDuplexHandler {

    static final String NAME = "parapet.requestHeadDeadline";

    private final long timeoutNanos;
    private ChannelHandlerContext context;
    private ScheduledFuture<?> deadline;
    /** Between requests: a read starts the clock for the next head. */
    private boolean awaitingHead = true;

    HeadDeadline(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
    }

    /** The deadline of the connection a channel (or HTTP/2 stream) belongs to, or null. */
    static HeadDeadline of(Channel channel) {
        Channel connection = channel instanceof Http2StreamChannel stream ? stream.parent() : channel;
        return connection == null ? null : connection.pipeline().get(HeadDeadline.class);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.context = context;
        arm(); // the handshake and the first head are on the clock at once
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object message) {
        if (awaitingHead && deadline == null) {
            arm();
        }
        context.fireChannelRead(message);
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        cancel();
        context.fireChannelInactive();
    }

    /** A request's head has arrived: its body is Reactor Netty's read and request timeouts' business. */
    void headReceived() {
        run(() -> {
            awaitingHead = false;
            cancel();
        });
    }

    /** An HTTP/1.1 request is done: the next one's head will be on the clock from its first byte. */
    void requestDone() {
        run(() -> awaitingHead = true);
    }

    private void run(Runnable task) {
        if (context.executor().inEventLoop()) {
            task.run();
        } else {
            context.executor().execute(task);
        }
    }

    private void arm() {
        cancel();
        deadline = context.executor().schedule(() -> {
            deadline = null;
            if (awaitingHead) {
                context.close();
            }
        }, timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void cancel() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }
}
