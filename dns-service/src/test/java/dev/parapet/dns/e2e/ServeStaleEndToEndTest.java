package dev.parapet.dns.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.parapet.dns.resolve.StandaloneResolver;
import dev.parapet.dns.transport.FakeUpstream;

/**
 * Serve-stale (RFC 8767) asked by dig of dns-service on a real socket: once its only upstream is gone,
 * a name it answered before is still answered, past its TTL, with a 30-second TTL (RFC 8767 4); a name it never
 * answered is SERVFAIL.
 */
class ServeStaleEndToEndTest {

    @Test
    void whenTheUpstreamDiesKnownNamesAreServedStale(@TempDir Path directory) throws Exception {
        FakeUpstream upstream = new FakeUpstream(1);
        try (StandaloneResolver resolver = new StandaloneResolver(directory, List.of("blocked.example"),
                List.of("127.0.0.1:" + upstream.port()), Duration.ofMillis(300), null)) {
            int port = resolver.listen();
            assertThat(Cli.dig("127.0.0.1", port, "+noall", "+answer", "www.example.com", "A"))
                    .containsPattern("www\\.example\\.com\\.\\s+1\\s+IN\\s+A\\s+192\\.0\\.2\\.1");
            upstream.close();
            Thread.sleep(1_500); // past the answer's TTL
            String stale = Cli.dig("127.0.0.1", port, "www.example.com", "A");
            assertThat(stale).contains("status: NOERROR")
                    .containsPattern("www\\.example\\.com\\.\\s+30\\s+IN\\s+A\\s+192\\.0\\.2\\.1");
            assertThat(Cli.dig("127.0.0.1", port, "never-asked.example", "A")).contains("status: SERVFAIL");
            assertThat(resolver.meters().counter("parapet.dns.cache.stale").count()).isEqualTo(1.0);
        }
    }
}
