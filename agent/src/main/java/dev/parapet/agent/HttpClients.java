package dev.parapet.agent;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The agent's HTTP clients (HTTP/2, falling back to 1.1 by ALPN). The local stack's DoH listener has a
 * self-signed certificate; {@code --doh-ca} adds that one certificate to the JDK's trusted roots for
 * that client only. Certificate and host-name verification stay on everywhere: an agent that trusted
 * any certificate would hand its credential and every query to whoever sits on the café's Wi-Fi.
 */
public final class HttpClients {

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private HttpClients() {
    }

    /** For the API (enrolment, configuration, telemetry, updates): the JDK's trusted roots, or those plus the extra CA. */
    public static HttpClient create(Path extraCa) {
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_2)
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER);
        if (extraCa != null) {
            builder.sslContext(trusting(extraCa));
        }
        return builder.build();
    }

    /** An SSL context that trusts the JDK's roots and the certificates of one PEM file. */
    public static SSLContext trusting(Path pem) {
        try {
            List<X509Certificate> extra = certificates(pem);
            TrustManagerFactory defaults = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            defaults.init((KeyStore) null);
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (X509TrustManager manager : x509(defaults.getTrustManagers())) {
                int i = 0;
                for (X509Certificate root : manager.getAcceptedIssuers()) {
                    store.setCertificateEntry("jdk-" + i++, root);
                }
            }
            for (int i = 0; i < extra.size(); i++) {
                store.setCertificateEntry("extra-" + i, extra.get(i));
            }
            TrustManagerFactory combined = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            combined.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, combined.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("Cannot trust " + pem + ": " + e.getMessage(), e);
        }
    }

    private static List<X509Certificate> certificates(Path pem) throws IOException, CertificateException {
        if (Files.size(pem) > 1024 * 1024) {
            throw new IOException("over 1 MiB: not a certificate file");
        }
        try (InputStream in = Files.newInputStream(pem)) {
            Collection<? extends Certificate> read = CertificateFactory.getInstance("X.509").generateCertificates(in);
            List<X509Certificate> out = new ArrayList<>();
            for (Certificate certificate : read) {
                out.add((X509Certificate) certificate);
            }
            if (out.isEmpty()) {
                throw new CertificateException("no certificate in it");
            }
            return out;
        }
    }

    private static List<X509TrustManager> x509(TrustManager[] managers) {
        return Arrays.stream(managers).filter(X509TrustManager.class::isInstance).map(X509TrustManager.class::cast).toList();
    }
}
