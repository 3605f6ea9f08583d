package dev.parapet.diagnostics.querylog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

/** What the query log needs of where it keeps its objects, asserted alike of each store. */
abstract class ObjectStoreContract extends OnAStore {

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private List<String> keys(String prefix, String startAfter) {
        return store.list(prefix, startAfter).stream().map(ObjectStore.Listed::key).toList();
    }

    @Test
    void listsTheKeysOfAPrefixInKeyOrderAfterAKey() {
        for (String key : List.of("a/2", "a/10", "a/1", "ab/x", "b/1", "a/deep/er/1")) {
            assertThat(store.create(key, bytes(key))).isTrue();
        }

        assertThat(keys("a/", null)).containsExactly("a/1", "a/10", "a/2", "a/deep/er/1");
        assertThat(keys("a", null)).containsExactly("a/1", "a/10", "a/2", "a/deep/er/1", "ab/x");
        assertThat(keys("a/", "a/10")).containsExactly("a/2", "a/deep/er/1");
        assertThat(keys("a/d", null)).containsExactly("a/deep/er/1");
        assertThat(keys("c/", null)).isEmpty();
        assertThat(store.list("b/", null)).singleElement().satisfies(listed -> assertThat(listed.size()).isEqualTo(3));
    }

    @Test
    void createsAnObjectOnlyIfNoneHasItsKey() {
        assertThat(store.create("k/one", bytes("first"))).isTrue();
        assertThat(store.create("k/one", bytes("second"))).isFalse();

        assertThat(store.read("k/one")).hasValueSatisfying(content -> assertThat(content).isEqualTo(bytes("first")));
        assertThat(store.read("k/none")).isEmpty();
    }

    @Test
    void ofTwoWritersCreatingOneKeyAtOnceExactlyOneWins() throws Exception {
        int rounds = 60;
        ExecutorService writers = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < rounds; round++) {
                String key = "race/" + round;
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Boolean>> created = new ArrayList<>();
                for (String writer : List.of("a", "b")) {
                    created.add(writers.submit(() -> {
                        go.await();
                        return store.create(key, bytes(writer));
                    }));
                }
                go.countDown();
                int wins = (created.get(0).get() ? 1 : 0) + (created.get(1).get() ? 1 : 0);
                assertThat(wins).as("writers that created %s", key).isEqualTo(1);
                String winner = created.get(0).get() ? "a" : "b";
                assertThat(store.read(key)).hasValueSatisfying(content -> assertThat(content).isEqualTo(bytes(winner)));
            }
        } finally {
            writers.shutdownNow();
        }
    }

    @Test
    void publishesAFileWholeAndItsVersionChangesWithItsContent() throws Exception {
        Path file = work.resolve("batch.parquet");
        Files.writeString(file, "version one");
        ObjectStore.Listed first = store.publish(file, "verdicts/h/0-1-2.parquet");

        assertThat(store.list("verdicts/", null)).containsExactly(first);
        assertThat(first.size()).isEqualTo(11);
        assertThat(file).as("used up").doesNotExist();

        Files.writeString(file, "version two!");
        ObjectStore.Listed second = store.publish(file, "verdicts/h/0-1-2.parquet");

        assertThat(second.version()).isNotEqualTo(first.version());
        assertThat(store.list("verdicts/", null)).containsExactly(second);
        assertThat(store.read("verdicts/h/0-1-2.parquet")).hasValueSatisfying(content -> assertThat(content).isEqualTo(bytes("version two!")));
    }

    @Test
    void downloadsTheVersionListedAndSaysWhenItIsGoneOrRewritten() throws Exception {
        Path file = work.resolve("batch.parquet");
        Files.writeString(file, "rows");
        store.publish(file, "verdicts/h/0-1-2.parquet");
        ObjectStore.Listed listed = store.list("verdicts/", null).get(0);
        Path copy = work.resolve("copy.parquet");

        store.download(listed, copy);
        assertThat(copy).hasContent("rows");

        assertThat(store.local(listed)).hasContent("rows");

        Files.writeString(file, "other rows");
        store.publish(file, "verdicts/h/0-1-2.parquet");
        assertThatThrownBy(() -> store.download(listed, work.resolve("stale.parquet"))).isInstanceOf(ObjectStore.Vanished.class);
        assertThat(store.local(store.list("verdicts/", null).get(0))).as("the version listed now").hasContent("other rows");

        ObjectStore.Listed rewritten = store.list("verdicts/", null).get(0);
        store.delete("verdicts/h/0-1-2.parquet");
        store.forget("verdicts/");
        assertThatThrownBy(() -> store.download(rewritten, work.resolve("gone.parquet"))).isInstanceOf(ObjectStore.Vanished.class);
        assertThatThrownBy(() -> store.local(rewritten)).isInstanceOf(ObjectStore.Vanished.class);
        assertThat(work.resolve("stale.parquet")).doesNotExist();
        assertThat(store.list("verdicts/", null)).isEmpty();
    }

    @Test
    void writesMovesAndListsTheDirectoriesUnderAPrefix() {
        store.write("_retention/account=a.json", bytes("{}"));
        store.write("_retention/account=a.json", bytes("{\"allowedDays\":7}"));
        store.write("verdicts/account=a/date=2026-12-03/hour=12/x", bytes("1"));
        store.write("verdicts/account=b/date=2026-12-03/hour=12/x", bytes("2"));
        store.move("verdicts/account=b/date=2026-12-03/hour=12/x", "rollups/account=b/date=2026-12-03/hour=12/x");

        assertThat(store.read("_retention/account=a.json")).hasValueSatisfying(content -> assertThat(content).isEqualTo(bytes("{\"allowedDays\":7}")));
        assertThat(store.children("verdicts/")).containsExactly("account=a");
        assertThat(store.children("rollups/")).containsExactly("account=b");
        assertThat(store.children("rollups/account=b/")).containsExactly("date=2026-12-03");
        assertThat(store.read("rollups/account=b/date=2026-12-03/hour=12/x")).hasValueSatisfying(content -> assertThat(content).isEqualTo(bytes("2")));
        assertThat(store.deleteAll("verdicts/")).isEqualTo(1);
        assertThat(store.list("verdicts/", null)).isEmpty();
    }

    @Test
    void manyObjectsAreReadLocallyInTheirOrderAndDeletedByTheirPrefix() throws Exception {
        for (int i = 0; i < 25; i++) {
            store.write("verdicts/account=a/date=2026-12-03/hour=12/" + i, bytes("object " + i));
        }
        store.write("verdicts/account=b/x", bytes("another account's"));
        List<ObjectStore.Listed> listed = store.list("verdicts/account=a/", null);

        List<Path> local = store.local(listed);
        for (int i = 0; i < listed.size(); i++) {
            assertThat(local.get(i)).hasContent("object " + QueryLogFiles.name(listed.get(i).key()));
        }
        assertThat(store.deleteAll("verdicts/account=a/")).isEqualTo(25);
        assertThat(store.list("verdicts/", null)).extracting(ObjectStore.Listed::key).containsExactly("verdicts/account=b/x");
        store.forget("verdicts/account=a/");
        assertThatThrownBy(() -> store.local(listed)).as("gone, and no copy kept").isInstanceOf(ObjectStore.Vanished.class);
    }

    @Test
    void deletingWhatIsNotThereIsNoError() {
        store.delete("never/was");
        assertThat(store.create("once", bytes("x"))).isTrue();
        store.delete("once");
        store.delete("once");

        assertThat(store.read("once")).isEmpty();
        assertThat(store.create("once", bytes("again"))).isTrue();
    }
}
