package dev.parapet.diagnostics.querylog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Pseudonymous query logs, for the accounts that ask for them: their users' email addresses and their clients'
 * addresses are written to the log as pseudonyms ({@code anon-} and 20 hex digits, the same for the same person in
 * the same account, so searches and counts by user still work, and different in every account), and each
 * pseudonym's identity is kept sealed (AES-GCM) beside the log, under {@code identities/account=<uuid>/}, where
 * only this service can open it, through the audited break-glass step ({@link QueryLogPrivacyController}).
 *
 * <p>Both keys of an account are derived from one secret (HMAC-SHA256 over a label and the account), the same on
 * every instance: {@code parapet.diagnostics.query-log.pseudonym-key} (base64 of 32 random bytes or more, made by
 * {@code deploy/make-secrets}). Unset (the local stack), a key is made once and kept in the log's root
 * ({@code _keys/pseudonyms.key}, readable by its owner only); whoever can read the root can then re-identify,
 * which is why production sets it apart. Whether an account asks is a small file in the root
 * ({@code _privacy/account=<uuid>.json}), read at most every {@link #CACHE_MILLIS} per account by the writers.
 */
public final class QueryLogPrivacy {

    private static final Logger LOG = LoggerFactory.getLogger(QueryLogPrivacy.class);
    public static final String PREFIX = "anon-";
    static final long CACHE_MILLIS = 5_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    private record Cached(boolean pseudonymise, long readAt) {
    }

    /** The account's file. */
    private record Stored(Boolean pseudonymiseUsers) {
    }

    private static final JsonMapper JSON = new JsonMapper();

    private final QueryLogFiles files;
    private final byte[] secret;
    private final Map<UUID, Cached> cache = new ConcurrentHashMap<>();

    QueryLogPrivacy(QueryLogFiles files, byte[] secret) {
        if (secret.length < 32) {
            throw new IllegalArgumentException("parapet.diagnostics.query-log.pseudonym-key must be at least 32 bytes (base64)");
        }
        this.files = files;
        this.secret = secret.clone();
    }

    /**
     * With the configured key, or, on a directory root, the root's own (made once) when none is configured. An object
     * store needs the key configured: made there, it would lie beside the log it protects, with no file mode to guard it.
     */
    public static QueryLogPrivacy open(QueryLogFiles files, String configuredKey) {
        if (configuredKey != null && !configuredKey.isBlank()) {
            try {
                return new QueryLogPrivacy(files, Base64.getDecoder().decode(configuredKey.strip()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("parapet.diagnostics.query-log.pseudonym-key must be base64 of at least 32 bytes", e);
            }
        }
        if (!files.isDirectory()) {
            throw new IllegalArgumentException("parapet.diagnostics.query-log.pseudonym-key must be set when the query log is in an object store ("
                    + files.store().describe() + "): the key is not kept beside the log it protects");
        }
        Path file = files.root().resolve("_keys").resolve("pseudonyms.key");
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(file.getParent());
                byte[] key = new byte[32];
                RANDOM.nextBytes(key);
                Path temporary = file.resolveSibling("pseudonyms.key." + UUID.randomUUID() + ".tmp");
                Files.writeString(temporary, Base64.getEncoder().encodeToString(key), StandardCharsets.US_ASCII);
                Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
                try {
                    // A link, not a rename: it fails if another instance's key is there already (a rename would replace it).
                    Files.createLink(file, temporary);
                    LOG.warn("No parapet.diagnostics.query-log.pseudonym-key is set: made one in {}; set one apart from the log in "
                            + "production", file);
                } catch (java.nio.file.FileAlreadyExistsException lost) {
                    // the other instance's key is the one
                } finally {
                    Files.deleteIfExists(temporary);
                }
            }
            return new QueryLogPrivacy(files, Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).strip()));
        } catch (IOException e) {
            throw new UncheckedIOException("The query log's pseudonym key could not be read or made in " + file, e);
        }
    }

    /** Whether the account asks for pseudonyms (as its file said at most {@link #CACHE_MILLIS} ago). */
    public boolean pseudonymises(UUID account) {
        long now = System.currentTimeMillis();
        Cached cached = cache.get(account);
        if (cached == null || now - cached.readAt() > CACHE_MILLIS) {
            cached = new Cached(read(account), now);
            cache.put(account, cached);
        }
        return cached.pseudonymise();
    }

    public void set(UUID account, boolean pseudonymise) {
        files.store().write(QueryLogFiles.privacyKey(account), JSON.writeValueAsString(new Stored(pseudonymise)).getBytes(StandardCharsets.UTF_8));
        cache.put(account, new Cached(pseudonymise, System.currentTimeMillis()));
    }

    private boolean read(UUID account) {
        String key = QueryLogFiles.privacyKey(account);
        Optional<byte[]> content = files.store().read(key);
        if (content.isEmpty()) {
            return false;
        }
        try {
            return Boolean.TRUE.equals(JSON.readValue(new String(content.get(), StandardCharsets.UTF_8), Stored.class).pseudonymiseUsers());
        } catch (JacksonException e) {
            throw new IllegalStateException("The query log's privacy file " + key + " in " + files.store().describe() + " is damaged", e);
        }
    }

    /** The account's pseudonym for an identity (an email address, a client address). */
    public String pseudonym(UUID account, String identity) {
        byte[] digest = hmac(derive("pseudonym", account), identity.getBytes(StandardCharsets.UTF_8));
        return PREFIX + HexFormat.of().formatHex(digest, 0, 10);
    }

    /** The identity sealed for the vault: a random nonce and AES-GCM, bound to the pseudonym. */
    public String seal(UUID account, String pseudonym, String identity) {
        try {
            byte[] nonce = new byte[12];
            RANDOM.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(derive("seal", account), "AES"), new GCMParameterSpec(128, nonce));
            cipher.updateAAD(pseudonym.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(identity.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[nonce.length + sealed.length];
            System.arraycopy(nonce, 0, out, 0, nonce.length);
            System.arraycopy(sealed, 0, out, nonce.length, sealed.length);
            return Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }

    /** The identity behind a sealed value; fails if it was not sealed for this account and pseudonym. */
    String unseal(UUID account, String pseudonym, String sealed) throws GeneralSecurityException {
        byte[] bytes = Base64.getDecoder().decode(sealed);
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(derive("seal", account), "AES"), new GCMParameterSpec(128, bytes, 0, 12));
        cipher.updateAAD(pseudonym.getBytes(StandardCharsets.UTF_8));
        return new String(cipher.doFinal(bytes, 12, bytes.length - 12), StandardCharsets.UTF_8);
    }

    /** The identity behind one of the account's pseudonyms, from its vault; empty if the vault has none. */
    public Optional<String> identify(UUID account, String pseudonym) {
        for (int attempt = 1; ; attempt++) {
            List<ObjectStore.Listed> vault = files.store().list(QueryLogFiles.identitiesKey(account), null).stream()
                    .filter(object -> object.key().endsWith(".parquet")).toList();
            if (vault.isEmpty()) {
                return Optional.empty();
            }
            try {
                List<String> paths = new ArrayList<>();
                for (ObjectStore.Listed object : vault) {
                    paths.add(QueryLogWriter.literal(files.store().local(object).toString()));
                }
                return identify(account, pseudonym, paths);
            } catch (ObjectStore.Vanished | SQLException e) {
                // The vault was deleted (on request) while it was read: listed again, it is empty.
                if (attempt == QueryLogSearch.LIST_ATTEMPTS) {
                    throw new IllegalStateException("The query log's identities could not be read", e);
                }
            }
        }
    }

    private Optional<String> identify(UUID account, String pseudonym, List<String> paths) throws SQLException {
        // The paths are the store's own (the root, "identities", a UUID, a batch's numbers): no text from outside; the pseudonym
        // is a parameter.
        String sql = "SELECT sealed FROM read_parquet([" + String.join(", ", paths) + "]) WHERE pseudonym = ? LIMIT 1";
        // One lookup in one account's vault: bounded like the writer, whatever the vault's size.
        try (Connection duck = QueryLogWriter.bounded("128MB", 1); PreparedStatement statement = duck.prepareStatement(sql)) {
            statement.setString(1, pseudonym);
            try (ResultSet row = statement.executeQuery()) {
                if (!row.next()) {
                    return Optional.empty();
                }
                return Optional.of(unseal(account, pseudonym, row.getString(1)));
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("A sealed identity of account " + account + " does not open with this service's key", e);
        }
    }

    private byte[] derive(String label, UUID account) {
        return hmac(secret, (label + "/" + account).getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }
}
