package dev.parapet.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * Hostile clients against every listener, while legitimate clients keep asking: slowloris and
 * unbounded bodies on every HTTP listener, 10 000 half-open TCP DNS connections, random bytes on
 * UDP and TCP DNS, DoH with garbage credentials at a high rate. Each service stays within its memory
 * limit and keeps answering; the legitimate clients' p99 during each attack is printed.
 */
@SharedFaultStack.WithSharedStack
@Order(4)
class HostileClientsTest {

    static FaultStack stack;
    static String credential;

    @BeforeAll
    static void start() throws Exception {
        stack = SharedFaultStack.stack();
        UUID account = UUID.randomUUID();
        String key = Api.createKey(stack, account, stack.superAdmin(account));
        credential = Api.enrol(stack, key, "hostile-legit").json().get("credential").asText();
    }

    /** Every HTTP listener: the four services' APIs, DoH on TLS, block pages on HTTP and HTTPS. */
    record Listener(String name, int port, boolean tls, String path) {
    }

    static List<Listener> listeners() {
        return List.of(
                new Listener("key-service API", stack.keys.spec.port(), false, "/agent/v1/enrolments"),
                new Listener("settings-service API", stack.settings.spec.port(), false, "/api/v1/categories"),
                new Listener("dns-service DoH (HTTP port)", stack.dns.spec.port(), false, "/dns-query"),
                new Listener("diagnostics telemetry", stack.diagnostics.spec.port(), false, "/agent/v1/telemetry"),
                new Listener("dns-service DoH (TLS)", stack.dohTlsPort, true, "/dns-query"),
                new Listener("block pages (HTTP)", stack.pagesHttpPort, false, "/"),
                new Listener("block pages (HTTPS)", stack.pagesHttpsPort, true, "/"));
    }

    /** Every listener at once (each waits out its header timeout, so one after another would take 70 s). */
    @Test
    void slowHeadersAreCutOffOnEveryHttpListener() throws Exception {
        ExecutorService attackers = Executors.newFixedThreadPool(listeners().size());
        try {
            List<Future<Double>> cutOffAfter = new ArrayList<>();
            for (Listener listener : listeners()) {
                cutOffAfter.add(attackers.submit(() -> slowloris(listener)));
            }
            for (int i = 0; i < cutOffAfter.size(); i++) {
                String name = listeners().get(i).name();
                Double after = cutOffAfter.get(i).get(120, TimeUnit.SECONDS);
                System.out.printf("hostile: slowloris on %s %s%n", name, after == null ? "never cut off" : String.format("cut off after %.1f s", after));
                assertThat(after).as(name + " closes a connection that never finishes its headers").isNotNull();
            }
        } finally {
            attackers.shutdownNow();
        }
    }

    /** Sends one header byte a second, as slowloris does, for at most 90 s; returns when the server closed, or null. */
    private static Double slowloris(Listener listener) throws Exception {
        try (Socket socket = connect(listener)) {
            socket.setSoTimeout(1000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + listener.path() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long started = System.nanoTime();
            while (System.nanoTime() - started < Duration.ofSeconds(90).toNanos()) {
                boolean closed;
                try {
                    out.write('X');
                    out.flush();
                    closed = readsEnd(socket.getInputStream());
                } catch (IOException e) {
                    closed = true;
                }
                if (closed) {
                    return (System.nanoTime() - started) / 1e9;
                }
            }
            return null;
        }
    }

    @Test
    void anEndlessBodyIsRefusedWithoutBeingBuffered() throws Exception {
        for (Listener listener : listeners()) {
            long before = rssOf(listener);
            long sent = 0;
            double stoppedAfter = -1;
            String answer = "";
            try (Socket socket = connect(listener)) {
                socket.setSoTimeout(5_000);
                OutputStream out = socket.getOutputStream();
                out.write(("POST " + listener.path() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + credential
                        + "\r\nContent-Type: application/dns-message\r\nTransfer-Encoding: chunked\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                byte[] chunk = new byte[64 * 1024];
                byte[] header = (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                long started = System.nanoTime();
                try {
                    // For up to 45 s, as fast as loopback takes it: longer than any request may last.
                    while (System.nanoTime() - started < Duration.ofSeconds(45).toNanos()) {
                        out.write(header);
                        out.write(chunk);
                        out.write('\r');
                        out.write('\n');
                        sent += chunk.length;
                    }
                } catch (IOException closedByServer) {
                    stoppedAfter = (System.nanoTime() - started) / 1e9;
                }
                answer = statusLine(socket.getInputStream());
            }
            long after = rssOf(listener);
            System.out.printf("hostile: endless body on %s: stopped after %.1f s and %d MiB, answer '%s', RSS %d -> %d MiB%n",
                    listener.name(), stoppedAfter, sent >> 20, answer, before, after);
            assertThat(stoppedAfter).as(listener.name() + " stops reading an endless body").isPositive();
            // It answered without the body, or refused it: the connection ends then, not at a timeout.
            assertThat(stoppedAfter).as(listener.name() + " ends the connection once it has answered").isLessThan(8);
            assertThat(after).as(listener.name() + " memory").isLessThan(1024);
        }
        assertEveryServiceAlive();
    }

    @Test
    void tenThousandHalfOpenTcpConnectionsDoNotStopDns() throws Exception {
        List<SocketChannel> held = new ArrayList<>();
        try {
            InetSocketAddress dns = new InetSocketAddress("127.0.0.1", stack.dnsPort);
            long opened = 0;
            // From 40 addresses, under the per-client cap of each (256), so that the server really holds them.
            for (int i = 0; i < 10_000; i++) {
                try {
                    SocketChannel channel = SocketChannel.open();
                    channel.bind(new InetSocketAddress("127.0.2." + (1 + i / 250), 0));
                    channel.configureBlocking(false);
                    channel.connect(dns);
                    held.add(channel);
                    opened++;
                } catch (IOException e) {
                    break;
                }
            }
            long established = 0;
            for (SocketChannel channel : held) {
                try {
                    long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
                    while (!channel.finishConnect() && System.nanoTime() < deadline) {
                        Thread.onSpinWait();
                    }
                    // Half a message: one byte of a length prefix, and nothing after it.
                    channel.write(java.nio.ByteBuffer.wrap(new byte[] {0}));
                    established++;
                } catch (IOException | java.nio.channels.NotYetConnectedException refused) {
                    // the server refused or closed it already: fine
                }
            }
            List<Long> latencies = legitimateDnsWhile(Duration.ofSeconds(15));
            long stillOpen = held.stream().filter(this::stillOpen).count();
            System.out.printf("hostile: %d half-open TCP DNS connections opened (%d established, %d still open after 15 s); "
                            + "legitimate UDP+TCP queries meanwhile: %d, p50 %.2f ms, p99 %.2f ms; dns-service RSS %d MiB%n",
                    opened, established, stillOpen,
                    latencies.size(), Api.percentile(latencies, 50) / 1e6, Api.percentile(latencies, 99) / 1e6, stack.dns.rssMiB());
            assertThat(latencies).as("legitimate queries answered during the attack").hasSizeGreaterThan(50);
            assertThat(stack.dns.rssMiB()).isLessThan(1024);
        } finally {
            for (SocketChannel channel : held) {
                channel.close();
            }
        }
        assertEveryServiceAlive();
    }

    @Test
    void randomBytesOnUdpAndTcpDnsAreAnsweredOrDroppedAndDnsGoesOn() throws Exception {
        Random random = new Random(13);
        AtomicLong garbage = new AtomicLong();
        AtomicBoolean attacking = new AtomicBoolean(true);
        ExecutorService attackers = Executors.newFixedThreadPool(2);
        Future<?> udp = attackers.submit(() -> {
            try (DatagramSocket socket = new DatagramSocket()) {
                InetAddress server = InetAddress.getByName("127.0.0.1");
                // About 20 000 datagrams a second: a flood, yet one that leaves this 2-core machine a core to answer with.
                while (attacking.get()) {
                    byte[] bytes = new byte[1 + random.nextInt(600)];
                    random.nextBytes(bytes);
                    socket.send(new DatagramPacket(bytes, bytes.length, server, stack.dnsPort));
                    if (garbage.incrementAndGet() % 20 == 0) {
                        Thread.sleep(1);
                    }
                }
            }
            return null;
        });
        Future<?> tcp = attackers.submit(() -> {
            while (attacking.get()) {
                try (Socket socket = new Socket("127.0.0.1", stack.dnsPort)) {
                    byte[] bytes = new byte[2 + random.nextInt(2000)];
                    random.nextBytes(bytes);
                    socket.getOutputStream().write(bytes);
                    garbage.incrementAndGet();
                } catch (IOException e) {
                    // refused or reset: fine
                }
            }
            return null;
        });
        List<Long> latencies = legitimateDnsWhile(Duration.ofSeconds(10));
        attacking.set(false);
        udp.get(30, TimeUnit.SECONDS);
        tcp.get(30, TimeUnit.SECONDS);
        attackers.shutdown();
        System.out.printf("hostile: %d random UDP datagrams and TCP streams; legitimate queries meanwhile: %d, p50 %.2f ms, "
                        + "p99 %.2f ms; dns-service RSS %d MiB%n", garbage.get(), latencies.size(),
                Api.percentile(latencies, 50) / 1e6, Api.percentile(latencies, 99) / 1e6, stack.dns.rssMiB());
        assertThat(latencies).hasSizeGreaterThan(50);
        assertEveryServiceAlive();
    }

    @Test
    void garbageDohCredentialsAtAHighRateDoNotStopAgents() throws Exception {
        AtomicBoolean attacking = new AtomicBoolean(true);
        AtomicLong refused = new AtomicLong();
        ExecutorService attackers = Executors.newFixedThreadPool(4);
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            running.add(attackers.submit(() -> {
                while (attacking.get()) {
                    if (Api.doh(stack, "pac1." + UUID.randomUUID() + ".garbage", "x.fault.example") == 401) {
                        refused.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        long failed = 0;
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < until) {
            long started = System.nanoTime();
            if (Api.doh(stack, credential, "allowed.fault.example") != 200) {
                failed++;
            }
            latencies.add(System.nanoTime() - started);
            Thread.sleep(10);
        }
        attacking.set(false);
        for (Future<?> attacker : running) {
            attacker.get(30, TimeUnit.SECONDS);
        }
        attackers.shutdown();
        System.out.printf("hostile: %d garbage DoH credentials refused in 10 s; the agent's DoH meanwhile: %d, p50 %.2f ms, "
                        + "p99 %.2f ms, %d failed; dns-service RSS %d MiB%n", refused.get(), latencies.size(),
                Api.percentile(latencies, 50) / 1e6, Api.percentile(latencies, 99) / 1e6, failed, stack.dns.rssMiB());
        assertThat(failed).isZero();
        assertThat(refused.get()).isPositive();
    }

    /** Legitimate queries over UDP and TCP for a while; their latencies (ns). */
    private static List<Long> legitimateDnsWhile(Duration duration) throws Exception {
        List<Long> latencies = new ArrayList<>();
        // From another network than the attackers' (127.0.0.1, 127.0.2.x), as a real client is.
        SimpleResolver udp = new SimpleResolver(new InetSocketAddress("127.0.0.1", stack.dnsPort));
        udp.setLocalAddress(new InetSocketAddress("127.0.1.2", 0));
        udp.setTimeout(Duration.ofSeconds(2));
        SimpleResolver tcp = new SimpleResolver(new InetSocketAddress("127.0.0.1", stack.dnsPort));
        tcp.setLocalAddress(new InetSocketAddress("127.0.1.2", 0));
        tcp.setTCP(true);
        tcp.setTimeout(Duration.ofSeconds(2));
        long until = System.nanoTime() + duration.toNanos();
        int n = 0;
        while (System.nanoTime() < until) {
            Message query = Message.newQuery(Record.newRecord(Name.fromString("q" + n + ".legit.example."), Type.A, DClass.IN));
            long started = System.nanoTime();
            try {
                (n++ % 2 == 0 ? udp : tcp).send(query);
                latencies.add(System.nanoTime() - started);
            } catch (IOException timedOut) {
                latencies.add(Duration.ofSeconds(2).toNanos());
            }
            Thread.sleep(5);
        }
        return latencies;
    }

    private boolean stillOpen(SocketChannel channel) {
        try {
            return channel.read(java.nio.ByteBuffer.allocate(16)) >= 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static void assertEveryServiceAlive() {
        for (FaultStack.Service service : stack.services()) {
            service.process.ensureAlive();
            assertThat(Api.call("GET", service.url() + "/actuator/health/liveness", null, null).status())
                    .as(service.spec.name() + " alive").isEqualTo(200);
        }
    }

    private static long rssOf(Listener listener) {
        for (FaultStack.Service service : stack.services()) {
            if (service.spec.port() == listener.port()) {
                return service.rssMiB();
            }
        }
        return stack.dns.rssMiB();
    }

    private static boolean readsEnd(InputStream in) throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        }
    }

    private static String statusLine(InputStream in) {
        try {
            byte[] buffer = new byte[256];
            int read = in.read(buffer);
            if (read <= 0) {
                return "(closed)";
            }
            String text = new String(buffer, 0, read, StandardCharsets.ISO_8859_1);
            int end = text.indexOf('\r');
            return end < 0 ? text : text.substring(0, end);
        } catch (IOException e) {
            return "(" + e.getClass().getSimpleName() + ")";
        }
    }

    private static Socket connect(Listener listener) throws Exception {
        if (!listener.tls()) {
            return new Socket("127.0.0.1", listener.port());
        }
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, new SecureRandom());
        javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", listener.port());
        javax.net.ssl.SSLParameters parameters = socket.getSSLParameters();
        parameters.setApplicationProtocols(new String[] {"http/1.1"});
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        return socket;
    }
}
