package dev.parapet.dns.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.netty.handler.ssl.SslContext;

/** DNS over TLS's certificate and key, as the operator gives them: good, missing, or not PEM at all. */
class DotServerTlsTest {

    @TempDir
    Path work;

    private Path[] pair() throws Exception {
        Path key = work.resolve("key.pem");
        Path certificate = work.resolve("cert.pem");
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(), "-out", certificate.toString(),
                "-days", "2", "-subj", "/CN=localhost").redirectErrorStream(true).start();
        openssl.getInputStream().readAllBytes();
        assertThat(openssl.waitFor()).isZero();
        return new Path[] {certificate, key};
    }

    @Test
    void aGoodPairGivesTls12And13WithAlpnDot() throws Exception {
        Path[] pair = pair();
        SslContext tls = DotServer.tls(pair[0].toFile(), pair[1].toFile());
        assertThat(tls.isServer()).isTrue();
        assertThat(tls.applicationProtocolNegotiator().protocols()).containsExactly("dot");
        var engine = tls.newEngine(io.netty.buffer.ByteBufAllocator.DEFAULT);
        assertThat(engine.getEnabledProtocols()).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
    }

    @Test
    void aMissingOrUnreadableCertificateOrKeyStopsTheServiceWithTheFileNamed() throws Exception {
        Path[] pair = pair();
        Path garbage = Files.writeString(work.resolve("garbage.pem"), "-----BEGIN CERTIFICATE-----\nnot base64\n");
        assertThatThrownBy(() -> DotServer.tls(work.resolve("absent.pem").toFile(), pair[1].toFile()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("absent.pem");
        assertThatThrownBy(() -> DotServer.tls(garbage.toFile(), pair[1].toFile()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("garbage.pem");
        assertThatThrownBy(() -> DotServer.tls(pair[0].toFile(), garbage.toFile()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("garbage.pem");
        assertThatThrownBy(() -> DotServer.tls(pair[0].toFile(), null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("parapet.dns.doh.private-key");
    }
}
