package dev.parapet.dns.pages;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.springframework.stereotype.Component;

/**
 * The hidden field of a warning page's "Continue" form. It names the account and the name and when
 * it expires, under an HMAC-SHA256 that also covers the client's address, keyed from the page secret.
 * So nobody can make one for another client, another name or another account, nor alter one, and
 * any instance with the same secret accepts it. The client's address is not in the token: the
 * server checks the token against the address the form arrives from.
 */
@Component
public class ContinueTokens {

    /** How long a warning page's form stays usable. */
    static final Duration LIFETIME = Duration.ofMinutes(15);
    static final int MAX_LENGTH = 600;

    /** What a valid token lets its client do. */
    public record Grant(UUID accountId, String name) {
    }

    /** A grant, or why the token was refused (for the user: says nothing the user does not know). */
    public record Verification(Optional<Grant> grant, String refusal) {
        static Verification refused(String why) {
            return new Verification(Optional.empty(), why);
        }
    }

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final SecretKeySpec key;

    ContinueTokens(PageSecret secret) {
        this.key = new SecretKeySpec(secret.derive("parapet-block-page-continue-v1", 32), "HmacSHA256");
    }

    /** What a token is for: one form's token never serves another (an access request's cannot continue past a block). */
    public enum Purpose {
        CONTINUE("v1"), ACCESS_REQUEST("access-request-v1");

        private final String label;

        Purpose(String label) {
            this.label = label;
        }
    }

    /** A token letting {@code client} of {@code accountId} continue to {@code name}, valid for {@link #LIFETIME}. */
    public String issue(UUID accountId, String client, String name, Instant now) {
        return issue(Purpose.CONTINUE, accountId, client, name, now);
    }

    /** A token for {@code purpose}, valid for {@link #LIFETIME}. */
    public String issue(Purpose purpose, UUID accountId, String client, String name, Instant now) {
        String payload = accountId + "|" + name + "|" + now.plus(LIFETIME).getEpochSecond();
        return ENCODER.encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "."
                + ENCODER.encodeToString(mac(purpose, payload, client));
    }

    /** The grant of a Continue token presented by {@code client}, or why it does not count. */
    public Verification verify(String token, String client, Instant now) {
        return verify(Purpose.CONTINUE, token, client, now);
    }

    /** The grant of a token for {@code purpose} presented by {@code client}, or why it does not count. */
    public Verification verify(Purpose purpose, String token, String client, Instant now) {
        int dot = token == null || token.length() > MAX_LENGTH ? -1 : token.indexOf('.');
        if (dot < 0) {
            return Verification.refused("The form carried no valid token.");
        }
        String payload;
        byte[] presented;
        try {
            payload = new String(DECODER.decode(token.substring(0, dot)), StandardCharsets.UTF_8);
            presented = DECODER.decode(token.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            return Verification.refused("The form carried no valid token.");
        }
        if (!MessageDigest.isEqual(presented, mac(purpose, payload, client))) {
            return Verification.refused("This page was not issued to this device for this name, or was altered.");
        }
        String[] fields = payload.split("\\|", -1);
        Grant grant = new Grant(UUID.fromString(fields[0]), fields[1]);
        if (Instant.ofEpochSecond(Long.parseLong(fields[2])).isBefore(now)) {
            return Verification.refused("This page has expired.");
        }
        return new Verification(Optional.of(grant), null);
    }

    private byte[] mac(Purpose purpose, String payload, String client) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal((purpose.label + "|" + client + "|" + payload).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
