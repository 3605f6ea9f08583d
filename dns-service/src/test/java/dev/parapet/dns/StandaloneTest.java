package dev.parapet.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.parapet.dns.index.DomainSet;

/** Standalone mode's list file, as block lists are published: plain names, hosts files, comments, any line ends. */
class StandaloneTest {

    @Test
    void readsPlainNamesHostsLinesAndCommentsInAnyCaseAndLineEnd(@TempDir Path directory) throws Exception {
        Path list = directory.resolve("list.txt");
        Files.write(list, String.join("\r\n",
                "# a list in the hosts format, with Windows line ends",
                "0.0.0.0 ads.example",
                "127.0.0.1\tTracker.Example.   # its own comment",
                "",
                "   ",
                "plain.example",
                "dotted.example.",
                "  indented.example  ",
                "xn--bcher-kva.example",
                "bücher.example",
                "#commented.example",
                "last.example").getBytes(StandardCharsets.UTF_8));
        DomainSet set = new Standalone(list.toString(), List.of("127.0.0.0/8")).load();

        for (String name : List.of("ads.example", "tracker.example", "plain.example", "dotted.example",
                "indented.example", "xn--bcher-kva.example", "last.example", "www.ads.example")) {
            assertThat(set.coversName(name)).as(name).isTrue();
        }
        for (String name : List.of("0.0.0.0", "127.0.0.1", "commented.example", "example", "a", "comment",
                "b?cher.example", "bücher.example")) {
            assertThat(set.coversName(name)).as(name).isFalse();
        }
        assertThat(set.size()).isEqualTo(7);
    }

    @Test
    void anEmptyOrCommentOnlyFileIsAnEmptyList(@TempDir Path directory) throws Exception {
        Path list = Files.writeString(directory.resolve("list.txt"), "# nothing here\n\n");
        assertThat(new Standalone(list.toString(), List.of()).load().size()).isZero();
        Path empty = Files.writeString(directory.resolve("empty.txt"), "");
        assertThat(new Standalone(empty.toString(), List.of()).load().size()).isZero();
    }
}
