package dev.parapet.dns.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** The mutable category map against a plain HashMap, through many puts and removals (backward shifts). */
class DomainMapTest {

    static long valueOf(DomainSet set, String name) {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        return set.valueOf(bytes, 0, bytes.length);
    }

    @Test
    void aNameGetsItsOwnValueOrItsNearestParentsAndRemovalsLeaveNoHoles() {
        DomainMap map = new DomainMap();
        Map<String, Long> expected = new HashMap<>();
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            String domain = "d" + random.nextInt(20_000) + ".example";
            long value = random.nextInt(4) == 0 ? 0 : random.nextLong(1, 1 << 13);
            map.put(domain, value);
            if (value == 0) {
                expected.remove(domain);
            } else {
                expected.put(domain, value);
            }
        }
        DomainSet snapshot = map.snapshot();
        assertThat(map.size()).isEqualTo(expected.size());
        for (int i = 0; i < 20_000; i++) {
            String domain = "d" + i + ".example";
            assertThat(valueOf(snapshot, "www." + domain)).as(domain).isEqualTo(expected.getOrDefault(domain, 0L));
        }
        map.put("example", 99);
        DomainSet withParent = map.snapshot();
        assertThat(valueOf(withParent, "unlisted.example")).isEqualTo(99);
        assertThat(valueOf(snapshot, "unlisted.example")).as("a snapshot never changes").isZero();
    }
}
