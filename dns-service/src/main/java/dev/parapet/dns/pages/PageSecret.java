package dev.parapet.dns.pages;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * The one secret behind the block pages. Every key they use is derived from it with HKDF-SHA256 and a
 * distinct info string per use (each account's CA key, the leaf key, the "Continue" token key), so
 * that every instance configured with the same secret presents the same CAs and accepts each
 * other's tokens with nothing stored. Its bytes never leave this class and it never prints them.
 */
final class PageSecret {

    static final int MIN_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] secret;

    private PageSecret(byte[] secret) {
        this.secret = secret;
    }

    /** The configured secret; refused (without echoing it) unless it is base64 of at least 32 bytes. */
    static PageSecret fromBase64(String base64) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("parapet.dns.pages.ca-secret is not valid base64");
        }
        if (raw.length < MIN_BYTES) {
            throw new IllegalArgumentException("parapet.dns.pages.ca-secret must hold at least " + MIN_BYTES
                    + " bytes, holds " + raw.length);
        }
        return new PageSecret(raw);
    }

    static PageSecret random() {
        byte[] raw = new byte[MIN_BYTES];
        RANDOM.nextBytes(raw);
        return new PageSecret(raw);
    }

    /** {@code length} bytes of key material for one use, named by {@code info}. */
    byte[] derive(String info, int length) {
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(secret, null, info.getBytes(StandardCharsets.UTF_8)));
        byte[] out = new byte[length];
        hkdf.generateBytes(out, 0, length);
        return out;
    }

    @Override
    public String toString() {
        return "PageSecret[(hidden)]";
    }
}
