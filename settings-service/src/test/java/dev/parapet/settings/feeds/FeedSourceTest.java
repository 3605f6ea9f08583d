package dev.parapet.settings.feeds;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

class FeedSourceTest {

    private static final List<Path> NONE = List.of();
    private static final List<Path> FEEDS = List.of(Path.of("/srv/feeds"));

    private static String refusal(String text, List<Path> allowed) {
        FeedSource.Parsed parsed = FeedSource.parse(text, allowed);
        assertThat(parsed.source()).as(text).isEmpty();
        return parsed.error().orElseThrow();
    }

    @Test
    void anHttpOrHttpsUrlIsASourceInCanonicalForm() {
        FeedSource source = FeedSource.parse(" HTTPS://Lists.Example.ORG/phishing.txt?v=1 ", NONE).source().orElseThrow();
        assertThat(source).isInstanceOf(FeedSource.Http.class);
        assertThat(source.text()).isEqualTo("https://lists.example.org/phishing.txt?v=1");
        assertThat(FeedSource.parse("http://lists.example.org", NONE).source().orElseThrow().text()).isEqualTo("http://lists.example.org/");
    }

    @Test
    void otherSchemesCredentialsAndJunkAreRefused() {
        assertThat(refusal("ftp://lists.example.org/a.txt", NONE)).contains("http, https or file");
        assertThat(refusal("gopher://x/", NONE)).contains("http, https or file");
        assertThat(refusal("jar:file:/srv/feeds/a.jar!/a.txt", FEEDS)).contains("http, https or file");
        assertThat(refusal("lists.example.org/a.txt", NONE)).contains("http, https or file");
        assertThat(refusal("https://user:secret@lists.example.org/a.txt", NONE)).contains("credentials");
        assertThat(refusal("https:///a.txt", NONE)).contains("host");
        assertThat(refusal("https://lists.example.org/a b", NONE)).contains("spaces");
        assertThat(refusal("https://lists.example.org/a#x", NONE)).contains("fragment");
        assertThat(refusal("", NONE)).contains("required");
        assertThat(refusal(null, NONE)).contains("required");
        assertThat(refusal("https://lists.example.org/" + "a".repeat(3000), NONE)).contains("2048");
    }

    @Test
    void aFileIsASourceOnlyUnderAnAllowedDirectory() {
        assertThat(refusal("file:///srv/feeds/phishing.txt.gz", NONE)).contains("allows no directory");
        FeedSource file = FeedSource.parse("file:///srv/feeds/phishing.txt.gz", FEEDS).source().orElseThrow();
        assertThat(file).isEqualTo(new FeedSource.File(Path.of("/srv/feeds/phishing.txt.gz")));
        assertThat(file.text()).isEqualTo("file:///srv/feeds/phishing.txt.gz");
        assertThat(refusal("file:///etc/passwd", FEEDS)).contains("under an allowed directory");
        assertThat(refusal("file:///srv/feeds/../../etc/passwd", FEEDS)).contains("under an allowed directory");
        assertThat(refusal("file:///srv/feeds", FEEDS)).contains("under an allowed directory");
        assertThat(refusal("file:///srv/feeds-other/a.txt", FEEDS)).contains("under an allowed directory");
        assertThat(refusal("file://otherhost/srv/feeds/a.txt", FEEDS)).contains("local file");
    }
}
