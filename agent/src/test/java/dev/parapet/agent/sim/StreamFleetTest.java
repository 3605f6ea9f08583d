package dev.parapet.agent.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The simulator's stream reader against a real HTTP server on loopback (the JDK's, chunked as
 * settings-service's streams are): it counts a stream open when its snapshot arrives, stamps the
 * first event with the awaited id on each stream, and counts refused or broken streams as errors.
 */
class StreamFleetTest {

    private HttpServer server;
    private final Map<String, OutputStream> open = new ConcurrentHashMap<>();
    private final List<String> credentials = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/agent/v1/configuration", this::stream);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void stream(HttpExchange exchange) throws IOException {
        String credential = exchange.getRequestHeaders().getFirst("Authorization").substring("Bearer ".length());
        credentials.add(credential);
        if (credential.startsWith("refused")) {
            exchange.sendResponseHeaders(401, -1);
            exchange.close();
            return;
        }
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.getResponseHeaders().set("Connection", "close");
        exchange.sendResponseHeaders(200, 0);
        OutputStream body = exchange.getResponseBody();
        // Known as open before the snapshot leaves: the fleet may count the stream open and the test
        // send to it before this thread would get past the flush.
        synchronized (body) {
            open.put(credential, body);
            body.write("id:s0.e0\nevent:configuration\ndata:{\"agent\":{\"agentId\":\"x\"}}\n\n".getBytes(StandardCharsets.UTF_8));
            body.flush();
        }
    }

    private void sendToAll(String event) throws IOException {
        for (OutputStream body : open.values()) {
            // Written in two flushes, so that the id may arrive split over two reads.
            byte[] bytes = event.getBytes(StandardCharsets.UTF_8);
            synchronized (body) {
                body.write(bytes, 0, 5);
                body.flush();
                body.write(bytes, 5, bytes.length - 5);
                body.flush();
            }
        }
    }

    private URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/agent/v1/configuration");
    }

    @Test
    void streamsOpenWithTheirSnapshotAndEachArrivalOfTheAwaitedIdIsStamped() throws Exception {
        List<String> agents = List.of("a1", "a2", "a3", "a4", "a5");
        try (StreamFleet fleet = new StreamFleet(url(), agents)) {
            assertThat(fleet.opened().await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(fleet.errors()).isZero();
            assertThat(credentials).containsExactlyInAnyOrderElementsOf(agents);

            fleet.expect("s2.");
            long before = System.nanoTime();
            sendToAll("id:s1.e0\nevent:settings\ndata:{\"version\":1}\n\n");
            assertThat(fleet.awaitArrivals(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300)))
                    .as("an older id is not the awaited one").containsOnly(0L);
            sendToAll("id:s2.e0\nevent:settings\ndata:{\"version\":2}\n\n");
            long[] arrivals = fleet.awaitArrivals(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
            assertThat(java.util.Arrays.stream(arrivals).boxed().toList()).hasSize(5).allSatisfy(arrived -> assertThat(arrived).isGreaterThan(before));

            fleet.expect("s3.");
            assertThat(fleet.awaitArrivals(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200)))
                    .as("a new round forgets the last one's arrivals").containsOnly(0L);
        }
    }

    @Test
    void refusedAndClosedStreamsAreErrorsAndNobodyWaitsForThem() throws Exception {
        try (StreamFleet fleet = new StreamFleet(url(), List.of("good", "refused-1", "refused-2"))) {
            assertThat(fleet.opened().await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(fleet.errors()).isEqualTo(2);

            fleet.expect("s1.");
            sendToAll("id:s1.e0\nevent:settings\ndata:{}\n\n");
            long started = System.nanoTime();
            long[] arrivals = fleet.awaitArrivals(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
            assertThat(System.nanoTime() - started).as("does not wait for the refused streams")
                    .isLessThan(TimeUnit.SECONDS.toNanos(5));
            assertThat(arrivals[0]).isPositive();
            assertThat(arrivals[1]).isZero();
            assertThat(arrivals[2]).isZero();

            open.get("good").close();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (fleet.closedByServer() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(fleet.closedByServer()).isEqualTo(1);
        }
    }
}
