package dev.parapet.diagnostics.querylog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Each account's own retention, if its administrators set one, as a small file in the log's root
 * ({@code _retention/account=<uuid>.json}, replaced by rename) so that every instance sharing the directory
 * reads the same; the configured defaults otherwise.
 */
public final class RetentionSettings {

    private static final JsonMapper JSON = new JsonMapper();

    /** The file's content. */
    private record Stored(Integer allowedDays, Integer securityDays) {
    }

    private final QueryLogFiles files;
    private final Retention defaults;

    public RetentionSettings(QueryLogFiles files, Retention defaults) {
        this.files = files;
        this.defaults = defaults;
    }

    public Retention defaults() {
        return defaults;
    }

    /** The account's own retention, if it set one. */
    public Optional<Retention> own(UUID account) {
        Path file = files.retention(account);
        try {
            Stored stored = JSON.readValue(Files.readString(file, StandardCharsets.UTF_8), Stored.class);
            if (!Retention.violations(stored.allowedDays(), stored.securityDays()).isEmpty()) {
                throw new IllegalStateException("The query log's retention file " + file + " is damaged: "
                        + Retention.violations(stored.allowedDays(), stored.securityDays()));
            }
            return Optional.of(new Retention(stored.allowedDays(), stored.securityDays()));
        } catch (NoSuchFileException none) {
            return Optional.empty();
        } catch (JacksonException e) {
            throw new IllegalStateException("The query log's retention file " + file + " is damaged", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The retention that applies to the account: its own, or the defaults. */
    public Retention of(UUID account) {
        return own(account).orElse(defaults);
    }

    public void set(UUID account, Retention retention) {
        Stored stored = new Stored(retention.allowedDays(), retention.securityDays());
        QueryLogFiles.replace(files.retention(account), JSON.writeValueAsString(stored));
    }

    /** Forgets the account's own retention (the defaults apply again); whether there was one. */
    public boolean remove(UUID account) {
        try {
            return Files.deleteIfExists(files.retention(account));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
