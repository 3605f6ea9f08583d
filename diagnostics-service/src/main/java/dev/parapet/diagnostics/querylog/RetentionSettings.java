package dev.parapet.diagnostics.querylog;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Each account's own retention, if its administrators set one, as a small object in the log's root
 * ({@code _retention/account=<uuid>.json}, replaced whole) so that every instance sharing the root
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
        String key = QueryLogFiles.retentionKey(account);
        Optional<byte[]> content = files.store().read(key);
        if (content.isEmpty()) {
            return Optional.empty();
        }
        try {
            Stored stored = JSON.readValue(new String(content.get(), StandardCharsets.UTF_8), Stored.class);
            if (!Retention.violations(stored.allowedDays(), stored.securityDays()).isEmpty()) {
                throw new IllegalStateException("The query log's retention file " + key + " is damaged: "
                        + Retention.violations(stored.allowedDays(), stored.securityDays()));
            }
            return Optional.of(new Retention(stored.allowedDays(), stored.securityDays()));
        } catch (JacksonException e) {
            throw new IllegalStateException("The query log's retention file " + key + " is damaged", e);
        }
    }

    /** The retention that applies to the account: its own, or the defaults. */
    public Retention of(UUID account) {
        return own(account).orElse(defaults);
    }

    public void set(UUID account, Retention retention) {
        Stored stored = new Stored(retention.allowedDays(), retention.securityDays());
        files.store().write(QueryLogFiles.retentionKey(account), JSON.writeValueAsString(stored).getBytes(StandardCharsets.UTF_8));
    }

    /** Forgets the account's own retention (the defaults apply again); whether there was one. */
    public boolean remove(UUID account) {
        String key = QueryLogFiles.retentionKey(account);
        boolean there = files.store().read(key).isPresent();
        files.store().delete(key);
        return there;
    }
}
