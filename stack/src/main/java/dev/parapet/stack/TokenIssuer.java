package dev.parapet.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.UUID;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

/**
 * The local stand-in for an identity provider: mints RS256 administrator tokens (issuer
 * {@value #ISSUER}, audience {@value #AUDIENCE}, always with an expiry) whose public key the services
 * trust. Production trusts an external issuer through its JWKS URL instead.
 */
public final class TokenIssuer {

    public static final String ISSUER = "parapet-local";

    /** The audience ({@code aud}) of the tokens: the services accept no other. */
    public static final String AUDIENCE = "parapet-api";

    private final RSAPrivateKey privateKey;
    private final Path publicKeyFile;

    private TokenIssuer(RSAPrivateKey privateKey, Path publicKeyFile) {
        this.privateKey = privateKey;
        this.publicKeyFile = publicKeyFile;
    }

    /** Loads the key pair kept in the directory, or makes one (the private key readable by its owner only). */
    public static TokenIssuer inDirectory(Path directory) {
        Path privateFile = directory.resolve("issuer-private.pem");
        Path publicFile = directory.resolve("issuer-public.pem");
        try {
            Files.createDirectories(directory);
            if (!Files.exists(privateFile) || !Files.exists(publicFile)) {
                KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
                generator.initialize(2048);
                KeyPair pair = generator.generateKeyPair();
                Files.writeString(privateFile, pem("PRIVATE KEY", pair.getPrivate().getEncoded()), StandardCharsets.US_ASCII);
                try {
                    Files.setPosixFilePermissions(privateFile, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException ignored) {
                    // Not a POSIX file system: nothing more to restrict.
                }
                Files.writeString(publicFile, pem("PUBLIC KEY", pair.getPublic().getEncoded()), StandardCharsets.US_ASCII);
            }
            KeyFactory rsa = KeyFactory.getInstance("RSA");
            RSAPrivateKey key = (RSAPrivateKey) rsa.generatePrivate(new PKCS8EncodedKeySpec(unpem(Files.readString(privateFile))));
            rsa.generatePublic(new X509EncodedKeySpec(unpem(Files.readString(publicFile))));
            return new TokenIssuer(key, publicFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException | InvalidKeySpecException e) {
            throw new IllegalStateException("Unreadable token issuer keys in " + directory, e);
        }
    }

    /** The PEM file that services read as {@code spring.security.oauth2.resourceserver.jwt.public-key-location}. */
    public Path publicKeyFile() {
        return publicKeyFile;
    }

    /** A token for an administrator of a built-in role (SUPER_ADMIN, FULL_ADMIN, PARTNER_ADMIN, BASIC_ADMIN). */
    public String adminToken(String subject, UUID accountId, String role, Duration lifetime) {
        return token(subject, accountId, role, List.of(), lifetime);
    }

    /** A token for an administrator of a custom role made of the given permissions. */
    public String customRoleToken(String subject, UUID accountId, List<String> permissions, Duration lifetime) {
        return token(subject, accountId, "CUSTOM", permissions, lifetime);
    }

    public String token(String subject, UUID accountId, String role, List<String> permissions, Duration lifetime) {
        return sign(claims(subject, accountId, role, permissions, lifetime).build());
    }

    /**
     * The claims of a token as {@link #token} makes them (issuer, audience, expiry, a fresh id), for a
     * test to change one of them before {@link #sign signing}.
     */
    public JWTClaimsSet.Builder claims(String subject, UUID accountId, String role, List<String> permissions, Duration lifetime) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .audience(AUDIENCE)
                .subject(subject)
                .claim("account", accountId.toString())
                .claim("role", role)
                .claim("permissions", permissions)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(lifetime)))
                .jwtID(UUID.randomUUID().toString());
    }

    /** The audience of signed-in users' tokens, which dns-service checks on DoH. */
    public static final String USER_AUDIENCE = "parapet-dns";

    /** A signed-in user's token as an identity provider issues it to an agent: address, account, directory groups. */
    public String userToken(String email, UUID accountId, List<String> directoryGroups, Duration lifetime) {
        Instant now = Instant.now();
        return sign(new JWTClaimsSet.Builder().issuer(ISSUER).audience(USER_AUDIENCE).subject(UUID.randomUUID().toString())
                .claim("email", email).claim("account", accountId.toString()).claim("groups", directoryGroups)
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plus(lifetime))).jwtID(UUID.randomUUID().toString()).build());
    }

    /** The claims signed with RS256 by this issuer's key. */
    public String sign(JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), claims);
            jwt.sign(new RSASSASigner(privateKey));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException("Could not sign a token", e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static byte[] unpem(String pem) {
        String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return Base64.getDecoder().decode(base64);
    }
}
