package dev.parapet.diagnostics.querylog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.parapet.diagnostics.Feed;
import dev.parapet.diagnostics.querylog.QueryLogFiles.Batch;
import dev.parapet.diagnostics.querylog.QueryLogSearch.Filter;
import dev.parapet.diagnostics.querylog.QueryLogWriter.Entry;
import dev.parapet.schemas.v1.verdicts.Action;

/**
 * The query log in an S3 bucket (S3Proxy 4.1.0 on loopback): written, searched, fenced, compacted, rolled up, pseudonymised
 * and deleted through the same classes as in a directory. Each instance of the service is a {@link QueryLogFiles} of its
 * own over a store of its own (its own client and local copies), sharing the bucket's prefix.
 */
class S3QueryLogTest {

    static final Instant NOON = Instant.parse("2026-12-03T12:00:00Z");
    static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);

    S3ObjectStore.Location location;
    S3ObjectStore store;
    QueryLogFiles files;
    QueryLogWriter writer;
    QueryLogSearch search;
    final UUID account = UUID.randomUUID();
    final UUID other = UUID.randomUUID();

    @BeforeEach
    void open() {
        location = TestObjectStores.location("query-log");
        store = new S3ObjectStore(location).probe();
        files = new QueryLogFiles(store);
        writer = new QueryLogWriter(files);
        search = new QueryLogSearch(files, "128MB", 1);
    }

    @AfterEach
    void close() {
        writer.close();
        search.close();
        store.close();
    }

    /** Another instance of the service: its own client, local copies and claims, on the same bucket and prefix. */
    QueryLogFiles anotherInstance() {
        return new QueryLogFiles(new S3ObjectStore(location));
    }

    static Entry entry(int partition, long offset, UUID account, Instant at, Action action, String name) {
        return new Entry(partition, offset, Feed.verdict(account, at, action, name, List.of(), null, null, "ann@example.com"));
    }

    static Filter around(Instant at) {
        return new Filter(at.minus(Duration.ofHours(12)), at.plus(Duration.ofHours(12)), null, null, null, null, null, null, null, null);
    }

    List<String> names(QueryLogSearch in, UUID whose, Instant at) {
        return in.search(whose, around(at), 0, 100).rows().stream().map(QueryLogSearch.Row::queryName).toList();
    }

    @Test
    void aBatchIsWrittenAsObjectsInHivesLayoutAndAnAccountSeesOnlyItsOwn() {
        writer.write(new Batch(0, 10, 13), List.of(
                entry(0, 10, account, NOON, Action.BLOCKED, "login.phish.example"),
                entry(0, 11, account, NOON.plusSeconds(3600), Action.ALLOWED, "www.example.com"),
                entry(0, 12, other, NOON.plusSeconds(1), Action.BLOCKED, "theirs.example"),
                entry(0, 13, account, NOON.plusSeconds(2), Action.ALLOWED, "mail.example.com")));

        assertThat(store.list("verdicts/", null)).extracting(ObjectStore.Listed::key).containsExactlyInAnyOrder(
                "verdicts/account=" + account + "/date=2026-12-03/hour=12/0-10-13-e1.parquet",
                "verdicts/account=" + account + "/date=2026-12-03/hour=13/0-10-13-e1.parquet",
                "verdicts/account=" + other + "/date=2026-12-03/hour=12/0-10-13-e1.parquet");
        assertThat(files.committed(0)).hasValue(13);
        assertThat(names(search, account, NOON)).as("newest first").containsExactly("www.example.com", "mail.example.com", "login.phish.example");
        assertThat(names(search, other, NOON)).containsExactly("theirs.example");
        Filter suffix = new Filter(around(NOON).from(), around(NOON).to(), null, null, null, null, "example.com", null, null, null);
        assertThat(search.search(account, suffix, 0, 10).total()).isEqualTo(2);
        assertThat(search.tuples(account, around(NOON).from(), around(NOON).to(), 10).queries()).isEqualTo(3);

        // Another instance, with no local copies, reads the same from the bucket.
        QueryLogFiles elsewhere = anotherInstance();
        try (QueryLogSearch remote = new QueryLogSearch(elsewhere, "128MB", 1)) {
            assertThat(names(remote, account, NOON)).containsExactly("www.example.com", "mail.example.com", "login.phish.example");
        } finally {
            elsewhere.store().close();
        }
    }

    @Test
    void aWriterAnotherInstanceFencedNeverCountsAndTheNewOwnerResumesAtTheCommit() {
        writer.write(new Batch(3, 0, 1), List.of(
                entry(3, 0, account, NOON, Action.ALLOWED, "a.example"),
                entry(3, 1, account, NOON.plusSeconds(1), Action.ALLOWED, "b.example")));
        QueryLogFiles newOwnerFiles = anotherInstance();
        try (QueryLogWriter newOwner = new QueryLogWriter(newOwnerFiles)) {
            assertThat(newOwnerFiles.claim(3).resumeAt()).isEqualTo(2);
            // The stalled writer's objects land in the bucket; its commit is refused.
            assertThatThrownBy(() -> writer.write(new Batch(3, 2, 3), List.of(
                    entry(3, 2, account, NOON.plusSeconds(2), Action.ALLOWED, "zombie.example"),
                    entry(3, 3, account, NOON.plusSeconds(3), Action.ALLOWED, "zombie.example")))).isInstanceOf(PartitionLog.Fenced.class);
            newOwner.write(new Batch(3, 2, 3), List.of(
                    entry(3, 2, account, NOON.plusSeconds(2), Action.ALLOWED, "c.example"),
                    entry(3, 3, account, NOON.plusSeconds(3), Action.ALLOWED, "d.example")));
        } finally {
            newOwnerFiles.store().close();
        }

        assertThat(names(search, account, NOON)).containsExactly("d.example", "c.example", "b.example", "a.example");
        assertThat(store.list(QueryLogFiles.accountKey(account), null)).extracting(listed -> QueryLogFiles.name(listed.key()))
                .as("the stalled writer's object is there, and not counted").contains("3-2-3-e1.parquet");
    }

    @Test
    void retentionCompactsRollsUpAndDeletesUnderALeaseAndAnAccountsLogIsDeletedOnRequest() {
        Instant past = NOON.minus(Duration.ofDays(40));
        for (int i = 0; i < 4; i++) {
            writer.write(new Batch(1, 2L * i, 2L * i + 1), List.of(
                    entry(1, 2L * i, account, past.plusSeconds(i), Action.ALLOWED, "allowed-" + i + ".example"),
                    entry(1, 2L * i + 1, account, past.plusSeconds(i), Action.BLOCKED, "blocked-" + i + ".example")));
        }
        writer.write(new Batch(1, 8, 8), List.of(entry(1, 8, other, past, Action.BLOCKED, "theirs.example")));
        RetentionSettings settings = new RetentionSettings(files, new Retention(30, 365));
        try (QueryLogRetention retention = new QueryLogRetention(files, settings)) {
            QueryLogRetention.Report report = retention.run(NOON);

            assertThat(report.filesCompacted()).isEqualTo(4);
            assertThat(report.filesRolledUp()).as("one object per account's hour").isEqualTo(2);
            LocalDateTime hour = LocalDateTime.ofInstant(past, ZoneOffset.UTC);
            assertThat(store.list(QueryLogFiles.hourKey(account, hour.toLocalDate(), hour.getHour()), null))
                    .extracting(listed -> QueryLogFiles.name(listed.key())).containsExactly("1-0-7-e1.parquet");
            assertThat(store.list(QueryLogFiles.rollupHourKey(account, hour.toLocalDate(), hour.getHour()), null))
                    .extracting(listed -> QueryLogFiles.name(listed.key())).containsExactly("1-0-7-e1.parquet");
            assertThat(names(search, account, past)).as("the detail keeps what was not allowed")
                    .containsExactlyInAnyOrder("blocked-0.example", "blocked-1.example", "blocked-2.example", "blocked-3.example");
            assertThat(search.rolledUp(account, past.minusSeconds(60), past.plusSeconds(60), null, null, null, 0, 10).queries()).isEqualTo(4);
            assertThat(store.list("_retention/lock/", null)).extracting(listed -> new String(store.read(listed.key()).orElseThrow()))
                    .as("the lease, released").singleElement().asString().endsWith(" 0");

            assertThat(retention.deleteAccount(account, Duration.ofSeconds(5))).as("its detail and its roll-up").hasValue(2);
            assertThat(store.list(QueryLogFiles.accountKey(account), null)).isEmpty();
            assertThat(store.list(QueryLogFiles.rollupAccountKey(account), null)).isEmpty();
            assertThat(search.search(account, around(past), 0, 10).total()).isZero();
            assertThat(names(search, other, past)).containsExactly("theirs.example");

            // A year on, the security rows go too.
            assertThat(retention.run(NOON.plus(Duration.ofDays(400))).hoursDeleted()).isEqualTo(1);
            assertThat(store.list("verdicts/", null)).isEmpty();
        }
    }

    @Test
    void aSearchWhoseLocalCopiesWereSweptBeforeTheyWereReadFetchesThemAgain() {
        writer.write(new Batch(0, 0, 0), List.of(entry(0, 0, account, NOON, Action.BLOCKED, "login.phish.example")));
        AtomicBoolean sweepOnce = new AtomicBoolean(true);
        ObjectStore sweeping = new ForwardingStore(new S3ObjectStore(location)) {
            @Override
            public List<Path> local(List<Listed> objects) throws Vanished {
                List<Path> paths = super.local(objects);
                if (sweepOnce.getAndSet(false)) {
                    // A sweep of the local copies, between their fetch and DuckDB's read; the listing is unchanged.
                    for (Path path : paths) {
                        try {
                            Files.delete(path);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }
                }
                return paths;
            }
        };
        try (QueryLogSearch elsewhere = new QueryLogSearch(new QueryLogFiles(sweeping), "128MB", 1)) {
            assertThat(names(elsewhere, account, NOON)).containsExactly("login.phish.example");
        } finally {
            sweeping.close();
        }
        assertThat(sweepOnce).as("swept once").isFalse();
    }

    @Test
    void aLeaseIsHeldByOneInstanceAtATimeAndTakenOverOnceItsHolderStopsRenewingIt() throws Exception {
        ObjectStore.Hold first = store.tryHold("_retention/lock", Duration.ZERO).orElseThrow();
        S3ObjectStore elsewhere = new S3ObjectStore(location, java.nio.file.Files.createTempDirectory("s3-cache"), 1 << 20, Duration.ofSeconds(3));
        assertThat(elsewhere.tryHold("_retention/lock", Duration.ofMillis(300))).as("held").isEmpty();
        first.close();
        ObjectStore.Hold second = elsewhere.tryHold("_retention/lock", Duration.ofSeconds(1)).orElseThrow();
        Thread.sleep(2_500);
        second.check();   // renewed every second meanwhile
        assertThat(store.tryHold("_retention/lock", Duration.ofMillis(300))).as("renewed, so still held").isEmpty();

        // Its instance stops (a crash, a pause): no renewal, no release. Its check fails before another may take the lease.
        elsewhere.close();
        Thread.sleep(2_100);
        assertThatThrownBy(second::check).hasMessageContaining("lost");
        long waited = System.nanoTime();
        ObjectStore.Hold third = store.tryHold("_retention/lock", Duration.ofSeconds(20)).orElseThrow();
        assertThat(Duration.ofNanos(System.nanoTime() - waited)).as("taken over once expired, and the clocks' skew allowed for")
                .isGreaterThan(Lease.SKEW.minusSeconds(2));
        third.close();
    }

    @Test
    void pseudonymsAreSealedInTheBucketsVaultAndAnObjectStoreNeedsItsKeySet() throws Exception {
        assertThatThrownBy(() -> QueryLogPrivacy.open(files, null)).hasMessageContaining("pseudonym-key must be set");
        QueryLogPrivacy privacy = QueryLogPrivacy.open(files, KEY);
        privacy.set(account, true);
        try (QueryLogWriter pseudonymising = new QueryLogWriter(files, privacy)) {
            pseudonymising.write(new Batch(2, 0, 0), List.of(entry(2, 0, account, NOON, Action.BLOCKED, "login.phish.example")));
        }
        String ann = privacy.pseudonym(account, "ann@example.com");
        assertThat(search.search(account, around(NOON), 0, 10).rows()).singleElement().matches(row -> row.userEmail().equals(ann));
        assertThat(QueryLogPrivacy.open(anotherInstance(), KEY).identify(account, ann)).contains("ann@example.com");
        assertThat(QueryLogPrivacy.open(files, KEY).pseudonymises(account)).isTrue();
    }
}
