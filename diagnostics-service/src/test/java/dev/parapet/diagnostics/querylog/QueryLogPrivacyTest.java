package dev.parapet.diagnostics.querylog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.parapet.diagnostics.Feed;
import dev.parapet.diagnostics.querylog.QueryLogFiles.Batch;
import dev.parapet.diagnostics.querylog.QueryLogSearch.Filter;
import dev.parapet.diagnostics.querylog.QueryLogWriter.Entry;
import dev.parapet.schemas.v1.verdicts.Action;

/**
 * Pseudonymous query logs on a real file system and DuckDB: an account that asks has pseudonyms in its rows and its
 * identities sealed in its vault, found again only through it; other accounts' rows are as they were.
 */
class QueryLogPrivacyTest {

    static final Instant NOON = Instant.parse("2026-12-03T12:00:00Z");
    static final byte[] KEY = new byte[32];

    @TempDir
    Path root;
    QueryLogFiles files;
    QueryLogPrivacy privacy;
    QueryLogWriter writer;
    QueryLogSearch search;
    final UUID account = UUID.randomUUID();
    final UUID other = UUID.randomUUID();

    @BeforeEach
    void open() {
        files = new QueryLogFiles(root);
        privacy = new QueryLogPrivacy(files, KEY);
        writer = new QueryLogWriter(files, privacy);
        search = new QueryLogSearch(files, "128MB", 1);
    }

    @AfterEach
    void close() {
        writer.close();
        search.close();
    }

    @Test
    void pseudonymsAreStablePerAccountAndDifferBetweenAccountsAndKeys() {
        String ann = privacy.pseudonym(account, "ann@example.com");
        assertThat(ann).matches("anon-[0-9a-f]{20}").isEqualTo(privacy.pseudonym(account, "ann@example.com"));
        assertThat(privacy.pseudonym(other, "ann@example.com")).isNotEqualTo(ann);
        assertThat(privacy.pseudonym(account, "bob@example.com")).isNotEqualTo(ann);
        byte[] anotherKey = new byte[32];
        anotherKey[0] = 1;
        assertThat(new QueryLogPrivacy(files, anotherKey).pseudonym(account, "ann@example.com")).isNotEqualTo(ann);
        assertThatThrownBy(() -> new QueryLogPrivacy(files, new byte[16])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSealedIdentityOpensOnlyForItsAccountAndPseudonym() throws Exception {
        String ann = privacy.pseudonym(account, "ann@example.com");
        String sealed = privacy.seal(account, ann, "ann@example.com");
        assertThat(sealed).doesNotContain("ann");
        assertThat(privacy.unseal(account, ann, sealed)).isEqualTo("ann@example.com");
        assertThatThrownBy(() -> privacy.unseal(other, ann, sealed)).isInstanceOf(java.security.GeneralSecurityException.class);
        assertThatThrownBy(() -> privacy.unseal(account, privacy.pseudonym(account, "bob@example.com"), sealed))
                .isInstanceOf(java.security.GeneralSecurityException.class);
    }

    @Test
    void anAccountThatAsksGetsPseudonymsInItsRowsAndItsIdentitiesSealedInItsVault() throws Exception {
        privacy.set(account, true);
        UUID laptop = UUID.randomUUID();
        writer.write(new Batch(0, 1, 3), List.of(
                new Entry(0, 1, Feed.verdict(account, NOON, Action.BLOCKED, "login.phish.example", List.of("phishing"), null, laptop, "ann@example.com")),
                new Entry(0, 2, Feed.verdict(account, NOON.plusSeconds(1), Action.ALLOWED, "www.example.com", List.of(), null, laptop, "ann@example.com")),
                new Entry(0, 3, Feed.verdict(other, NOON.plusSeconds(2), Action.BLOCKED, "login.phish.example", List.of(), null, laptop, "ann@example.com"))));

        Filter day = new Filter(NOON.minus(Duration.ofHours(1)), NOON.plus(Duration.ofHours(1)), null, null, null, null, null, null, null, null);
        List<QueryLogSearch.Row> rows = search.search(account, day, 0, 50).rows();
        String ann = privacy.pseudonym(account, "ann@example.com");
        String address = privacy.pseudonym(account, "192.0.2.7");
        assertThat(rows).hasSize(2).allMatch(row -> row.userEmail().equals(ann) && row.clientAddress().equals(address));
        assertThat(search.search(other, day, 0, 50).rows()).as("an account that did not ask").singleElement()
                .matches(row -> row.userEmail().equals("ann@example.com") && row.clientAddress().equals("192.0.2.7"));
        Filter byAnn = new Filter(day.from(), day.to(), ann, null, null, null, null, null, null, null);
        assertThat(search.search(account, byAnn, 0, 50).total()).isEqualTo(2);

        try (java.sql.Connection duck = java.sql.DriverManager.getConnection("jdbc:duckdb:");
             java.sql.Statement statement = duck.createStatement()) {
            java.sql.ResultSet found = statement.executeQuery("SELECT count(*) FILTER (WHERE user_email = 'ann@example.com' OR client_address = '192.0.2.7'), "
                    + "count(*) FROM read_parquet('" + files.account(account) + "/**/*.parquet')");
            found.next();
            assertThat(found.getLong(2)).isEqualTo(2);
            assertThat(found.getLong(1)).as("no identity in the account's rows").isZero();
            java.sql.ResultSet vault = statement.executeQuery("SELECT count(*) FILTER (WHERE sealed LIKE '%ann%' OR sealed LIKE '%192.0.2%'), count(*) "
                    + "FROM read_parquet('" + files.identities(account) + "/*.parquet')");
            vault.next();
            assertThat(vault.getLong(2)).as("ann and the address, sealed").isEqualTo(2);
            assertThat(vault.getLong(1)).isZero();
        }
        assertThat(privacy.identify(account, ann)).hasValue("ann@example.com");
        assertThat(privacy.identify(account, address)).hasValue("192.0.2.7");
        assertThat(privacy.identify(other, ann)).as("another account's vault").isEmpty();
        assertThat(privacy.identify(account, privacy.pseudonym(account, "nobody@example.com"))).isEmpty();

        // The next batch's known identities are not sealed again; a new one is.
        writer.write(new Batch(0, 4, 5), List.of(
                new Entry(0, 4, Feed.verdict(account, NOON.plusSeconds(3), Action.ALLOWED, "a.example", List.of(), null, laptop, "ann@example.com")),
                new Entry(0, 5, Feed.verdict(account, NOON.plusSeconds(4), Action.ALLOWED, "b.example", List.of(), null, laptop, "bob@example.com"))));
        assertThat(Files.list(files.identities(account)).filter(f -> f.toString().endsWith(".parquet")).count()).isEqualTo(2);
        assertThat(privacy.identify(account, privacy.pseudonym(account, "bob@example.com"))).hasValue("bob@example.com");

        QueryLogRetention retention = new QueryLogRetention(files, new RetentionSettings(files, new Retention(30, 365)));
        try {
            retention.deleteAccount(account, Duration.ofSeconds(5));
        } finally {
            retention.close();
        }
        assertThat(files.identities(account)).as("deleted with the account's log").doesNotExist();
        assertThat(privacy.identify(account, ann)).isEmpty();

        // Logged again after the deletion, as usual: the same writer seals Ann's identity anew.
        writer.write(new Batch(0, 6, 6), List.of(
                new Entry(0, 6, Feed.verdict(account, NOON.plusSeconds(5), Action.ALLOWED, "c.example", List.of(), null, laptop, "ann@example.com"))));
        assertThat(privacy.identify(account, ann)).hasValue("ann@example.com");
    }

    @Test
    void withoutAConfiguredKeyOneIsMadeOnceInTheRootForEveryInstance() throws Exception {
        QueryLogPrivacy first = QueryLogPrivacy.open(files, null);
        QueryLogPrivacy second = QueryLogPrivacy.open(files, " ");
        assertThat(second.pseudonym(account, "ann@example.com")).isEqualTo(first.pseudonym(account, "ann@example.com"));
        Path key = root.resolve("_keys").resolve("pseudonyms.key");
        assertThat(Files.getPosixFilePermissions(key)).containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        String configured = Base64.getEncoder().encodeToString(new byte[32]);
        assertThat(QueryLogPrivacy.open(files, configured).pseudonym(account, "x")).isEqualTo(privacy.pseudonym(account, "x"));
        assertThatThrownBy(() -> QueryLogPrivacy.open(files, "not base64!")).isInstanceOf(IllegalArgumentException.class);
    }
}
