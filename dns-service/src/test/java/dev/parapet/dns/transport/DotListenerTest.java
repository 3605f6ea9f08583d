package dev.parapet.dns.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import dev.parapet.dns.policy.ResolverState;
import dev.parapet.kit.testing.TopicRecords;
import dev.parapet.schemas.AvroSerdes;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.common.Scope;
import dev.parapet.schemas.v1.locations.Location;
import dev.parapet.schemas.v1.policies.BlockAllowList;
import dev.parapet.schemas.v1.policies.Policy;
import dev.parapet.schemas.v1.policies.PolicyType;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;
import dev.parapet.schemas.v1.verdicts.Transport;
import dev.parapet.stack.RealInfrastructure;
import dev.parapet.stack.RealInfrastructure.WithRealInfrastructure;

/**
 * DNS over TLS (RFC 7858) over real sockets on loopback, asked by kdig (Knot's, from Debian) and by a
 * JDK TLS client: the answer and the block page by the client's location, several pipelined queries on
 * one connection, ALPN "dot", a plaintext client on the TLS port, the per-address connection cap, the
 * handshake and idle timeouts, and the verdict logged as DOT. Limits are lowered so that the test is quick.
 */
@WithRealInfrastructure
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "parapet.dns.port=0", "parapet.dns.doh.port=0", "parapet.dns.dot.port=0",
        "parapet.dns.block-page-ipv4=192.0.2.100", "parapet.dns.block-page-ipv6=2001:db8::100",
        "parapet.dns.limits.tcp.idle-timeout=3s", "parapet.dns.limits.tcp.tls-handshake-timeout=1s",
        "parapet.dns.limits.tcp.max-connections-per-client=4"})
class DotListenerTest {

    static final Path WORK = Path.of("target", "dot-" + UUID.randomUUID()).toAbsolutePath();
    static final Path CERTIFICATE = WORK.resolve("cert.pem");
    static final UUID ACCOUNT = UUID.randomUUID();
    static final UUID OFFICE = UUID.randomUUID();
    static final String FROM_OFFICE = "127.0.33.7";
    static final String BLOCK_PAGE = "192.0.2.100";
    static FakeUpstream upstream;

    @Autowired
    DotServer dot;
    @Autowired
    UdpDnsServer udp;
    @Autowired
    ResolverState state;

    @BeforeAll
    static void startUpstream() throws IOException {
        upstream = new FakeUpstream();
    }

    @AfterAll
    static void stopUpstream() {
        upstream.close();
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        Files.createDirectories(WORK);
        Path key = WORK.resolve("key.pem");
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(), "-out", CERTIFICATE.toString(),
                "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1")
                .redirectErrorStream(true).start();
        openssl.getInputStream().readAllBytes();
        assertThat(openssl.waitFor()).isZero();
        registry.add("parapet.dns.doh.certificate", CERTIFICATE::toString);
        registry.add("parapet.dns.doh.private-key", key::toString);
        registry.add("parapet.dns.upstreams", () -> "127.0.0.1:" + upstream.port());
    }

    // ---- configuration through the real topics

    private static void publish(String topic, String key, SpecificRecord value) throws Exception {
        java.util.Properties config = new java.util.Properties();
        config.put("bootstrap.servers", RealInfrastructure.get().bootstrapServers());
        try (KafkaProducer<String, SpecificRecord> producer = new KafkaProducer<>(config, new StringSerializer(),
                AvroSerdes.serializer(RealInfrastructure.get().registryUrl(), false))) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    /** An office at 127.0.33.0/24 whose Block List has blocked.example. */
    private void configure() throws Exception {
        if (state.snapshot().locate(InetAddress.getByName(FROM_OFFICE)).isPresent()) {
            return;
        }
        publish(Topics.LOCATIONS.name(), ACCOUNT + "/" + OFFICE, Location.newBuilder().setAccountId(ACCOUNT)
                .setLocationId(OFFICE).setName("Office").setVersion(1).setCidrs(List.of("127.0.33.0/24"))
                .setUpdatedBy("test").setUpdatedAt(Instant.now()).build());
        Policy policy = Policy.newBuilder().setAccountId(ACCOUNT).setPolicyId(UUID.randomUUID()).setName("Blocked sites")
                .setVersion(1).setScope(new Scope(true, List.of(), List.of(), List.of())).setType(PolicyType.BLOCK_ALLOW_LIST)
                .setBlockAllowList(new BlockAllowList(List.of("blocked.example"), List.of())).setUpdatedBy("test")
                .setUpdatedAt(Instant.now()).build();
        publish(Topics.POLICIES.name(), ACCOUNT + "/" + policy.getPolicyId(), policy);
        state.follower().when(() -> {
            try {
                var office = state.snapshot().locate(InetAddress.getByName(FROM_OFFICE));
                return office.isPresent()
                        && state.snapshot().decide(office.get(), "blocked.example".getBytes(), 15).action().name().equals("BLOCKED");
            } catch (IOException e) {
                return false;
            }
        }, Duration.ofSeconds(30)).get();
    }

    // ---- clients

    /** kdig over TLS from a source address, checking the server's certificate against the test's own. */
    String kdig(String from, String... query) throws Exception {
        List<String> command = new ArrayList<>(List.of("kdig", "-b", from, "@127.0.0.1", "-p", String.valueOf(dot.port()),
                "+tls", "+tls-ca=" + CERTIFICATE, "+tls-hostname=localhost", "+timeout=3", "+retry=0"));
        command.addAll(List.of(query));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return output;
    }

    /** A JDK TLS connection (trusting the test's certificate) offering ALPN "dot", handshake done. */
    static SSLSocket tls(String from, int port, String... protocols) throws Exception {
        KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        try (InputStream in = Files.newInputStream(CERTIFICATE)) {
            trusted.setCertificateEntry("dot", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(ListenerLimitsTest.plain(from, port),
                "localhost", port, true);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setApplicationProtocols(new String[] {DotServer.ALPN});
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        if (protocols.length > 0) {
            parameters.setProtocols(protocols);
        }
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        return socket;
    }

    static byte[] framed(Message query) {
        byte[] wire = query.toWire();
        byte[] framed = new byte[wire.length + 2];
        framed[0] = (byte) (wire.length >> 8);
        framed[1] = (byte) wire.length;
        System.arraycopy(wire, 0, framed, 2, wire.length);
        return framed;
    }

    static Message query(String name) throws IOException {
        return Message.newQuery(Record.newRecord(Name.fromString(name + "."), Type.A, 1));
    }

    static Message read(DataInputStream in) throws IOException {
        byte[] answer = new byte[in.readUnsignedShort()];
        in.readFully(answer);
        return new Message(answer);
    }

    // ---- answers

    @Test
    void kdigOverTlsGetsTheUpstreamsAnswerAndTheBlockPageOfItsLocation() throws Exception {
        configure();
        String allowed = kdig(FROM_OFFICE, "example.org", "A");
        System.out.println("kdig +tls:\n" + allowed);
        assertThat(allowed).as(allowed).contains(";; TLS session (TLS1.3)").contains("NOERROR")
                .containsPattern("example\\.org\\.\\s+\\d+\\s+IN\\s+A\\s+" + FakeUpstream.ANSWER.replace(".", "\\."));
        String blocked = kdig(FROM_OFFICE, "www.blocked.example", "A");
        assertThat(blocked).as(blocked).containsPattern("www\\.blocked\\.example\\.\\s+60\\s+IN\\s+A\\s+192\\.0\\.2\\.100");
        String outside = kdig("127.0.34.7", "example.org", "A");
        assertThat(outside).as("an address in no location: refused, as on port 53").contains("REFUSED");
    }

    @Test
    void severalQueriesOnOneConnectionWithKdig() throws Exception {
        configure();
        String output = kdig(FROM_OFFICE, "+keepopen", "one.example", "A", "two.example", "A", "blocked.example", "A");
        assertThat(output).as(output)
                .containsPattern("one\\.example\\.\\s+\\d+\\s+IN\\s+A\\s+192\\.0\\.2\\.1\\b")
                .containsPattern("two\\.example\\.\\s+\\d+\\s+IN\\s+A\\s+192\\.0\\.2\\.1\\b")
                .containsPattern("blocked\\.example\\.\\s+60\\s+IN\\s+A\\s+192\\.0\\.2\\.100");
    }

    @Test
    void pipelinedQueriesOnOneConnectionAreEachAnsweredWithAlpnDot() throws Exception {
        configure();
        for (String version : List.of("TLSv1.3", "TLSv1.2")) {
            try (SSLSocket socket = tls(FROM_OFFICE, dot.port(), version)) {
                assertThat(socket.getApplicationProtocol()).isEqualTo(DotServer.ALPN);
                assertThat(socket.getSession().getProtocol()).isEqualTo(version);
                Map<Integer, String> sent = new HashMap<>();
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                for (String name : List.of("a.example", "b.example", "blocked.example", "c.example")) {
                    Message query = query(name);
                    // Distinct ids: answers are told apart by them (random ones collided once in a CI run).
                    query.getHeader().setID(sent.size() + 1);
                    sent.put(query.getHeader().getID(), name + ".");
                    all.write(framed(query));
                }
                socket.getOutputStream().write(all.toByteArray()); // all four at once, before any answer
                socket.getOutputStream().flush();
                socket.setSoTimeout(5_000);
                DataInputStream in = new DataInputStream(socket.getInputStream());
                Map<String, String> answers = new HashMap<>();
                int expected = sent.size();
                for (int i = 0; i < expected; i++) {
                    Message answer = read(in); // in whatever order they are ready
                    String name = sent.remove(answer.getHeader().getID());
                    assertThat(name).as("an answer to a query of this connection, once").isNotNull();
                    assertThat(answer.getQuestion().getName().toString()).isEqualTo(name);
                    answers.put(name, answer.getSection(Section.ANSWER).get(0).rdataToString());
                }
                assertThat(answers).containsEntry("a.example.", FakeUpstream.ANSWER).containsEntry("b.example.", FakeUpstream.ANSWER)
                        .containsEntry("c.example.", FakeUpstream.ANSWER).containsEntry("blocked.example.", BLOCK_PAGE);
                // Still open for more.
                Message more = query("d.example");
                socket.getOutputStream().write(framed(more));
                assertThat(read(in).getHeader().getID()).isEqualTo(more.getHeader().getID());
            }
        }
    }

    @Test
    void aQueryOverTlsIsLoggedAsDotForTheClientsLocation() throws Exception {
        configure();
        String name = "dot-" + System.nanoTime() + ".blocked.example";
        assertThat(kdig(FROM_OFFICE, name, "A")).contains(BLOCK_PAGE);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        List<DnsVerdict> verdicts = List.of();
        while (verdicts.stream().noneMatch(v -> v.getQueryName().equals(name))) {
            assertThat(System.nanoTime()).as("a verdict for " + name).isLessThan(deadline);
            Thread.sleep(200);
            verdicts = TopicRecords.valuesFor(Topics.VERDICTS.name(), ACCOUNT.toString());
        }
        assertThat(verdicts).filteredOn(v -> v.getQueryName().equals(name)).singleElement().satisfies(verdict -> {
            assertThat(verdict.getTransport()).isEqualTo(Transport.DOT);
            assertThat(verdict.getLocationId()).isEqualTo(OFFICE);
            assertThat(verdict.getAgentId()).isNull();
            assertThat(verdict.getClientAddress()).isEqualTo(FROM_OFFICE);
            assertThat(verdict.getAction().name()).isEqualTo("BLOCKED");
        });
    }

    // ---- hostile clients

    @Test
    void aPlaintextClientOnTheTlsPortIsDroppedAndTheListenerServesOn() throws Exception {
        configure();
        try (Socket socket = ListenerLimitsTest.plain(FROM_OFFICE, dot.port())) {
            socket.getOutputStream().write(ListenerLimitsTest.tcpQuery("example.org"));
            socket.getOutputStream().flush();
            socket.setSoTimeout(3_000);
            long start = System.nanoTime();
            byte[] reply;
            try {
                reply = socket.getInputStream().readAllBytes();
            } catch (SocketTimeoutException stillOpen) {
                reply = null;
            } catch (IOException reset) {
                reply = new byte[0];
            }
            long closedAfter = (System.nanoTime() - start) / 1_000_000;
            System.out.printf("DoT: a plaintext DNS query was answered with %s and the connection closed after %d ms%n",
                    reply == null ? "nothing (still open)" : reply.length + " bytes", closedAfter);
            assertThat(reply).as("closed, not left open").isNotNull();
            assertThat(reply.length == 0 || reply[0] == 0x15).as("nothing, or a TLS alert: no DNS answer").isTrue();
            assertThat(closedAfter).isLessThan(1_000);
        }
        assertThat(kdig(FROM_OFFICE, "example.org", "A")).contains(FakeUpstream.ANSWER);
    }

    @Test
    void aStalledHandshakeIsClosedAfterTheHandshakeTimeoutAndASilentSessionAfterTheIdleTimeout() throws Exception {
        long noHandshake;
        try (Socket socket = ListenerLimitsTest.plain("127.0.0.1", dot.port())) {
            noHandshake = ListenerLimitsTest.millisUntilClosed(socket, 8_000);
        }
        long halfHello;
        try (Socket socket = ListenerLimitsTest.plain("127.0.0.1", dot.port())) {
            // The start of a TLS record (a handshake, 512 bytes long) and no more of it.
            OutputStream out = socket.getOutputStream();
            out.write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01});
            out.flush();
            halfHello = ListenerLimitsTest.millisUntilClosed(socket, 8_000);
        }
        long silent;
        long accepted = System.nanoTime(); // the idle clock runs from the connection's start, the handshake included
        try (SSLSocket socket = tls("127.0.0.1", dot.port())) {
            ListenerLimitsTest.millisUntilClosed(socket, 8_000);
            silent = (System.nanoTime() - accepted) / 1_000_000;
        }
        System.out.printf("DoT (handshake timeout 1 s, idle timeout 3 s): no handshake closed after %d ms, half a "
                + "ClientHello after %d ms, a silent session after %d ms%n", noHandshake, halfHello, silent);
        assertThat(noHandshake).isBetween(500L, 2_000L);
        assertThat(halfHello).isBetween(500L, 2_000L);
        assertThat(silent).isBetween(2_500L, 5_000L);
    }

    @Test
    void connectionsBeyondAnAddressesCapAreClosedWhileOtherAddressesAreAnswered() throws Exception {
        configure();
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                held.add(tls("127.0.33.9", dot.port()));
            }
            boolean refused;
            try (Socket extra = tls("127.0.33.9", dot.port())) {
                refused = ListenerLimitsTest.millisUntilClosed(extra, 3_000) < 1_000;
            } catch (IOException handshakeFailed) {
                refused = true;
            }
            assertThat(refused).as("the fifth connection from one address is closed").isTrue();
            // The four held are served, and so are another address on DoT and the same address on port 53
            // (its own listener, its own count).
            SSLSocket first = (SSLSocket) held.get(0);
            first.getOutputStream().write(framed(query("example.org")));
            first.setSoTimeout(5_000);
            assertThat(read(new DataInputStream(first.getInputStream())).getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(kdig("127.0.33.10", "example.org", "A")).contains(FakeUpstream.ANSWER);
            try (Socket tcp = ListenerLimitsTest.plain("127.0.33.9", udp.port())) {
                tcp.getOutputStream().write(ListenerLimitsTest.tcpQuery("example.org"));
                tcp.setSoTimeout(5_000);
                assertThat(read(new DataInputStream(tcp.getInputStream())).getRcode()).isEqualTo(Rcode.NOERROR);
            }
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
    }
}
