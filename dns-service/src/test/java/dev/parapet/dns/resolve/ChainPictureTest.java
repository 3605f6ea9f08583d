package dev.parapet.dns.resolve;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/dns.md draws the chain as DnsResolver assembles it: the same stages, in the same order. */
class ChainPictureTest {

    @Test
    void theDocsPictureNamesTheAssembledStagesInOrder(@TempDir Path directory) throws Exception {
        Path list = Files.writeString(directory.resolve("list.txt"), "blocked.example\n");
        List<String> assembled = ResolverFuzzTest.resolver(list).stages();
        String docs = Files.readString(Path.of("..", "docs", "dns.md"));
        String picture = docs.substring(docs.indexOf("<!-- chain:begin -->"), docs.indexOf("<!-- chain:end -->"));
        Matcher stage = Pattern.compile("^\\s*\\d+ (\\w+Stage)", Pattern.MULTILINE).matcher(picture);
        List<String> drawn = stage.results().map(match -> match.group(1)).toList();
        assertThat(drawn).isEqualTo(assembled);
        assertThat(assembled).hasSizeGreaterThan(5);
    }
}
