package dev.parapet.dns.pages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class AccountCertificateAuthorityTest {

    static final String SECRET = Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
    static final UUID ACCOUNT = UUID.fromString("6f1343f8-0000-4000-8000-000000000001");
    static final UUID OTHER_ACCOUNT = UUID.fromString("6f1343f8-0000-4000-8000-000000000002");

    final AccountCertificateAuthority authority = new AccountCertificateAuthority(PageSecret.fromBase64(SECRET));

    @Test
    void theSameSecretAndAccountGiveTheSameCaCertificateByteForByteOnEveryInstance() throws Exception {
        AccountCertificateAuthority anotherInstance = new AccountCertificateAuthority(PageSecret.fromBase64(SECRET));
        assertThat(anotherInstance.certificate(ACCOUNT).getEncoded()).isEqualTo(authority.certificate(ACCOUNT).getEncoded());
        assertThat(AccountCertificateAuthority.pem(anotherInstance.certificate(ACCOUNT)))
                .isEqualTo(AccountCertificateAuthority.pem(authority.certificate(ACCOUNT)));
    }

    @Test
    void accountsAndSecretsGetDifferentCas() {
        AccountCertificateAuthority otherSecret = new AccountCertificateAuthority(PageSecret.random());
        X509Certificate ca = authority.certificate(ACCOUNT);
        assertThat(authority.certificate(OTHER_ACCOUNT).getPublicKey()).isNotEqualTo(ca.getPublicKey());
        assertThat(authority.platformCertificate().getPublicKey()).isNotEqualTo(ca.getPublicKey());
        assertThat(otherSecret.certificate(ACCOUNT).getPublicKey()).isNotEqualTo(ca.getPublicKey());
    }

    @Test
    void theCaIsASelfSignedCaForIssuingServerCertificatesOnly() throws Exception {
        X509Certificate ca = authority.certificate(ACCOUNT);
        assertThat(ca.getSubjectX500Principal().getName())
                .isEqualTo("CN=Parapet block pages " + ACCOUNT + ",O=Parapet");
        assertThat(ca.getIssuerX500Principal()).isEqualTo(ca.getSubjectX500Principal());
        ca.verify(ca.getPublicKey());
        assertThat(ca.getSigAlgName()).isEqualTo("SHA256withECDSA");
        assertThat(ca.getBasicConstraints()).as("CA, path length 0").isZero();
        assertThat(ca.getKeyUsage()).as("keyCertSign and cRLSign only")
                .containsExactly(false, false, false, false, false, true, true, false, false);
        assertThat(ca.getNotBefore().toInstant()).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(ca.getNotAfter().toInstant()).isEqualTo("2036-01-01T00:00:00Z");
        assertThat(ca.getSerialNumber().signum()).isPositive();
    }

    @Test
    void aLeafForTheNameVerifiesAgainstItsAccountsCaAndNoOtherCa() throws Exception {
        AccountCertificateAuthority.Leaf leaf = authority.leafFor(ACCOUNT, "Blocked.Example.");
        X509Certificate certificate = leaf.certificate();
        assertThat(leaf.issuer()).isEqualTo(authority.certificate(ACCOUNT));
        validate(certificate, authority.certificate(ACCOUNT));
        assertThatThrownBy(() -> validate(certificate, authority.certificate(OTHER_ACCOUNT)))
                .isInstanceOf(CertPathValidatorException.class);
        assertThatThrownBy(() -> validate(certificate, authority.platformCertificate()))
                .isInstanceOf(CertPathValidatorException.class);

        assertThat(certificate.getSubjectAlternativeNames()).containsExactly(List.of(2, "blocked.example"));
        assertThat(certificate.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(certificate.getBasicConstraints()).as("not a CA").isEqualTo(-1);
        Instant notBefore = certificate.getNotBefore().toInstant();
        assertThat(notBefore).isBetween(Instant.now().minus(Duration.ofMinutes(61)), Instant.now().minus(Duration.ofMinutes(59)));
        assertThat(Duration.between(notBefore, certificate.getNotAfter().toInstant())).isEqualTo(Duration.ofDays(7));
        assertThat(authority.leafFor(ACCOUNT, "blocked.example")).as("kept, not minted again").isSameAs(leaf);
    }

    @Test
    void platformLeavesVerifyAgainstThePlatformCaOnly() throws Exception {
        X509Certificate certificate = authority.platformLeafFor("unknown.example").certificate();
        validate(certificate, authority.platformCertificate());
        assertThatThrownBy(() -> validate(certificate, authority.certificate(ACCOUNT)))
                .isInstanceOf(CertPathValidatorException.class);
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", ".", "a..example", ".example", "-a.example", "a-.example", "a_b.example", "exa mple.com",
            "example.com/x", "ex\u00e9mple.com", "192.0.2.1", "example.com:443", "[::1]", "*.example.com", "a.example\u0000.com"})
    void refusesServerNamesThatAreNoHostNames(String name) {
        assertThatThrownBy(() -> authority.leafFor(ACCOUNT, name)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesOverlongNamesAndLabels() {
        String label63 = "a".repeat(63);
        String name253 = String.join(".", label63, label63, label63, "a".repeat(61));
        assertThat(authority.leafFor(ACCOUNT, name253).certificate().getSubjectX500Principal().getName()).isEqualTo("CN=" + name253);
        assertThatThrownBy(() -> authority.leafFor(ACCOUNT, name253 + "a")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> authority.leafFor(ACCOUNT, "a".repeat(64) + ".example")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> authority.leafFor(ACCOUNT, "a.".repeat(100_000) + "example")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void thePemReadsBackAsTheCertificate() throws Exception {
        String pem = AccountCertificateAuthority.pem(authority.certificate(ACCOUNT));
        assertThat(pem).startsWith("-----BEGIN CERTIFICATE-----\n").endsWith("-----END CERTIFICATE-----\n");
        X509Certificate read = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        assertThat(read).isEqualTo(authority.certificate(ACCOUNT));
    }

    @Test
    void refusesAShortOrMalformedSecretWithoutEchoingIt() {
        String shortSecret = Base64.getEncoder().encodeToString(new byte[31]);
        assertThatThrownBy(() -> PageSecret.fromBase64(shortSecret)).hasMessageContaining("at least 32 bytes")
                .hasMessageNotContaining(shortSecret);
        assertThatThrownBy(() -> PageSecret.fromBase64("not base64! hunter2")).hasMessageNotContaining("hunter2")
                .hasNoCause();
        assertThat(PageSecret.fromBase64(SECRET).toString()).doesNotContain(SECRET);
    }

    static void validate(X509Certificate leaf, X509Certificate trusted) throws Exception {
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(trusted, null)));
        parameters.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(
                CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf)), parameters);
    }
}
