package dev.parapet.diagnostics.siem;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * Connections to one syslog receiver over TLS 1.2 or 1.3, trusting only the certificate authorities of
 * the destination's CA file (not the JVM's), and by default checking that the receiver's certificate
 * names the host (as HTTPS does: a DNS name or IP address in its subject alternative names).
 */
final class SyslogTls {

    private static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private final SSLSocketFactory sockets;
    private final String host;
    private final int port;
    private final boolean verifyHostname;
    private final int timeoutMillis;

    /** @throws IllegalArgumentException when the CA file holds no certificate it can read */
    SyslogTls(SiemProperties.Destination destination, Duration connectTimeout) {
        this.sockets = trusting(destination.caFile()).getSocketFactory();
        this.host = destination.host();
        this.port = destination.port();
        this.verifyHostname = destination.verifyHostname();
        this.timeoutMillis = Math.toIntExact(connectTimeout.toMillis());
    }

    private static SSLContext trusting(Path caFile) {
        try (InputStream in = Files.newInputStream(caFile)) {
            Collection<? extends Certificate> authorities = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (authorities.isEmpty()) {
                throw new IllegalArgumentException("the CA file " + caFile.toAbsolutePath() + " holds no PEM certificate");
            }
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            int i = 0;
            for (Certificate authority : authorities) {
                trusted.setCertificateEntry("ca-" + i++, authority);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("the CA file " + caFile.toAbsolutePath() + " cannot be read as PEM certificates: " + e, e);
        }
    }

    /** Connects and completes the handshake, or fails within about twice the connect timeout. */
    Connection open() throws IOException {
        Socket plain = new Socket();
        try {
            plain.connect(new InetSocketAddress(host, port), timeoutMillis);
            SSLSocket tls = (SSLSocket) sockets.createSocket(plain, host, port, true);
            tls.setEnabledProtocols(Arrays.stream(tls.getSupportedProtocols()).filter(PROTOCOLS::contains).toArray(String[]::new));
            if (verifyHostname) {
                SSLParameters parameters = tls.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                tls.setSSLParameters(parameters);
            }
            tls.setSoTimeout(timeoutMillis);
            tls.startHandshake();
            return new Connection(tls);
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
    }

    String target() {
        return host + ":" + port;
    }

    /** One open connection: messages are written and flushed in batches. */
    static final class Connection implements AutoCloseable {
        private final SSLSocket socket;
        private final OutputStream out;

        private Connection(SSLSocket socket) throws IOException {
            this.socket = socket;
            this.out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
        }

        void write(List<byte[]> frames) throws IOException {
            for (byte[] frame : frames) {
                out.write(frame);
            }
            out.flush();
        }

        /**
         * Whether the receiver has closed the connection. A receiver sends nothing over RFC 5425, so the end
         * of the stream (or an error) is all a read can find; checked before each batch because a write into a
         * connection the peer already closed can still succeed once, and its batch would then be lost.
         */
        boolean closedByReceiver() {
            try {
                socket.setSoTimeout(1);
                return socket.getInputStream().read() < 0;
            } catch (SocketTimeoutException open) {
                return false;
            } catch (IOException e) {
                return true;
            }
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a connection given up on: nothing more to do
            }
        }
    }
}
