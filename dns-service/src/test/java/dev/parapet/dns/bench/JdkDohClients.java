package dev.parapet.dns.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The simulator's way of sending DoH, for comparison only ({@code --client jdk}): the JDK's {@link HttpClient}
 * over HTTP/2, one client (one connection) per {@code --connections}, at most 90 queries waiting on each, as
 * {@code agent/src/main/java/dev/parapet/agent/sim/Simulator.java} does. Same schedule, same results and same
 * CPU accounting as {@link DohConnection}, so that the two generators' CPU per query can be set side by side.
 */
final class JdkDohClients {

    private static final int IN_FLIGHT = 90;

    private final List<HttpClient> clients = new ArrayList<>();
    private final List<Semaphore> slots = new ArrayList<>();
    private final URI url;
    private final Duration timeout;
    private final DohResults results;

    JdkDohClients(int connections, Path ca, URI url, long timeoutNanos, DohResults results) throws Exception {
        java.security.KeyStore trusted = java.security.KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        try (var in = java.nio.file.Files.newInputStream(ca)) {
            trusted.setCertificateEntry("doh", java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, trust.getTrustManagers(), null);
        for (int i = 0; i < connections; i++) {
            clients.add(HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(tls)
                    .connectTimeout(Duration.ofSeconds(10)).build());
            slots.add(new Semaphore(IN_FLIGHT));
        }
        this.url = url;
        this.timeout = Duration.ofNanos(timeoutNanos);
        this.results = results;
    }

    /** Sends one query on the n-th client, or counts it as not sent when that client already waits on 90. */
    void send(long n, DohConnection.Query query) {
        int connection = (int) (n % clients.size());
        Semaphore slot = slots.get(connection);
        if (!slot.tryAcquire()) {
            synchronized (results) {
                results.failed("not sent: 90 queries already waiting on the connection", query.intendedNanos);
            }
            return;
        }
        synchronized (results) {
            results.sent++;
        }
        clients.get(connection).sendAsync(HttpRequest.newBuilder(url).header("Authorization", query.authorization.toString())
                        .header("Content-Type", "application/dns-message").header("Accept", "application/dns-message")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(query.wire)).timeout(timeout).build(),
                HttpResponse.BodyHandlers.ofByteArray()).whenComplete((response, error) -> {
                    slot.release();
                    long latency = System.nanoTime() - query.intendedNanos;
                    synchronized (results) {
                        if (error != null) {
                            Throwable cause = error.getCause() != null ? error.getCause() : error;
                            results.failed(cause.getClass().getSimpleName(), query.intendedNanos);
                        } else if (response.statusCode() != 200 || response.body().length < 12) {
                            results.failed("HTTP " + response.statusCode(), query.intendedNanos);
                        } else {
                            results.answered(latency, query.intendedNanos);
                        }
                    }
                });
    }

    int inFlight() {
        return slots.stream().mapToInt(slot -> IN_FLIGHT - slot.availablePermits()).sum();
    }

    void close() {
        clients.forEach(client -> {
            try {
                client.getClass().getMethod("shutdownNow").invoke(client); // JDK 21+; on 17 the client just stops being used
            } catch (ReflectiveOperationException e) {
                // nothing to do
            }
        });
    }

}
