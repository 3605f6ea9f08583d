package dev.parapet.dns.pages;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.UUID;

import javax.security.auth.x500.X500Principal;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.io.SignerOutputStream;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.signers.DSADigestSigner;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;
import org.bouncycastle.operator.ContentSigner;
import org.springframework.stereotype.Component;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * One certificate authority per account for the block pages, so that a device that installed its
 * account's CA certificate sees the HTTPS block page of any name without a certificate error, and
 * trusts nothing another account's pages present. Each CA is derived, not stored: its EC P-256 key
 * from the page secret and the account id (HKDF-SHA256), its certificate with fixed dates, a serial
 * from its key and deterministic ECDSA (RFC 6979). Every instance, after every restart, therefore
 * presents and hands out byte-for-byte the same CA certificate; a new secret rotates them all.
 * Names nobody blocked for the client get leaves from a platform CA derived the same way, which no
 * account's device trusts.
 */
@Component
public class AccountCertificateAuthority {

    /** A server certificate for one name, with its key. */
    public record Leaf(PrivateKey privateKey, X509Certificate certificate, X509Certificate issuer) {
    }

    /** A CA's key and certificate, and the key its leaves share. */
    private record Authority(BigInteger signingScalar, X509Certificate certificate, KeyPair leafKeys) {
    }

    static final String PLATFORM = "platform";
    static final Instant CA_NOT_BEFORE = Instant.parse("2026-01-01T00:00:00Z");
    static final Instant CA_NOT_AFTER = Instant.parse("2036-01-01T00:00:00Z");
    static final Duration LEAF_BACKDATING = Duration.ofHours(1);
    static final Duration LEAF_VALIDITY = Duration.ofDays(7);
    /** Leaves are minted again well before they expire. */
    static final Duration LEAF_KEPT = Duration.ofDays(1);
    static final int MAX_AUTHORITIES = 10_000;
    static final int MAX_LEAVES = 20_000;

    private static final X9ECParameters P256 = CustomNamedCurves.getByName("P-256");
    private static final AlgorithmIdentifier ECDSA_WITH_SHA256 = new AlgorithmIdentifier(X9ObjectIdentifiers.ecdsa_with_SHA256);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final PageSecret secret;
    private final ECParameterSpec p256;
    private final Cache<String, Authority> authorities = Caffeine.newBuilder().maximumSize(MAX_AUTHORITIES).build();
    private final Cache<String, Leaf> leaves = Caffeine.newBuilder()
            .maximumSize(MAX_LEAVES).expireAfterWrite(LEAF_KEPT).build();

    AccountCertificateAuthority(PageSecret secret) {
        this.secret = secret;
        try {
            AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
            parameters.init(new ECGenParameterSpec("secp256r1"));
            this.p256 = parameters.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("This JDK has no P-256", e);
        }
    }

    /** The account's CA certificate, which its administrators install on their devices. */
    public X509Certificate certificate(UUID accountId) {
        return authority(accountId.toString()).certificate();
    }

    /** The platform CA certificate: the issuer of leaves for names with no notice. */
    public X509Certificate platformCertificate() {
        return authority(PLATFORM).certificate();
    }

    /** A leaf for the name, signed by the account's CA; refused unless the name is a DNS host name. */
    public Leaf leafFor(UUID accountId, String sniName) {
        return leaf(accountId.toString(), sniName);
    }

    /** A leaf for the name signed by the platform CA. */
    public Leaf platformLeafFor(String sniName) {
        return leaf(PLATFORM, sniName);
    }

    /** The certificate as a PEM text block. */
    public static String pem(X509Certificate certificate) {
        try {
            return "-----BEGIN CERTIFICATE-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(certificate.getEncoded())
                    + "\n-----END CERTIFICATE-----\n";
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    private Leaf leaf(String owner, String sniName) {
        String name = HostNames.normalise(sniName)
                .orElseThrow(() -> new IllegalArgumentException("Not a DNS host name: a certificate is minted only for one"));
        return leaves.get(owner + '|' + name, key -> mint(authority(owner), name));
    }

    private Authority authority(String owner) {
        return authorities.get(owner, this::derive);
    }

    private Authority derive(String owner) {
        BigInteger scalar = scalar("parapet-block-page-ca-v1:" + owner);
        PublicKey publicKey = publicKey(scalar);
        X500Name subject = name("CN=Parapet block pages " + owner + ", O=Parapet");
        BigInteger serial = new BigInteger(1, Arrays.copyOf(sha256(publicKey.getEncoded()), 16));
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial,
                    Date.from(CA_NOT_BEFORE), Date.from(CA_NOT_AFTER), subject, publicKey)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(publicKey));
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(builder.build(signer(scalar)));
            BigInteger leafScalar = scalar("parapet-block-page-leaf-v1:" + owner);
            KeyPair leafKeys = new KeyPair(publicKey(leafScalar), privateKey(leafScalar));
            return new Authority(scalar, certificate, leafKeys);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("Could not make the block-page CA of " + owner, e);
        }
    }

    private Leaf mint(Authority authority, String name) {
        Instant notBefore = Instant.now().minus(LEAF_BACKDATING);
        byte[] serial = new byte[16];
        RANDOM.nextBytes(serial);
        PublicKey publicKey = authority.leafKeys().getPublic();
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(authority.certificate(),
                    new BigInteger(1, serial), Date.from(notBefore), Date.from(notBefore.plus(LEAF_VALIDITY)),
                    new X500Principal("CN=" + name), publicKey)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.dNSName, name)))
                    .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(publicKey))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            extensions.createAuthorityKeyIdentifier(authority.certificate().getPublicKey()));
            X509Certificate certificate = new JcaX509CertificateConverter()
                    .getCertificate(builder.build(signer(authority.signingScalar())));
            return new Leaf(authority.leafKeys().getPrivate(), certificate, authority.certificate());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("Could not mint a block-page certificate", e);
        }
    }

    /** A private scalar in [1, n-1]: 384 derived bits reduced mod n-1, plus one (FIPS 186-4 B.4.1, no bias to speak of). */
    private BigInteger scalar(String info) {
        BigInteger n = P256.getN();
        return new BigInteger(1, secret.derive(info, 48)).mod(n.subtract(BigInteger.ONE)).add(BigInteger.ONE);
    }

    private PublicKey publicKey(BigInteger scalar) {
        org.bouncycastle.math.ec.ECPoint q = new FixedPointCombMultiplier().multiply(P256.getG(), scalar).normalize();
        try {
            return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(
                    new ECPoint(q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger()), p256));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private PrivateKey privateKey(BigInteger scalar) {
        try {
            return KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(scalar, p256));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** ECDSA with SHA-256 and k from RFC 6979, so that the same key signs the same bytes the same way. */
    private static ContentSigner signer(BigInteger scalar) {
        DSADigestSigner signer = new DSADigestSigner(new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest())), new SHA256Digest());
        signer.init(true, new ECPrivateKeyParameters(scalar, new org.bouncycastle.crypto.params.ECDomainParameters(P256)));
        OutputStream out = new SignerOutputStream(signer);
        return new ContentSigner() {
            @Override
            public AlgorithmIdentifier getAlgorithmIdentifier() {
                return ECDSA_WITH_SHA256;
            }

            @Override
            public OutputStream getOutputStream() {
                return out;
            }

            @Override
            public byte[] getSignature() {
                return signer.generateSignature();
            }
        };
    }

    private static X500Name name(String distinguishedName) {
        return X500Name.getInstance(new X500Principal(distinguishedName).getEncoded());
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
