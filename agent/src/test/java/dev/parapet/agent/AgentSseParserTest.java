package dev.parapet.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

class AgentSseParserTest {

    private static List<SseParser.Event> parse(String stream, String lastEventId) throws IOException {
        SseParser parser = new SseParser(lastEventId);
        LineReader lines = new LineReader(new ByteArrayInputStream(stream.getBytes(StandardCharsets.UTF_8)), 1024);
        List<SseParser.Event> events = new ArrayList<>();
        String line;
        while ((line = lines.next()) != null) {
            parser.line(line).ifPresent(events::add);
        }
        return events;
    }

    @Test
    void eventsAsSettingsServiceSendsThemCarryNameIdAndData() throws Exception {
        List<SseParser.Event> events = parse("id:s1.e1\nevent:configuration\ndata:{\"a\":1}\n\n"
                + ":keep-alive 2026-03-01T10:15:30Z\n\n"
                + "id: s2.e1\nevent: settings\ndata: {\"b\":2}\n\n", null);

        assertThat(events).containsExactly(new SseParser.Event("s1.e1", "configuration", "{\"a\":1}"),
                new SseParser.Event("s2.e1", "settings", "{\"b\":2}"));
    }

    @Test
    void dataLinesJoinAndAnyLineEndWorks() throws Exception {
        assertThat(parse("data: one\r\ndata:two\rdata\n\n", null))
                .containsExactly(new SseParser.Event(null, "message", "one\ntwo\n"));
    }

    @Test
    void theLastIdStaysUntilChangedAndAnEmptyIdClearsIt() throws Exception {
        List<SseParser.Event> events = parse("event:settings\ndata:x\n\nid:s5.e6\ndata:y\n\ndata:z\n\nid\ndata:w\n\n", "s4.e6");

        assertThat(events).extracting(SseParser.Event::id).containsExactly("s4.e6", "s5.e6", "s5.e6", null);
    }

    @Test
    void unknownFieldsRetryAndAnEventWithoutDataAreIgnoredAndAnUnfinishedEventIsDropped() throws Exception {
        assertThat(parse("retry: 10\nfoo: bar\nevent: settings\n\nevent: exceptions\ndata: x", null)).isEmpty();
    }

    @Test
    void aLineLongerThanTheLimitBreaksTheConnectionInsteadOfFillingMemory() {
        LineReader lines = new LineReader(new ByteArrayInputStream(("data:" + "x".repeat(2000) + "\n").getBytes(StandardCharsets.UTF_8)), 1024);
        org.assertj.core.api.Assertions.assertThatThrownBy(lines::next).isInstanceOf(IOException.class);
    }

    @Test
    void eventIdsNameTheSettingsAndExceptionsVersions() {
        assertThat(StreamPosition.parse("s12.e3")).contains(new StreamPosition(12, 3));
        assertThat(StreamPosition.parse("s12")).isEmpty();
        assertThat(StreamPosition.parse("s1.e2 ")).isEmpty();
        assertThat(StreamPosition.parse(null)).isEmpty();
        assertThat(new StreamPosition(7, 0).id()).isEqualTo("s7.e0");
    }

    /** A fake configuration stream: the first connection sends a snapshot and breaks, the second must resume, then is revoked. */
    @Test
    void aDroppedStreamResumesWithLastEventIdAndEndsForGoodWhenRevoked() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        List<String> resumedWith = new CopyOnWriteArrayList<>();
        List<String> authorizations = new CopyOnWriteArrayList<>();
        AtomicInteger connections = new AtomicInteger();
        server.createContext("/agent/v1/configuration", exchange -> {
            int connection = connections.incrementAndGet();
            resumedWith.add(String.valueOf(exchange.getRequestHeaders().getFirst("Last-Event-ID")));
            authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                String body = connection == 1
                        ? "id:s1.e1\nevent:configuration\ndata:{\"n\":1}\n\n:keep-alive\n\nid:s2.e1\nevent:settings\ndata:{\"n\":2}\n\n"
                        : "id:s3.e1\nevent:settings\ndata:{\"n\":3}\n\nevent:revoked\ndata:{\"reason\":\"key deleted\"}\n\n";
                out.write(body.getBytes(StandardCharsets.UTF_8));
            }
        });
        server.start();
        try {
            List<String> applied = new CopyOnWriteArrayList<>();
            List<String> unreachable = new CopyOnWriteArrayList<>();
            CountDownLatch revoked = new CountDownLatch(1);
            String[] lastId = {null};
            ConfigurationStream stream = new ConfigurationStream(HttpClient.newHttpClient(),
                    URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/agent/v1/configuration"), "pac1.test",
                    () -> lastId[0], new ConfigurationStream.Listener() {
                        @Override
                        public void onEvent(SseParser.Event event) {
                            applied.add(event.name() + " " + event.id());
                            lastId[0] = event.id();
                        }

                        @Override
                        public void onConnected() {
                        }

                        @Override
                        public void onUnreachable(String why) {
                            unreachable.add(why);
                        }

                        @Override
                        public void onRevoked(String why) {
                            applied.add("revoked: " + why);
                            revoked.countDown();
                        }
                    }, Duration.ofMillis(20));
            Thread thread = new Thread(stream);
            thread.start();

            assertThat(revoked.await(10, TimeUnit.SECONDS)).isTrue();
            thread.join(5_000);

            assertThat(thread.isAlive()).as("a revoked stream does not reconnect").isFalse();
            assertThat(applied).containsExactly("configuration s1.e1", "settings s2.e1", "settings s3.e1", "revoked: key deleted");
            assertThat(resumedWith).containsExactly("null", "s2.e1");
            assertThat(authorizations).containsOnly("Bearer pac1.test");
            assertThat(unreachable).containsExactly("the configuration stream ended");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void a401EndsTheStreamAsRevoked() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(401, -1);
            exchange.close();
        });
        server.start();
        try {
            List<String> said = new CopyOnWriteArrayList<>();
            ConfigurationStream stream = new ConfigurationStream(HttpClient.newHttpClient(),
                    URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"), "pac1.test", () -> null,
                    new ConfigurationStream.Listener() {
                        @Override
                        public void onEvent(SseParser.Event event) {
                            said.add("event");
                        }

                        @Override
                        public void onConnected() {
                            said.add("connected");
                        }

                        @Override
                        public void onUnreachable(String why) {
                            said.add("unreachable");
                        }

                        @Override
                        public void onRevoked(String why) {
                            said.add("revoked");
                        }
                    }, Duration.ofMillis(20));
            stream.run();
            assertThat(said).containsExactly("revoked");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void anUnparsableEventIsNotDispatchedAsAnything() {
        SseParser parser = new SseParser(null);
        Optional<SseParser.Event> event = parser.line("\u0000garbage:::");
        assertThat(event).isEmpty();
        assertThat(parser.line("")).isEmpty();
    }
}
