package dev.parapet.dns.bench;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.util.AsciiString;

/**
 * An open-loop DNS-over-HTTPS load generator for dns-service: queries at a fixed rate, each as one of many
 * enrolled agents ({@code Authorization: Bearer <credential>}, as agents send it), multiplexed as HTTP/2
 * streams over a few kept-alive TLS connections ({@link DohConnection}). A query's latency runs from the
 * moment the schedule meant to send it, so a server (or generator) that falls behind shows in the figure
 * instead of slowing the load down. It prints p50/p99/p99.9/max, failures by kind, what happened to the
 * connections (a connection re-established is a handshake the server paid for), and the CPU it used beside
 * the server's, both per query, with the load average: on this shared 2-core machine a figure is judged by
 * them. docs/dns.md, "DoH under load", has the commands and the figures.
 */
public final class DohLoad {

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        URI url = URI.create(options.getOrDefault("url", "https://127.0.0.1:18443/dns-query"));
        Path data = Path.of(options.getOrDefault("data", System.getenv().getOrDefault("PARAPET_DATA", ".data")));
        Path ca = Path.of(options.getOrDefault("ca", data.resolve("dns-service").resolve("doh-certificate.pem").toString()));
        double rate = Double.parseDouble(options.getOrDefault("rate", "200"));
        double duration = Double.parseDouble(options.getOrDefault("duration", "60"));
        double warmup = Double.parseDouble(options.getOrDefault("warmup", "10"));
        int connections = Integer.parseInt(options.getOrDefault("connections", "4"));
        int threads = Integer.parseInt(options.getOrDefault("threads", "1"));
        int agents = Integer.parseInt(options.getOrDefault("agents", "10000"));
        long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(options.getOrDefault("timeout-ms", "10000")));
        List<String> names = List.of(options.getOrDefault("names", "www.casino.example,intranet.example.com,example.com").split(","));
        Path credentialsFile = Path.of(options.getOrDefault("credentials", data.resolve("doh-bench-credentials").toString()));
        String token = options.getOrDefault("token", System.getenv("TOKEN"));
        boolean jdk = options.getOrDefault("client", "netty").equals("jdk");
        Long serverPid = options.containsKey("server-pid") ? Long.valueOf(options.get("server-pid"))
                : ProcessCpu.busiest("dns-service.jar").orElse(null);

        List<String> credentials = DohAgents.load(credentialsFile, agents, options.getOrDefault("keys", "http://127.0.0.1:18101"),
                data, token);
        AsciiString[] authorizations = credentials.stream().map(c -> new AsciiString("Bearer " + c)).toArray(AsciiString[]::new);
        byte[][] queries = names.stream().map(DohLoad::query).toArray(byte[][]::new);

        SslContext tls = tls(ca);
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        Bootstrap template = new Bootstrap().group(group).channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class);
        DohResults.Window window = new DohResults.Window();
        List<DohConnection> pool = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            EventLoop loop = group.next();
            pool.add(new DohConnection(template, tls, url.getHost(), url.getPort() < 0 ? 443 : url.getPort(), url.getRawPath(),
                    timeoutNanos, loop, new DohResults(window)));
        }
        DohResults jdkResults = new DohResults(window);
        JdkDohClients jdkClients = jdk ? new JdkDohClients(connections, ca, url, timeoutNanos, jdkResults) : null;
        for (DohConnection connection : jdk ? List.<DohConnection>of() : pool) {
            connection.loop().submit(connection::connect).get();
        }

        System.out.printf("DoH load: %.0f/s for %.0f s after a %.0f s warm-up, to %s over %d HTTP/2 connection(s) (%s), "
                        + "as %d agents, names %s; dns-service pid %s; load average %s%n", rate, duration, warmup, url, connections,
                jdk ? "the JDK's HttpClient, as the simulator" : (epoll ? "Netty, epoll, " : "Netty, nio, ") + threads + " thread(s)", credentials.size(), names, serverPid, ProcessCpu.loadAverage());
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        window.from = start + (long) (warmup * 1e9);
        window.until = window.from + (long) (duration * 1e9);
        double periodNanos = 1e9 / rate;
        long sent = 0;
        double selfFrom = Double.NaN;
        double serverFrom = Double.NaN;
        double selfUntil = Double.NaN;
        double serverUntil = Double.NaN;
        long now;
        while ((now = System.nanoTime()) < window.until) {
            if (Double.isNaN(selfFrom) && now >= window.from) {
                selfFrom = ProcessCpu.self();
                serverFrom = serverPid == null ? Double.NaN : ProcessCpu.of(serverPid);
            }
            long due = now < start ? 0 : (long) ((now - start) / periodNanos) + 1;
            if (due > sent && jdkClients != null) {
                for (long i = sent; i < due; i++) {
                    jdkClients.send(i, new DohConnection.Query(start + (long) (i * periodNanos), queries[(int) (i % queries.length)],
                            authorizations[(int) (i % authorizations.length)]));
                }
                sent = due;
            } else if (due > sent) {
                Map<DohConnection, List<DohConnection.Query>> batches = new HashMap<>();
                for (long i = sent; i < due; i++) {
                    batches.computeIfAbsent(pool.get((int) (i % connections)), c -> new ArrayList<>()).add(new DohConnection.Query(
                            start + (long) (i * periodNanos), queries[(int) (i % queries.length)], authorizations[(int) (i % authorizations.length)]));
                }
                sent = due;
                batches.forEach((connection, batch) -> connection.loop().execute(() -> {
                    batch.forEach(connection::send);
                    connection.flush();
                }));
            }
            // Asleep until the next query is due (at least 0.1 ms: at high rates a wake-up sends a batch).
            LockSupport.parkNanos(Math.max(100_000, start + (long) (sent * periodNanos) - System.nanoTime()));
        }
        selfUntil = ProcessCpu.self();
        serverUntil = serverPid == null ? Double.NaN : ProcessCpu.of(serverPid);
        String loadAtEnd = ProcessCpu.loadAverage();

        long drainUntil = System.nanoTime() + timeoutNanos + TimeUnit.SECONDS.toNanos(1);
        while (System.nanoTime() < drainUntil && (jdk ? jdkClients.inFlight() : pending(pool)) > 0) {
            Thread.sleep(50);
        }
        List<DohResults> parts = new ArrayList<>();
        if (jdk) {
            jdkClients.close();
            synchronized (jdkResults) {
                parts.add(jdkResults);
            }
        }
        for (DohConnection connection : jdk ? List.<DohConnection>of() : pool) {
            parts.add(connection.loop().submit(() -> {
                connection.close();
                return connection.results;
            }).get());
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        report(DohResults.merge(window, parts), rate, duration, selfUntil - selfFrom, serverUntil - serverFrom, serverPid, loadAtEnd);
    }

    private static int pending(List<DohConnection> pool) throws Exception {
        int pending = 0;
        for (DohConnection connection : pool) {
            pending += connection.loop().submit(connection::inFlight).get();
        }
        return pending;
    }

    private static void report(DohResults results, double rate, double duration, double selfCpu, double serverCpu, Long serverPid,
                               String loadAverage) {
        long asked = Math.round(rate * duration);
        int done = results.answered + results.failed();
        System.out.printf("asked %d in the measured %.0f s; answered %d (%.1f/s), failed %d, unaccounted for %d%n", asked, duration,
                results.answered, results.answered / duration, results.failed(), Math.max(0, asked - done));
        System.out.printf("latency from the scheduled send: p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms%n",
                results.quantileMillis(0.5), results.quantileMillis(0.99), results.quantileMillis(0.999), results.quantileMillis(1));
        results.failures.forEach((kind, count) -> System.out.printf("  failed %d x %s%n", count, kind));
        System.out.printf("connections over the whole run: %d connects, %d TLS handshakes, %d closed before the end, %d GOAWAY%n", results.connects,
                results.handshakes, results.closes, results.goAways);
        results.events.forEach((kind, count) -> System.out.printf("  connection event %d x %s%n", count, kind));
        System.out.printf("CPU over the measured window: generator %.2f s (%.2f core, %.1f µs/query); dns-service%s %.2f s (%.2f core, %.1f µs/query)%n",
                selfCpu, selfCpu / duration, 1e6 * selfCpu / Math.max(1, done), serverPid == null ? " (not found)" : " (pid " + serverPid + ")",
                serverCpu, serverCpu / duration, 1e6 * serverCpu / Math.max(1, done));
        System.out.printf("load average at the end of the window: %s%n", loadAverage);
    }

    /** TLS for HTTP/2 (ALPN h2, its cipher suites), trusting the server's certificate (or its CA). */
    static SslContext tls(Path ca) throws javax.net.ssl.SSLException {
        return SslContextBuilder.forClient().sslProvider(SslProvider.JDK).trustManager(ca.toFile())
                .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2))
                .build();
    }

    /** An A query for the name, id 0 (RFC 8484 4.1: cache-friendly), recursion desired, no EDNS. */
    static byte[] query(String name) {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.writeBytes(new byte[] {0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0});
        for (String label : name.split("\\.")) {
            byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
            wire.write(bytes.length);
            wire.writeBytes(bytes);
        }
        wire.writeBytes(new byte[] {0, 0, 1, 0, 1});
        return wire.toByteArray();
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("usage: --option value ...; got " + args[i]);
            }
            options.put(args[i].substring(2), args[++i]);
        }
        return options;
    }
}
