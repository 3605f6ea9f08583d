package dev.parapet.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

import com.sun.net.httpserver.HttpServer;

/**
 * The stub over real loopback sockets: dnsjava's SimpleResolver asks it, a JDK HttpServer plays
 * dns-service's DoH endpoint and a UDP socket plays the device's own resolver (the only fakes: both
 * are outside the agent).
 */
class AgentDnsStubTest {

    static final InetAddress FROM_PARAPET = address("192.0.2.1");
    static final InetAddress FROM_SYSTEM = address("198.51.100.7");

    @TempDir
    Path dir;

    HttpServer doh;
    volatile int dohStatus = 200;
    final List<String> dohSeen = new CopyOnWriteArrayList<>();
    final List<String> dohUsers = new CopyOnWriteArrayList<>();
    final List<String> dohAuthorizations = new CopyOnWriteArrayList<>();
    final AtomicInteger dohIds = new AtomicInteger(-1);

    DatagramSocket system;
    final List<String> systemSeen = new CopyOnWriteArrayList<>();

    StateStore store;
    AgentRuntime runtime;
    DnsStub stub;
    InetSocketAddress bound;
    final ByteArrayOutputStream logged = new ByteArrayOutputStream();

    @BeforeEach
    void start() throws Exception {
        doh = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        doh.createContext("/dns-query", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            dohAuthorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
            dohUsers.add(String.valueOf(exchange.getRequestHeaders().getFirst("X-Parapet-User-Token")));
            if (dohStatus != 200) {
                exchange.sendResponseHeaders(dohStatus, -1);
                exchange.close();
                return;
            }
            Message query = new Message(body);
            dohIds.set(query.getHeader().getID());
            dohSeen.add(query.getQuestion().getName().toString());
            byte[] answer = answer(query, FROM_PARAPET).toWire();
            exchange.getResponseHeaders().set("Content-Type", "application/dns-message");
            exchange.sendResponseHeaders(200, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        doh.start();

        system = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        Thread systemThread = new Thread(() -> {
            byte[] buffer = new byte[65_535];
            while (!system.isClosed()) {
                try {
                    DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                    system.receive(packet);
                    Message query = new Message(java.util.Arrays.copyOf(buffer, packet.getLength()));
                    systemSeen.add(query.getQuestion().getName().toString());
                    byte[] answer = answer(query, FROM_SYSTEM).toWire();
                    system.send(new DatagramPacket(answer, answer.length, packet.getSocketAddress()));
                } catch (IOException e) {
                    // closed at the end of the test
                }
            }
        });
        systemThread.setDaemon(true);
        systemThread.start();

        store = new StateStore(dir);
        AgentConfiguration configuration = new AgentConfiguration(new AgentConfiguration.Settings(3, true, false, false, null),
                new AgentConfiguration.Exceptions(2, List.of("corp", "intranet.example.com"), List.of()));
        AgentState state = store.replace(AgentState.enrolled(AgentStateStoreTest.enrolment())
                .withConfiguration(configuration, "s3.e2").withUser("ann@example.com", "SSO", AgentStateStoreTest.session()));
        runtime = new AgentRuntime(store, state, new Log(new PrintStream(logged, true)));
        DohClient client = new DohClient(HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build(),
                URI.create("http://127.0.0.1:" + doh.getAddress().getPort() + "/dns-query"), state.enrolment().credential());
        SystemResolver systemResolver = new SystemResolver(new InetSocketAddress("127.0.0.1", system.getLocalPort()));
        stub = new DnsStub(new InetSocketAddress("127.0.0.1", 0), new QueryRouter(runtime, client, systemResolver), new Log(new PrintStream(logged, true)));
        bound = stub.start();
    }

    @AfterEach
    void stop() {
        stub.close();
        doh.stop(0);
        system.close();
    }

    private static Message answer(Message query, InetAddress address) {
        Message answer = new Message(query.getHeader().getID());
        answer.getHeader().setFlag(Flags.QR);
        answer.getHeader().setFlag(Flags.RA);
        answer.addRecord(query.getQuestion(), Section.QUESTION);
        answer.addRecord(new ARecord(query.getQuestion().getName(), DClass.IN, 60, address), Section.ANSWER);
        return answer;
    }

    private Message ask(String name, boolean tcp) throws IOException {
        SimpleResolver resolver = new SimpleResolver(bound);
        resolver.setTimeout(Duration.ofSeconds(5));
        resolver.setTCP(tcp);
        return resolver.send(Message.newQuery(Record.newRecord(Name.fromString(name + "."), Type.A, DClass.IN)));
    }

    private static String firstAddress(Message answer) {
        return ((ARecord) answer.getSection(Section.ANSWER).get(0)).getAddress().getHostAddress();
    }

    @Test
    void aQueryGoesToParapetOverDohWithTheCredentialAndTheSignedInUser() throws Exception {
        Message answer = ask("www.example.org", false);

        assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(firstAddress(answer)).isEqualTo("192.0.2.1");
        assertThat(dohSeen).containsExactly("www.example.org.");
        assertThat(dohAuthorizations).containsExactly("Bearer " + AgentStateStoreTest.enrolment().credential());
        assertThat(dohUsers).as("the signed-in user's token, never a bare name").containsExactly("ann-access-token");
        assertThat(dohIds.get()).as("DoH queries go with id 0 (RFC 8484)").isZero();
        assertThat(systemSeen).isEmpty();
        assertThat(runtime.protectionState()).isEqualTo("PROTECTED");
    }

    @Test
    void overTcpToo() throws Exception {
        Message answer = ask("tcp.example.org", true);

        assertThat(firstAddress(answer)).isEqualTo("192.0.2.1");
        assertThat(dohSeen).containsExactly("tcp.example.org.");
    }

    @Test
    void domainExceptionsNeverReachParapetAndGoToTheSystemResolver() throws Exception {
        assertThat(firstAddress(ask("printer.corp", false))).isEqualTo("198.51.100.7");
        assertThat(firstAddress(ask("CORP", false))).isEqualTo("198.51.100.7");
        assertThat(firstAddress(ask("wiki.intranet.example.com", false))).isEqualTo("198.51.100.7");
        assertThat(firstAddress(ask("notintranet.example.com", false))).isEqualTo("192.0.2.1");

        assertThat(systemSeen).containsExactly("printer.corp.", "CORP.", "wiki.intranet.example.com.");
        assertThat(dohSeen).containsExactly("notintranet.example.com.");
    }

    @Test
    void aDisabledAgentSendsEverythingToTheSystemResolver() throws Exception {
        store.update(s -> s.withEnabled(false)); // as `disable` does, from another process
        runtime.refresh();

        assertThat(firstAddress(ask("www.example.org", false))).isEqualTo("198.51.100.7");
        assertThat(dohSeen).isEmpty();
        assertThat(runtime.protectionState()).isEqualTo("DISABLED");
    }

    @Test
    void aDohRefusalRevokesTheAgentAndItStopsSendingToParapet() throws Exception {
        dohStatus = 401;

        Message answer = ask("www.example.org", false);

        assertThat(firstAddress(answer)).as("answered, unfiltered, by the system resolver").isEqualTo("198.51.100.7");
        assertThat(runtime.protectionState()).isEqualTo("REVOKED");
        assertThat(store.load().orElseThrow().revoked()).isTrue();
        assertThat(logged.toString()).contains(AgentState.REVOKED_MESSAGE);

        int asked = dohAuthorizations.size();
        ask("again.example.org", false);
        assertThat(dohAuthorizations).hasSize(asked);
        assertThat(systemSeen).containsExactly("www.example.org.", "again.example.org.");
    }

    @Test
    void anUnreachableParapetGetsServfailNotAnUnfilteredAnswer() throws Exception {
        dohStatus = 503;

        Message answer = ask("www.example.org", false);

        assertThat(answer.getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(systemSeen).isEmpty();
        assertThat(runtime.protectionState()).isEqualTo("UNPROTECTED_OFFLINE");
        assertThat(store.load().orElseThrow().unreportedErrors()).isNotEmpty();

        dohStatus = 200;
        assertThat(firstAddress(ask("www.example.org", false))).isEqualTo("192.0.2.1");
        assertThat(runtime.protectionState()).isEqualTo("PROTECTED");
    }

    @Test
    void hostilePacketsNeverStopTheStub() throws Exception {
        Random random = new Random(7);
        byte[] real = Message.newQuery(Record.newRecord(Name.fromString("www.example.org."), Type.A, DClass.IN)).toWire();
        try (DatagramSocket client = new DatagramSocket()) {
            client.setSoTimeout(200);
            for (int i = 0; i < 300; i++) {
                byte[] packet = i % 2 == 0 ? new byte[random.nextInt(40)] : real.clone();
                if (i % 2 == 0) {
                    random.nextBytes(packet);
                } else {
                    for (int flip = 0; flip < 3; flip++) {
                        packet[random.nextInt(packet.length)] ^= (byte) (1 << random.nextInt(8));
                    }
                }
                client.send(new DatagramPacket(packet, packet.length, bound));
            }
            // a query with two questions gets FORMERR with its id
            Message two = Message.newQuery(Record.newRecord(Name.fromString("a.example."), Type.A, DClass.IN));
            two.addRecord(Record.newRecord(Name.fromString("b.example."), Type.A, DClass.IN), Section.QUESTION);
            byte[] wire = two.toWire();
            // Like a real client, it asks again while unanswered: a flood beyond the stub's queue is
            // dropped (DiscardPolicy), as a loaded resolver drops, and this probe may be among it.
            client.setSoTimeout(500);
            byte[] buffer = new byte[4096];
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            boolean formErr = false;
            while (!formErr && System.nanoTime() < deadline) {
                client.send(new DatagramPacket(wire, wire.length, bound));
                try {
                    while (!formErr) {
                        DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
                        client.receive(reply);
                        Message message = new Message(java.util.Arrays.copyOf(buffer, reply.getLength()));
                        formErr = message.getHeader().getID() == two.getHeader().getID() && message.getRcode() == Rcode.FORMERR;
                    }
                } catch (SocketTimeoutException e) {
                    // nothing more for now: ask again
                }
            }
            assertThat(formErr).as("FORMERR for a query with two questions, after the flood").isTrue();
        }

        assertThat(firstAddress(ask("still.example.org", false))).isEqualTo("192.0.2.1");
        assertThat(firstAddress(ask("still.example.org", true))).isEqualTo("192.0.2.1");
    }

    @Test
    void theStubRefusesToListenBeyondLoopback() throws Exception {
        assertThatThrownBy(() -> new DnsStub(new InetSocketAddress("0.0.0.0", 0), (q, tcp) -> java.util.Optional.empty(), Log.stderr()))
                .isInstanceOf(AgentException.class).hasMessageContaining("loopback only");
    }

    private static InetAddress address(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
