package dev.parapet.dns.transport;

import java.io.ByteArrayOutputStream;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.ToIntFunction;

import dev.parapet.dns.resolve.DnsResolver;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The body of a DoH POST, whichever server carries it, read only once the credential has been
 * accepted and never beyond {@value #MAX} bytes (a DNS message's limit): a body declared longer is
 * refused before a byte of it is read, and one that arrives without a length (chunked, or HTTP/2)
 * is counted chunk by chunk and refused with {@link TooLarge} at the chunk that passes the limit,
 * which cancels the read; nothing past the limit is kept.
 */
final class DohBody {

    static final int MAX = DnsResolver.STREAM_SIZE;

    private DohBody() {
    }

    /**
     * @param declared the Content-Length header, or null
     * @param chunks   the body as it arrives; subscribed to only when the result is
     * @param length   a chunk's size
     * @param copy     a chunk's bytes
     * @param release  what to do with a chunk once looked at (Reactor Netty's own buffers: nothing)
     */
    static <T> Mono<byte[]> read(String declared, Flux<T> chunks, ToIntFunction<T> length, Function<T, byte[]> copy,
                                 Consumer<T> release) {
        if (declared != null && declaredLength(declared.strip()) > MAX) {
            return Mono.error(new TooLarge());
        }
        return chunks.collect(() -> new ByteArrayOutputStream(512), (body, chunk) -> {
            try {
                if (body.size() + (long) length.applyAsInt(chunk) > MAX) {
                    throw new TooLarge();
                }
                body.writeBytes(copy.apply(chunk));
            } finally {
                release.accept(chunk);
            }
        }).map(ByteArrayOutputStream::toByteArray);
    }

    /**
     * A Content-Length of one to nine digits, or more than {@link #MAX} for anything else (so refused): read by hand,
     * since {@code String.matches} compiled its pattern again for every DoH POST.
     */
    static long declaredLength(String declared) {
        if (declared.isEmpty() || declared.length() > 9) {
            return Long.MAX_VALUE;
        }
        long length = 0;
        for (int i = 0; i < declared.length(); i++) {
            char digit = declared.charAt(i);
            if (digit < '0' || digit > '9') {
                return Long.MAX_VALUE;
            }
            length = length * 10 + (digit - '0');
        }
        return length;
    }

    /** A body over the limit: the client's doing, so no stack trace. */
    static final class TooLarge extends RuntimeException {
        TooLarge() {
            super("DNS message over " + MAX + " bytes", null, false, false);
        }
    }
}
