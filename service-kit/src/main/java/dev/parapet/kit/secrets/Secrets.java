package dev.parapet.kit.secrets;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import dev.parapet.schemas.v1.common.EncryptedSecret;
import dev.parapet.schemas.v1.common.Verifier;

/**
 * Secrets at rest and their verifiers (invariant 5), for every service that keeps one. Encryption is AES-256-GCM under one of several
 * configured keys, named in every ciphertext, so that keys rotate: new secrets are sealed with the
 * current key, old ones still open with theirs. Verifiers of the 160- and 256-bit random secrets
 * handled here are SHA-256 digests: with that much entropy a slow hash adds nothing, and services
 * check agent credentials on every request.
 */
public final class Secrets {

    public static final String VERIFIER_ALGORITHM = "SHA-256";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, SecretKeySpec> keys;
    private final String currentKeyId;

    /** @param base64Keys key id to base64 of a 32-byte key */
    public Secrets(Map<String, String> base64Keys, String currentKeyId) {
        Map<String, SecretKeySpec> parsed = new TreeMap<>();
        base64Keys.forEach((id, base64) -> {
            byte[] raw = Base64.getDecoder().decode(base64.trim());
            if (raw.length != 32) {
                throw new IllegalArgumentException("Encryption key '" + id + "' must be 32 bytes (base64), is " + raw.length);
            }
            parsed.put(id, new SecretKeySpec(raw, "AES"));
        });
        if (!parsed.containsKey(currentKeyId)) {
            throw new IllegalArgumentException("The current encryption key '" + currentKeyId + "' is not configured");
        }
        this.keys = Map.copyOf(parsed);
        this.currentKeyId = currentKeyId;
    }

    /**
     * The service's secrets from its configuration ({@code <prefix>.encryption-keys.<id>} and
     * {@code <prefix>.current-encryption-key}), or a start-up failure that says what to set.
     */
    public static Secrets configured(Map<String, String> base64Keys, String currentKeyId, String prefix) {
        if (base64Keys == null || base64Keys.isEmpty() || currentKeyId == null) {
            throw new IllegalStateException("At least one encryption key is needed: set " + prefix
                    + ".encryption-keys.<id>=<base64 of 32 random bytes> and " + prefix + ".current-encryption-key=<id>");
        }
        return new Secrets(base64Keys, currentKeyId);
    }

    public EncryptedSecret encrypt(String secret, String associatedData) {
        byte[] nonce = new byte[12];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, keys.get(currentKeyId), new GCMParameterSpec(128, nonce));
            cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
            byte[] ciphertext = cipher.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            return new EncryptedSecret(currentKeyId, ByteBuffer.wrap(nonce), ByteBuffer.wrap(ciphertext));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    /** Decrypts; the associated data (e.g. the account id) must be the one it was sealed with. */
    public String decrypt(EncryptedSecret sealed, String associatedData) {
        SecretKeySpec key = keys.get(sealed.getKeyId());
        if (key == null) {
            throw new IllegalStateException("Encryption key '" + sealed.getKeyId() + "' is no longer configured");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, bytes(sealed.getNonce())));
            cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
            return new String(cipher.doFinal(bytes(sealed.getCiphertext())), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM decryption failed (wrong key or tampered ciphertext)", e);
        }
    }

    public static Verifier verifier(String secret) {
        return new Verifier(VERIFIER_ALGORITHM, ByteBuffer.allocate(0), 0, ByteBuffer.wrap(sha256(secret)));
    }

    /** Constant-time check of a presented secret against a verifier. */
    public static boolean matches(String presented, Verifier verifier) {
        return VERIFIER_ALGORITHM.equals(verifier.getAlgorithm())
                && MessageDigest.isEqual(sha256(presented), bytes(verifier.getHash()));
    }

    /** PBKDF2 iterations for passwords people read and type (OWASP 2023 figure for HMAC-SHA256). */
    public static final int PASSWORD_ITERATIONS = 210_000;
    public static final String PASSWORD_ALGORITHM = "PBKDF2WithHmacSHA256";

    /** A salted, slow verifier of a password that people read and type (tamper protection). */
    public static Verifier passwordVerifier(String password) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return new Verifier(PASSWORD_ALGORITHM, ByteBuffer.wrap(salt), PASSWORD_ITERATIONS,
                ByteBuffer.wrap(pbkdf2(password, salt, PASSWORD_ITERATIONS)));
    }

    /** Constant-time check of a typed password against a PBKDF2 verifier. */
    public static boolean passwordMatches(String password, Verifier verifier) {
        return PASSWORD_ALGORITHM.equals(verifier.getAlgorithm()) && MessageDigest.isEqual(
                pbkdf2(password, bytes(verifier.getSalt()), verifier.getIterations()), bytes(verifier.getHash()));
    }

    private static byte[] pbkdf2(String password, byte[] salt, int iterations) {
        try {
            javax.crypto.SecretKeyFactory factory = javax.crypto.SecretKeyFactory.getInstance(PASSWORD_ALGORITHM);
            return factory.generateSecret(new javax.crypto.spec.PBEKeySpec(password.toCharArray(), salt, iterations, 256)).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String fingerprint(Verifier verifier) {
        return java.util.HexFormat.of().formatHex(bytes(verifier.getHash()));
    }

    public static String fingerprintOf(String secret) {
        return java.util.HexFormat.of().formatHex(sha256(secret));
    }

    public static String randomToken(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    private static byte[] sha256(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }
}
