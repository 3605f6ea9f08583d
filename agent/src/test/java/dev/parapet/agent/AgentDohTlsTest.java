package dev.parapet.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

/**
 * DoH over TLS with a self-signed certificate made the way the local stack makes its own (openssl,
 * CN=localhost, subjectAltName DNS:localhost and IP:127.0.0.1): trusted with {@code --doh-ca}, refused
 * without it. Verification is never off.
 */
class AgentDohTlsTest {

    @TempDir
    Path dir;

    HttpsServer server;
    Path certificate;

    @BeforeEach
    void start() throws Exception {
        certificate = dir.resolve("doh-certificate.pem");
        Path key = dir.resolve("doh-key.pem");
        Path p12 = dir.resolve("doh.p12");
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(),
                "-out", certificate.toString(), "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1");
        openssl("pkcs12", "-export", "-in", certificate.toString(), "-inkey", key.toString(), "-out", p12.toString(),
                "-passout", "pass:changeit", "-name", "doh");
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, "changeit".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keys.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.createContext("/dns-query", exchange -> {
            Message query = new Message(exchange.getRequestBody().readAllBytes());
            Message answer = new Message(query.getHeader().getID());
            answer.getHeader().setFlag(org.xbill.DNS.Flags.QR);
            answer.addRecord(query.getQuestion(), org.xbill.DNS.Section.QUESTION);
            byte[] wire = answer.toWire();
            exchange.getResponseHeaders().set("Content-Type", "application/dns-message");
            exchange.sendResponseHeaders(200, wire.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(wire);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static void openssl(String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = "openssl";
        System.arraycopy(args, 0, command, 1, args.length);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getInputStream().readAllBytes();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(String.join(" ", command)).isZero();
    }

    private byte[] query() throws Exception {
        return Message.newQuery(Record.newRecord(Name.fromString("www.example.org."), Type.A, DClass.IN)).toWire();
    }

    private URI doh() {
        return URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/dns-query");
    }

    @Test
    void theLocalStacksSelfSignedCertificateIsTrustedWhenGivenAsDohCa() throws Exception {
        DohClient client = new DohClient(HttpClients.create(certificate), doh(), "pac1.test");

        byte[] answer = client.resolve(query(), null);

        assertThat(new Message(answer).getQuestion().getName().toString()).isEqualTo("www.example.org.");
    }

    @Test
    void withoutItTheCertificateIsRefused() {
        DohClient client = new DohClient(HttpClients.create(null), doh(), "pac1.test");

        assertThatThrownBy(() -> client.resolve(query(), null)).isInstanceOf(DohClient.Unavailable.class);
    }

    @Test
    void aFileThatHoldsNoCertificateIsRefusedAtOnce() throws Exception {
        Path notACertificate = dir.resolve("empty.pem");
        Files.writeString(notACertificate, "hello");

        assertThatThrownBy(() -> HttpClients.create(notACertificate)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Cannot trust");
    }
}
