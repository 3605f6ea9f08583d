package dev.parapet.dns.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

import dev.parapet.dns.pages.BlockPageServer;
import dev.parapet.kit.agents.AgentCredentialVerifier;
import dev.parapet.kit.testing.TestAgents;
import dev.parapet.schemas.v1.keys.KeyStatus;
import dev.parapet.stack.RealInfrastructure.WithRealInfrastructure;

/**
 * Hostile clients against every listener of dns-service, over real sockets: unbounded and unauthenticated
 * bodies on DoH (both ports), slowloris on the HTTP listeners, silent and trickling DNS-over-TCP
 * connections, and more connections than a client may hold. Limits are lowered so that the test is quick.
 */
@WithRealInfrastructure
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "parapet.dns.port=0", "parapet.dns.doh.port=0", "parapet.dns.dot.port=0",
        "parapet.dns.limits.http.request-head-timeout=2s", "parapet.dns.limits.http.max-connections-per-client=4",
        "parapet.web.limits.http.request-head-timeout=2s",
        "parapet.dns.limits.tcp.idle-timeout=2s", "parapet.dns.limits.tcp.max-connections-per-client=4"})
class ListenerLimitsTest {

    static final Path WORK = Path.of("target", "limits-" + UUID.randomUUID()).toAbsolutePath();
    static final int TEN_MB = 10 * 1024 * 1024;
    static TestAgents records;
    static String credential;

    @Autowired
    DohTlsServer doh;
    @Autowired
    TcpDnsServer tcp;
    @Autowired
    UdpDnsServer udp;
    @Autowired
    BlockPageServer pages;
    @Autowired
    AgentCredentialVerifier agents;
    @LocalServerPort
    int httpPort;

    /** An enrolled agent's credential, once the service (which creates the topics) has started. */
    String credential() throws Exception {
        if (credential == null) {
            records = new TestAgents();
            UUID account = UUID.randomUUID();
            records.key(account, 1, KeyStatus.ACTIVE);
            credential = records.agent(account, UUID.randomUUID(), 1);
        }
        TestAgents.awaitAccepted(agents, credential);
        return credential;
    }

    @AfterAll
    static void close() {
        System.clearProperty("reactor.netty.http.server.accessLogEnabled");
        if (records != null) {
            records.close();
        }
    }

    @DynamicPropertySource
    static void certificate(DynamicPropertyRegistry registry) throws Exception {
        // Reactor Netty's access log, as an operator may switch it on: it must not show credentials.
        System.setProperty("reactor.netty.http.server.accessLogEnabled", "true");
        Files.createDirectories(WORK);
        Path key = WORK.resolve("key.pem");
        Path certificate = WORK.resolve("cert.pem");
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(), "-out", certificate.toString(),
                "-days", "2", "-subj", "/CN=localhost").redirectErrorStream(true).start();
        openssl.getInputStream().readAllBytes();
        assertThat(openssl.waitFor()).isZero();
        registry.add("parapet.dns.doh.certificate", certificate::toString);
        registry.add("parapet.dns.doh.private-key", key::toString);
    }

    // ---- sockets

    static Socket plain(String from, int port) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(from, 0));
        socket.setSendBufferSize(64 * 1024);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
        return socket;
    }

    static Socket tls(String from, int port) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] chain, String type) { }
            public void checkServerTrusted(X509Certificate[] chain, String type) { }
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain(from, port), "127.0.0.1", port, true);
        socket.startHandshake();
        return socket;
    }

    Socket doh(boolean tls) throws Exception {
        return tls ? tls("127.0.0.1", doh.port()) : plain("127.0.0.1", httpPort);
    }

    /** The status line of the response, or what ended the wait for it. */
    static String statusLine(Socket socket, int timeoutMillis) throws IOException {
        socket.setSoTimeout(timeoutMillis);
        InputStream in = socket.getInputStream();
        StringBuilder line = new StringBuilder();
        try {
            for (int c; (c = in.read()) != -1 && c != '\n'; ) {
                line.append((char) c);
            }
        } catch (SocketTimeoutException e) {
            return "timed out: " + line;
        }
        return line.toString().strip();
    }

    /** How long until the server closes the connection (reading whatever it sends), at most {@code limitMillis}. */
    static long millisUntilClosed(Socket socket, long limitMillis) throws IOException {
        long start = System.nanoTime();
        socket.setSoTimeout(200);
        InputStream in = socket.getInputStream();
        while ((System.nanoTime() - start) / 1_000_000 < limitMillis) {
            try {
                if (in.read() == -1) {
                    break;
                }
            } catch (SocketTimeoutException e) {
                // still open
            } catch (IOException reset) {
                break;
            }
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    static String chunkedPost(String path, String credential) {
        return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + (credential == null ? "" : "Authorization: Bearer " + credential + "\r\n")
                + "Content-Type: application/dns-message\r\nTransfer-Encoding: chunked\r\n\r\n";
    }

    // ---- DoH bodies

    void tenMegabytesChunked(boolean tls) throws Exception {
        String credential = credential();
        try (Socket socket = doh(tls)) {
            OutputStream out = socket.getOutputStream();
            out.write(chunkedPost("/dns-query", credential).getBytes(StandardCharsets.US_ASCII));
            AtomicLong sent = new AtomicLong();
            long start = System.nanoTime();
            CompletableFuture<IOException> writer = CompletableFuture.supplyAsync(() -> {
                byte[] chunk = ("4000\r\n" + "x".repeat(16_384) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                try {
                    while (sent.get() < TEN_MB) {
                        out.write(chunk);
                        sent.addAndGet(16_384);
                    }
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    return null;
                } catch (IOException e) {
                    return e;
                }
            });
            String status = statusLine(socket, 5_000);
            long answeredMillis = (System.nanoTime() - start) / 1_000_000;
            IOException cutOff = writer.get(15, TimeUnit.SECONDS);
            System.out.printf("DoH %s: 10 MB chunked POST answered '%s' after %d ms; the client could send %d bytes "
                    + "before the connection was closed (%s)%n", tls ? "with TLS" : "on the service port", status,
                    answeredMillis, sent.get(), cutOff);
            assertThat(status).startsWith("HTTP/1.1 413");
            assertThat(answeredMillis).isLessThan(3_000);
            assertThat(cutOff).as("the connection is closed before the whole body is sent").isNotNull();
            assertThat(sent.get()).isLessThan(2 * 1024 * 1024);
        }
    }

    @Test
    void tenMegabytesChunkedToDohWithTlsGet413AndTheConnectionIsCutOff() throws Exception {
        tenMegabytesChunked(true);
    }

    @Test
    void tenMegabytesChunkedToDohOnTheServicePortGet413AndTheConnectionIsCutOff() throws Exception {
        tenMegabytesChunked(false);
    }

    void refusedBeforeTheBody(boolean tls) throws Exception {
        // 503 says the credentials cannot be checked yet (the verifier still catching up with Kafka on a
        // loaded machine): the contract is to retry; what is tested is the answer once they can be.
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        while (refusedStatus(tls).startsWith("HTTP/1.1 503") && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        String garbage = "pac1." + UUID.randomUUID() + ".not-a-secret";
        try (Socket socket = doh(tls)) {
            // Headers only: a server that read the body first would wait for it.
            socket.getOutputStream().write(chunkedPost("/dns-query/" + garbage, null).getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            long start = System.nanoTime();
            String status = statusLine(socket, 5_000);
            System.out.printf("DoH %s: a POST with a refused credential and no body sent got '%s' in %d ms%n",
                    tls ? "with TLS" : "on the service port", status, (System.nanoTime() - start) / 1_000_000);
            assertThat(status).startsWith("HTTP/1.1 401");
        }
    }

    private String refusedStatus(boolean tls) throws Exception {
        try (Socket socket = doh(tls)) {
            socket.getOutputStream().write(chunkedPost("/dns-query/pac1.x.not-a-secret", null).getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return statusLine(socket, 5_000);
        }
    }

    @Test
    void aPostWithARefusedCredentialGets401WithoutItsBodyBeingReadWithTls() throws Exception {
        refusedBeforeTheBody(true);
    }

    @Test
    void aPostWithARefusedCredentialGets401WithoutItsBodyBeingReadOnTheServicePort() throws Exception {
        refusedBeforeTheBody(false);
    }

    @Test
    void aCredentialInTheDohPathNeverReachesTheAccessLog() throws Exception {
        ch.qos.logback.classic.Logger accessLog = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory
                .getLogger("reactor.netty.http.server.AccessLog");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> captured =
                new ch.qos.logback.core.read.ListAppender<>();
        captured.start();
        accessLog.addAppender(captured);
        String secret = "s3cr3t-" + UUID.randomUUID();
        try {
            for (boolean tls : new boolean[] {true, false}) {
                try (Socket socket = doh(tls)) {
                    socket.getOutputStream().write(("GET /dns-query/pac1." + UUID.randomUUID() + "." + secret
                            + "?dns=AAAB HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    assertThat(statusLine(socket, 5_000)).startsWith("HTTP/1.1 401");
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (captured.list.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        } finally {
            accessLog.detachAppender(captured);
        }
        List<String> lines = captured.list.stream().map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage).toList();
        System.out.println("access log: " + lines);
        assertThat(lines).hasSize(2).allSatisfy(line -> assertThat(line).contains("/dns-query/****").doesNotContain(secret));
    }

    // ---- slow clients

    /** Sends a request line and then a header byte a second; returns how long the server took to close. */
    static long slowloris(Socket socket) throws Exception {
        OutputStream out = socket.getOutputStream();
        out.write("GET /dns-query?dns=AAAB HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        long start = System.nanoTime();
        CompletableFuture<Void> trickle = CompletableFuture.runAsync(() -> {
            try {
                for (int i = 0; i < 30; i++) {
                    out.write('a');
                    out.flush();
                    Thread.sleep(1_000);
                }
            } catch (Exception closed) {
                // the server closed the connection
            }
        });
        long closedAfter = millisUntilClosed(socket, 10_000);
        trickle.cancel(true);
        return closedAfter;
    }

    @Test
    void slowlorisIsClosedAfterTheRequestHeadTimeoutOnEveryHttpListener() throws Exception {
        long dohTls = slowloris(tls("127.0.0.1", doh.port()));
        long service = slowloris(plain("127.0.0.1", httpPort));
        long pagesHttp = slowloris(plain("127.0.0.1", pages.httpPort()));
        System.out.printf("slowloris (a header byte a second) closed after: DoH with TLS %d ms, service port %d ms, "
                + "block pages %d ms (request-head timeout 2 s)%n", dohTls, service, pagesHttp);
        assertThat(List.of(dohTls, service, pagesHttp)).allSatisfy(millis -> assertThat(millis).isBetween(1_000L, 4_000L));
    }

    // ---- DNS over TCP

    static byte[] tcpQuery(String name) throws IOException {
        byte[] query = Message.newQuery(Record.newRecord(Name.fromString(name + "."), Type.A, 1)).toWire();
        byte[] framed = new byte[query.length + 2];
        framed[0] = (byte) (query.length >> 8);
        framed[1] = (byte) query.length;
        System.arraycopy(query, 0, framed, 2, query.length);
        return framed;
    }

    /** Asks over TCP from an address and returns the answer's response code, or -1 if none came. */
    int askOverTcp(String from) throws IOException {
        try (Socket socket = plain(from, udp.port())) {
            socket.getOutputStream().write(tcpQuery("example.com"));
            socket.setSoTimeout(3_000);
            InputStream in = socket.getInputStream();
            byte[] length = in.readNBytes(2);
            if (length.length < 2) {
                return -1;
            }
            byte[] answer = in.readNBytes(((length[0] & 0xff) << 8) | (length[1] & 0xff));
            return new Message(answer).getRcode();
        }
    }

    @Test
    void aSilentTcpConnectionAndOneThatTricklesAreClosedAfterTheIdleTimeout() throws Exception {
        long silent;
        try (Socket socket = plain("127.0.0.1", udp.port())) {
            silent = millisUntilClosed(socket, 8_000);
        }
        long trickling;
        try (Socket socket = plain("127.0.0.1", udp.port())) {
            OutputStream out = socket.getOutputStream();
            byte[] query = tcpQuery("example.com");
            long start = System.nanoTime();
            CompletableFuture<Void> trickle = CompletableFuture.runAsync(() -> {
                try {
                    for (byte b : query) {
                        out.write(b);
                        out.flush();
                        Thread.sleep(700);
                    }
                } catch (Exception closed) {
                    // closed by the server
                }
            });
            millisUntilClosed(socket, 8_000);
            trickling = (System.nanoTime() - start) / 1_000_000;
            trickle.cancel(true);
        }
        System.out.printf("DNS over TCP (idle timeout 2 s): a silent connection closed after %d ms, one sending a byte "
                + "every 0.7 s after %d ms%n", silent, trickling);
        assertThat(silent).isBetween(1_000L, 4_000L);
        assertThat(trickling).isBetween(1_000L, 4_000L);
    }

    @Test
    void connectionsBeyondAClientsCapAreClosedWhileOtherClientsAreAnswered() throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                held.add(plain("127.0.0.7", udp.port()));
                held.add(tls("127.0.0.7", doh.port()));
            }
            try (Socket tcpExtra = plain("127.0.0.7", udp.port())) {
                assertThat(millisUntilClosed(tcpExtra, 3_000)).as("the fifth TCP connection is closed").isLessThan(1_000);
            }
            boolean tlsRefused;
            try (Socket tlsExtra = tls("127.0.0.7", doh.port())) {
                tlsRefused = millisUntilClosed(tlsExtra, 3_000) < 1_000;
            } catch (IOException handshakeFailed) {
                tlsRefused = true;
            }
            assertThat(tlsRefused).as("the fifth DoH connection is closed").isTrue();
            // Another client still gets its answer (REFUSED: its address is in no location, but answered).
            assertThat(askOverTcp("127.0.0.8")).isNotEqualTo(-1);
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
    }
}
