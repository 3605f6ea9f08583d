package dev.parapet.settings.feeds;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/** The fetcher's bounds, against a server on 127.0.0.1: what an outside feed server could abuse. */
class FeedFetcherTest {

    private HttpServer server;
    private final Map<String, HttpHandlerFn> routes = new ConcurrentHashMap<>();

    interface HttpHandlerFn {
        void handle(HttpExchange exchange) throws IOException;
    }

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            HttpHandlerFn route = routes.get(exchange.getRequestURI().getPath());
            if (route == null) {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
            } else {
                route.handle(exchange);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private static FeedProperties properties(boolean allowPrivate, List<Path> directories, DataSize maxBytes, Duration fetchTimeout) {
        return new FeedProperties(directories, allowPrivate, Duration.ofSeconds(2), Duration.ofSeconds(2), fetchTimeout, maxBytes, 2,
                Duration.ofSeconds(30));
    }

    private Fetched fetch(FeedProperties properties, FeedSource source, ConditionalRequest conditional) {
        try (FeedFetcher fetcher = new FeedFetcher(properties)) {
            return fetcher.fetch(source, conditional);
        }
    }

    private Fetched fetch(String path) {
        return fetch(properties(true, List.of(), DataSize.ofMegabytes(1), Duration.ofSeconds(10)), new FeedSource.Http(url(path)),
                ConditionalRequest.NONE);
    }

    private static void answer(HttpExchange exchange, int status, Map<String, String> headers, byte[] body) throws IOException {
        headers.forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    @Test
    void gzipIsReadByContentEncodingOrByItsMagicBytesAndTheValidatorsAreKept() throws IOException {
        byte[] list = gzip("a.example\n0.0.0.0 b.example\n# comment\nnot a domain\n");
        routes.put("/encoded", exchange -> answer(exchange, 200, Map.of("Content-Encoding", "gzip", "ETag", "\"e1\""), list));
        routes.put("/file.txt.gz", exchange -> answer(exchange, 200, Map.of("Last-Modified", "Tue, 01 Dec 2026 08:00:00 GMT"), list));
        for (String path : List.of("/encoded", "/file.txt.gz")) {
            Fetched.Body body = (Fetched.Body) fetch(path);
            assertThat(body.domains()).containsExactly("a.example", "b.example");
            assertThat(body.rejectedLines()).isEqualTo(1);
        }
        assertThat(((Fetched.Body) fetch("/encoded")).etag()).isEqualTo("\"e1\"");
        assertThat(((Fetched.Body) fetch("/file.txt.gz")).lastModified()).isEqualTo("Tue, 01 Dec 2026 08:00:00 GMT");
    }

    @Test
    void anEmptyFeedIsABodyWithNoDomainsJudgedAsAFeedNotRefusedAsARequest() {
        routes.put("/empty", exchange -> answer(exchange, 200, Map.of(), new byte[0]));
        routes.put("/blank", exchange -> answer(exchange, 200, Map.of(), "\n\n".getBytes(StandardCharsets.UTF_8)));
        for (String path : List.of("/empty", "/blank")) {
            Fetched.Body body = (Fetched.Body) fetch(path);
            assertThat(body.domains()).as(path).isEmpty();
            assertThat(((FeedOutcome.Check) FeedOutcome.of(body, FeedStatuses.initial())).error()).as(path)
                    .contains("the feed lists no domains");
        }
    }

    @Test
    void theValidatorsAreSentBackAndA304IsNotModified() {
        routes.put("/feed", exchange -> {
            boolean conditional = "\"e1\"".equals(exchange.getRequestHeaders().getFirst("If-None-Match"))
                    && "Tue, 01 Dec 2026 08:00:00 GMT".equals(exchange.getRequestHeaders().getFirst("If-Modified-Since"));
            answer(exchange, conditional ? 304 : 200, Map.of(), conditional ? new byte[0] : "x.example\n".getBytes(StandardCharsets.UTF_8));
        });
        Fetched fetched = fetch(properties(true, List.of(), DataSize.ofMegabytes(1), Duration.ofSeconds(10)),
                new FeedSource.Http(url("/feed")), new ConditionalRequest("\"e1\"", "Tue, 01 Dec 2026 08:00:00 GMT"));
        assertThat(fetched).isInstanceOf(Fetched.NotModified.class);
    }

    @Test
    void redirectsAreFollowedAFewTimesAndOnlyToHttp() {
        routes.put("/moved", exchange -> answer(exchange, 301, Map.of("Location", "/feed"), new byte[0]));
        routes.put("/feed", exchange -> answer(exchange, 200, Map.of(), "x.example\n".getBytes(StandardCharsets.UTF_8)));
        routes.put("/loop", exchange -> answer(exchange, 302, Map.of("Location", "/loop"), new byte[0]));
        routes.put("/to-file", exchange -> answer(exchange, 302, Map.of("Location", "file:///etc/passwd"), new byte[0]));
        assertThat(((Fetched.Body) fetch("/moved")).domains()).containsExactly("x.example");
        assertThat(((Fetched.Failed) fetch("/loop")).error()).contains("more than 2 redirects");
        assertThat(((Fetched.Failed) fetch("/to-file")).error()).contains("only http and https");
        assertThat(((Fetched.Failed) fetch("/nothing-here")).error()).contains("HTTP 404");
    }

    @Test
    void aBodyLargerThanTheCapAfterDecompressionFails() throws IOException {
        byte[] bomb = gzip("a.example\n".repeat(500_000));
        assertThat(bomb.length).isLessThan(100_000);
        routes.put("/bomb.gz", exchange -> answer(exchange, 200, Map.of(), bomb));
        assertThat(((Fetched.Failed) fetch("/bomb.gz")).error()).contains("larger than 1 MiB decompressed");
    }

    @Test
    void aSlowBodyIsCutOffAtTheFetchDeadline() {
        routes.put("/slow", exchange -> {
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            try {
                for (int i = 0; i < 50; i++) {
                    out.write("a.example\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    Thread.sleep(100);
                }
                out.close();
            } catch (InterruptedException | IOException e) {
                // the client went away
            }
        });
        Fetched fetched = fetch(properties(true, List.of(), DataSize.ofMegabytes(1), Duration.ofMillis(500)),
                new FeedSource.Http(url("/slow")), ConditionalRequest.NONE);
        assertThat(((Fetched.Failed) fetched).error()).contains("took longer than");
    }

    @Test
    void loopbackAndPrivateAddressesAreRefusedUnlessAllowed() {
        routes.put("/feed", exchange -> answer(exchange, 200, Map.of(), "x.example\n".getBytes(StandardCharsets.UTF_8)));
        Fetched fetched = fetch(properties(false, List.of(), DataSize.ofMegabytes(1), Duration.ofSeconds(10)),
                new FeedSource.Http(url("/feed")), ConditionalRequest.NONE);
        assertThat(((Fetched.Failed) fetched).error()).contains("127.0.0.1").contains("not a public address");
        Fetched metadata = fetch(properties(false, List.of(), DataSize.ofMegabytes(1), Duration.ofSeconds(10)),
                new FeedSource.Http(URI.create("http://169.254.169.254/latest/")), ConditionalRequest.NONE);
        assertThat(((Fetched.Failed) metadata).error()).contains("not a public address");
    }

    @Test
    void aFileIsReadUnderAnAllowedDirectoryAndUnchangedIsNotModified(@TempDir Path temp) throws IOException {
        Path allowed = Files.createDirectories(temp.resolve("feeds"));
        Path feed = Files.write(allowed.resolve("scam.txt.gz"), gzip("a.example\nb.example\n"));
        FeedProperties properties = properties(false, List.of(allowed), DataSize.ofMegabytes(1), Duration.ofSeconds(10));
        Fetched.Body body = (Fetched.Body) fetch(properties, new FeedSource.File(feed), ConditionalRequest.NONE);
        assertThat(body.domains()).containsExactly("a.example", "b.example");
        assertThat(fetch(properties, new FeedSource.File(feed), new ConditionalRequest(body.etag(), body.lastModified())))
                .isInstanceOf(Fetched.NotModified.class);

        Path outside = Files.writeString(temp.resolve("secret.txt"), "secret.example\n");
        Path link = Files.createSymbolicLink(allowed.resolve("link.txt"), outside);
        assertThat(((Fetched.Failed) fetch(properties, new FeedSource.File(link), ConditionalRequest.NONE)).error())
                .contains("not under a directory this instance allows");
        assertThat(((Fetched.Failed) fetch(properties, new FeedSource.File(allowed.resolve("gone.txt")), ConditionalRequest.NONE)).error())
                .contains("does not exist");
    }
}
