package dev.parapet.diagnostics.query;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import dev.parapet.kit.security.Admin;
import dev.parapet.kit.security.Permission;
import dev.parapet.kit.security.Role;

/**
 * What one diagnostics instance tells another when it passes on an administrator's query, in place of
 * the administrator's token (which never leaves the instance it was sent to): who the administrator is
 * (as the token said, already checked there), the one request it is for (method, path and query) and
 * a deadline a few seconds away, signed with HMAC-SHA256 under the key the instances share
 * ({@code parapet.diagnostics.relay-key}). Someone who reads it on the wire can replay only that
 * request, and only until the deadline; nobody without the key can make one.
 *
 * <p>The form is {@code base64url(fields) "." base64url(mac)}, the fields joined by newlines:
 * subject (base64url), account, role, permissions, managed accounts, method, path (base64url), deadline
 * in epoch milliseconds. Pure: no Spring, no clock of its own.
 */
public final class RelayAssertion {

    /** The header a relayed request carries it in. */
    public static final String HEADER = "X-Parapet-Relay";

    static final Duration LIFETIME = Duration.ofSeconds(30);
    private static final Base64.Encoder ENCODE = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODE = Base64.getUrlDecoder();
    private static final int MAX_LENGTH = 8192;

    private final SecretKeySpec key;

    public RelayAssertion(byte[] key) {
        if (key.length < 32) {
            throw new IllegalArgumentException("The relay key must be at least 32 bytes (base64 of 32 random bytes); it is " + key.length + ".");
        }
        this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
    }

    /**
     * The key from {@code parapet.diagnostics.relay-key} (base64), or a random one when none is set:
     * then this instance neither makes nor takes assertions another instance could check, which is right
     * for one instance alone and refused, loudly, when several are run without a shared key.
     */
    public static RelayAssertion fromSetting(String base64) {
        if (base64 == null || base64.isBlank()) {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            return new RelayAssertion(random);
        }
        try {
            return new RelayAssertion(Base64.getDecoder().decode(base64.strip()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("parapet.diagnostics.relay-key is not valid base64 of at least 32 bytes: " + e.getMessage());
        }
    }

    /** The assertion for this administrator's one request, valid until {@code now} plus 30 seconds. */
    public String sign(Admin admin, String method, String pathAndQuery, Instant now) {
        String fields = String.join("\n",
                ENCODE.encodeToString(admin.subject().getBytes(StandardCharsets.UTF_8)),
                admin.accountId().toString(),
                admin.role().name(),
                admin.permissions().stream().map(Permission::claimValue).sorted().collect(Collectors.joining(",")),
                admin.managedAccounts().stream().map(UUID::toString).sorted().collect(Collectors.joining(",")),
                method,
                ENCODE.encodeToString(pathAndQuery.getBytes(StandardCharsets.UTF_8)),
                Long.toString(now.plus(LIFETIME).toEpochMilli()));
        byte[] body = fields.getBytes(StandardCharsets.UTF_8);
        return ENCODE.encodeToString(body) + "." + ENCODE.encodeToString(mac(body));
    }

    /**
     * The administrator an assertion names, if it was made with this key, for exactly this request, and
     * its deadline has not passed; else empty (never an exception: the value comes from the network).
     */
    public Optional<Admin> verify(String assertion, String method, String pathAndQuery, Instant now) {
        if (assertion == null || assertion.length() > MAX_LENGTH) {
            return Optional.empty();
        }
        int dot = assertion.indexOf('.');
        if (dot < 0) {
            return Optional.empty();
        }
        try {
            byte[] body = DECODE.decode(assertion.substring(0, dot));
            byte[] mac = DECODE.decode(assertion.substring(dot + 1));
            if (!MessageDigest.isEqual(mac, mac(body))) {
                return Optional.empty();
            }
            List<String> fields = Arrays.asList(new String(body, StandardCharsets.UTF_8).split("\n", -1));
            if (fields.size() != 8 || !fields.get(5).equals(method)
                    || !new String(DECODE.decode(fields.get(6)), StandardCharsets.UTF_8).equals(pathAndQuery)
                    || now.toEpochMilli() > Long.parseLong(fields.get(7))) {
                return Optional.empty();
            }
            Optional<Role> role = Role.fromClaim(fields.get(2));
            if (role.isEmpty()) {
                return Optional.empty();
            }
            Set<Permission> permissions = new LinkedHashSet<>();
            for (String claim : split(fields.get(3))) {
                permissions.add(Permission.fromClaim(claim).orElseThrow(IllegalArgumentException::new));
            }
            Set<UUID> managed = new LinkedHashSet<>();
            split(fields.get(4)).forEach(id -> managed.add(UUID.fromString(id)));
            return Optional.of(new Admin(new String(DECODE.decode(fields.get(0)), StandardCharsets.UTF_8),
                    UUID.fromString(fields.get(1)), role.get(), permissions, managed));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static List<String> split(String list) {
        return list.isEmpty() ? List.of() : Arrays.asList(list.split(","));
    }

    private byte[] mac(byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }
}
