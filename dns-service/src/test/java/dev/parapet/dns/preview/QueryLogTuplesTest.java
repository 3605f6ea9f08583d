package dev.parapet.dns.preview;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

/**
 * The query log's tuples read over real HTTP from a stand-in for diagnostics-service: streamed tuple by tuple with the
 * administrator's token passed on; an error status, or an answer that is not the log's, is an error and not tuples.
 */
class QueryLogTuplesTest {

    static final UUID ACCOUNT = UUID.fromString("00000000-0000-0000-0000-0000000000a1");
    static final UUID LEEDS = UUID.fromString("00000000-0000-0000-0000-0000000000b1");

    HttpServer server;
    final AtomicReference<String> seenAuthorization = new AtomicReference<>();
    final AtomicReference<String> seenQuery = new AtomicReference<>();

    QueryLogTuples serving(int status, String body) throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            seenAuthorization.set(exchange.getRequestHeaders().getFirst("Authorization"));
            seenQuery.set(exchange.getRequestURI().getPath() + "?" + exchange.getRequestURI().getRawQuery());
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        return new QueryLogTuples(URI.create("http://127.0.0.1:" + server.getAddress().getPort()), Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void theTuplesAreReadOneByOneWithTheAdministratorsToken() throws Exception {
        QueryLogTuples log = serving(200, """
                {"from":"2026-12-01T00:00:00Z","to":"2026-12-08T00:00:00Z","tuples":3,"queries":47,"truncated":true,
                 "rows":[{"name":"www.social.example","user":null,"agent":null,"location":"%s","queries":40},
                         {"name":"social.example","user":"ann@corp.test","agent":"00000000-0000-0000-0000-0000000000d1","location":null,"queries":5}]}"""
                .formatted(LEEDS));
        List<PolicyPreview.Tuple> read = new ArrayList<>();
        QueryLogTuples.Read summary = log.read(ACCOUNT, Instant.parse("2026-12-01T00:00:00Z"), Instant.parse("2026-12-08T00:00:00Z"), 2,
                "Bearer token-of-the-admin", read::add);
        assertThat(read).containsExactly(new PolicyPreview.Tuple("www.social.example", null, null, LEEDS, 40),
                new PolicyPreview.Tuple("social.example", "ann@corp.test", UUID.fromString("00000000-0000-0000-0000-0000000000d1"), null, 5));
        assertThat(summary).isEqualTo(new QueryLogTuples.Read(3, 47, true));
        assertThat(seenAuthorization.get()).isEqualTo("Bearer token-of-the-admin");
        assertThat(seenQuery.get()).isEqualTo("/api/v1/accounts/" + ACCOUNT
                + "/query-log/tuples?from=2026-12-01T00%3A00%3A00Z&to=2026-12-08T00%3A00%3A00Z&limit=2");
    }

    @Test
    void anErrorOrAnAnswerThatIsNotTheLogsIsNoTuples() throws Exception {
        List<PolicyPreview.Tuple> read = new ArrayList<>();
        QueryLogTuples refusing = serving(403, "{\"title\":\"Forbidden\"}");
        assertThatThrownBy(() -> refusing.read(ACCOUNT, Instant.EPOCH, Instant.EPOCH.plusSeconds(1), 10, "Bearer x", read::add))
                .isInstanceOfSatisfying(QueryLogTuples.Refused.class, refused -> assertThat(refused.status()).isEqualTo(403));
        stop();
        QueryLogTuples garbled = serving(200, "[1,2,3]");
        assertThatThrownBy(() -> garbled.read(ACCOUNT, Instant.EPOCH, Instant.EPOCH.plusSeconds(1), 10, "Bearer x", read::add))
                .isInstanceOf(RuntimeException.class);
        stop();
        QueryLogTuples badRow = serving(200, "{\"rows\":[{\"name\":\"a.example\",\"agent\":\"not-a-uuid\",\"queries\":1}]}");
        assertThatThrownBy(() -> badRow.read(ACCOUNT, Instant.EPOCH, Instant.EPOCH.plusSeconds(1), 10, "Bearer x", read::add))
                .isInstanceOf(RuntimeException.class);
        assertThat(read).isEmpty();
    }
}
