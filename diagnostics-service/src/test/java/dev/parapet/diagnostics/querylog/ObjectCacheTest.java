package dev.parapet.diagnostics.querylog;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ObjectCacheTest {

    @TempDir
    Path directory;

    private static Path copy(ObjectCache cache, String key) throws ObjectStore.Vanished {
        return cache.local(new ObjectStore.Listed(key, "v1", 5), (object, target) -> {
            try {
                Files.writeString(target, "bytes", StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Test
    void copiesUnreadForAnHourGoAtTheNextStartWithTheDirectoriesTheyLeaveEmpty() throws Exception {
        ObjectCache cache = new ObjectCache(directory, 1 << 20);
        Path idle = copy(cache, "account=a/date=2026-12-01/hour=01/0-0-9-e1.parquet");
        Path read = copy(cache, "account=b/date=2026-12-01/hour=01/0-10-19-e1.parquet");
        Files.setLastModifiedTime(idle, FileTime.from(Instant.now().minus(Duration.ofHours(2))));

        new ObjectCache(directory, 1 << 20);   // the service starting again

        assertThat(idle).doesNotExist();
        assertThat(directory.resolve("account=a")).doesNotExist();
        assertThat(read).exists();
        assertThat(copy(new ObjectCache(directory, 1 << 20), "account=a/date=2026-12-01/hour=01/0-0-9-e1.parquet")).as("fetched again")
                .hasContent("bytes");
    }

    @Test
    void pastItsBoundTheLeastRecentlyReadGoFirst() throws Exception {
        ObjectCache cache = new ObjectCache(directory, 12);
        Path older = copy(cache, "account=a/date=2026-12-01/hour=01/0-0-9-e1.parquet");
        Files.setLastModifiedTime(older, FileTime.from(Instant.now().minus(Duration.ofMinutes(30))));
        Path newer = copy(cache, "account=a/date=2026-12-01/hour=02/0-10-19-e1.parquet");
        Files.setLastModifiedTime(newer, FileTime.from(Instant.now().minus(Duration.ofMinutes(20))));
        copy(cache, "account=a/date=2026-12-01/hour=03/0-20-29-e1.parquet");   // 15 bytes now, over the bound of 12

        assertThat(older).doesNotExist();
        assertThat(directory.resolve("account=a/date=2026-12-01/hour=01")).as("left empty").doesNotExist();
        assertThat(newer).exists();
    }
}
