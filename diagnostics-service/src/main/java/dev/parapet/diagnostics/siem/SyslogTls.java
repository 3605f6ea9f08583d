package dev.parapet.diagnostics.siem;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

import dev.parapet.kit.net.Cidr;
import dev.parapet.schemas.v1.siem.SiemDestination;

/**
 * Connections to one syslog receiver over TLS 1.2 or 1.3, trusting only the certificate authorities of
 * the destination's CA file (not the JVM's), and by default checking that the receiver's certificate
 * names the host (as HTTPS does: a DNS name or IP address in its subject alternative names). With a
 * client certificate and key, it presents them to a receiver that asks (mutual TLS).
 */
final class SyslogTls {

    private static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    private static final String PKCS8_BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String PKCS8_END = "-----END PRIVATE KEY-----";

    private final SSLSocketFactory sockets;
    private final String host;
    private final int port;
    private final boolean verifyHostname;
    private final int timeoutMillis;
    /** Whether only public addresses may be connected to (an administrator's destination; the operator's are trusted). */
    private final boolean publicOnly;

    /** An operator's destination. @throws IllegalArgumentException when the CA file holds no certificate it can read */
    SyslogTls(SiemProperties.Destination destination, Duration connectTimeout) {
        this(context(destination.mutualTls() ? identity(destination.clientCertificateFile(), destination.clientKeyFile()) : null,
                        trusting(caFile(destination.caFile()), "the CA file " + destination.caFile().toAbsolutePath())),
                destination.host(), destination.port(), destination.verifyHostname(), connectTimeout, false);
    }

    private SyslogTls(SSLContext context, String host, int port, boolean verifyHostname, Duration connectTimeout, boolean publicOnly) {
        this.sockets = context.getSocketFactory();
        this.host = host;
        this.port = port;
        this.verifyHostname = verifyHostname;
        this.timeoutMillis = Math.toIntExact(connectTimeout.toMillis());
        this.publicOnly = publicOnly;
    }

    /**
     * An account's destination, set by its administrators through settings-service: its authorities come as PEM text, it
     * never has a client certificate, and unless {@code allowPrivateAddresses} its host is connected to only at a public
     * address (checked at each connection, on the addresses the name resolves to then: an administrator must not reach
     * the operator's own network through Parapet).
     *
     * @throws IllegalArgumentException when the text holds no certificate it can read
     */
    static SyslogTls ofAccount(SiemDestination destination, Duration connectTimeout, boolean allowPrivateAddresses) {
        List<Certificate> authorities;
        try {
            authorities = certificates(new java.io.ByteArrayInputStream(destination.getCaCertificates().getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the account's CA certificates cannot be read as PEM certificates: " + e, e);
        }
        return new SyslogTls(context(null, trusting(authorities, "the account's CA certificates")), destination.getHost(),
                destination.getPort(), destination.getVerifyHostname(), connectTimeout, !allowPrivateAddresses);
    }

    private static SSLContext context(KeyManager[] identity, TrustManager[] trusted) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(identity, trusted, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("TLS is not available: " + e, e);
        }
    }

    private static List<Certificate> caFile(Path caFile) {
        try {
            return certificates(caFile);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("the CA file " + caFile.toAbsolutePath() + " cannot be read as PEM certificates: " + e, e);
        }
    }

    private static TrustManager[] trusting(List<Certificate> authorities, String what) {
        try {
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            for (int i = 0; i < authorities.size(); i++) {
                trusted.setCertificateEntry("ca-" + i, authorities.get(i));
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            return trust.getTrustManagers();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(what + " cannot be used as trusted certificates: " + e, e);
        }
    }

    /** This service's certificate and key, for a receiver that asks for them. */
    private static KeyManager[] identity(Path certificateFile, Path keyFile) {
        List<Certificate> chain;
        try {
            chain = certificates(certificateFile);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("the client certificate file " + certificateFile.toAbsolutePath()
                    + " cannot be read as PEM certificates: " + e, e);
        }
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("client", privateKey(keyFile), new char[0], chain.toArray(Certificate[]::new));
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, new char[0]);
            return keys.getKeyManagers();
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("the client key file " + keyFile.toAbsolutePath()
                    + " is not an unencrypted PKCS #8 PEM key (BEGIN PRIVATE KEY) of the client certificate: " + e, e);
        }
    }

    private static List<Certificate> certificates(Path file) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(file)) {
            return certificates(in);
        }
    }

    private static List<Certificate> certificates(InputStream in) throws GeneralSecurityException {
        List<Certificate> certificates = List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
        if (certificates.isEmpty()) {
            throw new CertificateException("no PEM certificate in it");
        }
        return certificates;
    }

    private static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
        String pem = Files.readString(file, StandardCharsets.US_ASCII);
        int begin = pem.indexOf(PKCS8_BEGIN);
        int end = pem.indexOf(PKCS8_END);
        if (begin < 0 || end < begin) {
            throw new InvalidKeySpecException("no " + PKCS8_BEGIN + " block");
        }
        PKCS8EncodedKeySpec key = new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(pem.substring(begin + PKCS8_BEGIN.length(), end)));
        for (String algorithm : List.of("RSA", "EC")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(key);
            } catch (InvalidKeySpecException notThisAlgorithm) {
                // the next one
            }
        }
        throw new InvalidKeySpecException("neither an RSA nor an EC key");
    }

    /** Connects and completes the handshake, or fails within about twice the connect timeout. */
    Connection open() throws IOException {
        return open(attempt -> { });
    }

    /**
     * As {@link #open()}, handing the socket to {@code attempt} before it connects: closing it from another thread
     * ends the connection attempt and its handshake at once (with an IOException) instead of at the timeout.
     */
    Connection open(Consumer<Socket> attempt) throws IOException {
        Socket plain = new Socket();
        attempt.accept(plain);
        try {
            plain.connect(publicOnly ? new InetSocketAddress(publicAddress(), port) : new InetSocketAddress(host, port), timeoutMillis);
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

    /**
     * The address to connect to: the first the host resolves to, when none of them is off the internet (loopback,
     * private, link-local, unique-local, shared, unspecified or multicast). Connecting to the address checked, not to the
     * name again, leaves no second lookup to answer otherwise.
     */
    private InetAddress publicAddress() throws IOException {
        InetAddress[] addresses = InetAddress.getAllByName(host);
        for (InetAddress address : addresses) {
            if (!Cidr.isPublic(address)) {
                throw new IOException(host + " resolves to " + address.getHostAddress() + ", not a public address: refused "
                        + "(parapet.diagnostics.siem.allow-private-addresses)");
            }
        }
        return addresses[0];
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
