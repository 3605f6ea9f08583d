package dev.parapet.dns.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import reactor.core.publisher.Flux;

/** A DoH POST body: bounded by its declared length before a byte is read, and by counting when it has none. */
class DohBodyTest {

    static byte[] read(String declared, List<byte[]> chunks, AtomicInteger subscribed) {
        return DohBody.read(declared, Flux.fromIterable(chunks).doOnSubscribe(s -> subscribed.incrementAndGet()),
                chunk -> chunk.length, chunk -> chunk, chunk -> { }).block();
    }

    @Test
    void aDeclaredLengthUpToTheLimitIsReadAndAnythingElseIsRefusedUnread() {
        AtomicInteger subscribed = new AtomicInteger();
        assertThat(read("3", List.of(new byte[] {1, 2}, new byte[] {3}), subscribed)).containsExactly(1, 2, 3);
        assertThat(read(" 65535 ", List.of(new byte[] {1}), subscribed)).containsExactly(1);
        assertThat(subscribed).hasValue(2);

        for (String declared : List.of("65536", "999999999", "0000000001", "", " ", "1e3", "-1", "+5", "0x10", "１２")) {
            assertThatThrownBy(() -> read(declared, List.of(new byte[] {1}), subscribed)).as("Content-Length '%s'", declared)
                    .isInstanceOf(DohBody.TooLarge.class);
        }
        assertThat(subscribed).as("no refused body was read").hasValue(2);
    }

    @Test
    void aBodyWithoutALengthIsRefusedAtTheChunkThatPassesTheLimit() {
        AtomicInteger subscribed = new AtomicInteger();
        byte[] half = new byte[DohBody.MAX / 2 + 1];

        assertThatThrownBy(() -> read(null, List.of(half, half), subscribed)).isInstanceOf(DohBody.TooLarge.class);
        assertThat(read(null, List.of(new byte[DohBody.MAX - 1], new byte[1]), subscribed)).hasSize(DohBody.MAX);
    }
}
