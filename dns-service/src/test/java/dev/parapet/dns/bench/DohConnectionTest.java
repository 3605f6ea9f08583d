package dev.parapet.dns.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.AsciiString;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.Http2SslContextSpec;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;

/**
 * The load generator's connection against a real HTTP/2 server over TLS on loopback (Reactor Netty, as
 * dns-service's DoH): it never opens more streams than the server allows, a query's latency includes its wait
 * for a stream, refusals and timeouts are failures by kind, and one connection carries everything.
 */
class DohConnectionTest {

    static final int MAX_STREAMS = 3;
    static final Path WORK = Path.of("target", "doh-connection-test").toAbsolutePath();
    static final AtomicInteger open = new AtomicInteger();
    static final AtomicInteger mostOpen = new AtomicInteger();
    static DisposableServer server;
    static EventLoopGroup group;

    @BeforeAll
    static void server() throws Exception {
        Files.createDirectories(WORK);
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-keyout", WORK.resolve("key.pem").toString(), "-out", WORK.resolve("cert.pem").toString(), "-days", "2",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1").redirectErrorStream(true).start();
        openssl.getInputStream().readAllBytes();
        assertThat(openssl.waitFor()).isZero();
        server = HttpServer.create().host("127.0.0.1").port(0).protocol(HttpProtocol.H2)
                .secure(spec -> spec.sslContext(Http2SslContextSpec.forServer(WORK.resolve("cert.pem").toFile(),
                        WORK.resolve("key.pem").toFile())))
                .http2Settings(settings -> settings.maxConcurrentStreams(MAX_STREAMS))
                .route(routes -> routes
                        .post("/slow", (request, response) -> request.receive().aggregate().asByteArray().flatMap(body -> {
                            mostOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
                            return Mono.delay(Duration.ofMillis(50)).then(Mono.fromRunnable(open::decrementAndGet)).thenReturn(body);
                        }).flatMap(body -> response.header("content-type", "application/dns-message")
                                .sendByteArray(Mono.just(body)).then()))
                        .post("/refuse", (request, response) -> response.status(401).sendString(Mono.just("refused\n")).then())
                        .post("/never", (request, response) -> Mono.never()))
                .bindNow();
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stop() {
        server.disposeNow();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @Test
    void queriesBeyondTheServersStreamLimitWaitForAStreamOnTheOneConnection() throws Exception {
        DohResults results = run("/slow", 12, 10_000);

        assertThat(results.answered).isEqualTo(12);
        assertThat(results.failures).isEmpty();
        assertThat(mostOpen.get()).isEqualTo(MAX_STREAMS);
        assertThat(results.connects).isEqualTo(1);
        assertThat(results.handshakes).isEqualTo(1);
        assertThat(results.closes).isZero();
        // 12 queries, 3 at a time, 50 ms each: the last four waited for three rounds before theirs.
        java.util.Arrays.sort(results.latencies, 0, results.answered);
        assertThat(results.latencies[results.answered - 1]).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
    }

    @Test
    void refusalsAndTimeoutsAreFailuresByKind() throws Exception {
        DohResults refused = run("/refuse", 5, 10_000);
        DohResults unanswered = run("/never", 2, 300);

        assertThat(refused.answered).isZero();
        assertThat(refused.failures).containsEntry("HTTP 401", 5);
        assertThat(unanswered.answered).isZero();
        assertThat(unanswered.failures).containsEntry("timeout", 2);
    }

    /** Sends {@code count} queries at once on one new connection and waits until each is answered or has failed. */
    static DohResults run(String path, int count, long timeoutMillis) throws Exception {
        DohResults.Window window = new DohResults.Window();
        window.from = 0;
        DohResults results = new DohResults(window);
        EventLoop loop = group.next();
        DohConnection connection = new DohConnection(new Bootstrap().group(group).channel(NioSocketChannel.class),
                DohLoad.tls(WORK.resolve("cert.pem")), "127.0.0.1", server.port(), path, TimeUnit.MILLISECONDS.toNanos(timeoutMillis),
                loop, results);
        byte[] query = DohLoad.query("www.example.com");
        AsciiString authorization = new AsciiString("Bearer test");
        loop.submit(() -> {
            long now = System.nanoTime();
            for (int i = 0; i < count; i++) {
                connection.send(new DohConnection.Query(now, query, authorization));
            }
            connection.flush();
        }).get();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (loop.submit(() -> results.answered + results.failed()).get() < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        loop.submit(connection::close).get();
        return results;
    }
}
