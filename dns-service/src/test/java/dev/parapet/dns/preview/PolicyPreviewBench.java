package dev.parapet.dns.preview;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;

import dev.parapet.dns.policy.Snapshot;
import dev.parapet.schemas.v1.common.Scope;
import dev.parapet.schemas.v1.locations.Location;
import dev.parapet.schemas.v1.policies.BlockAllowList;
import dev.parapet.schemas.v1.policies.Policy;
import dev.parapet.schemas.v1.policies.PolicyType;

/**
 * How fast a preview replays tuples: an account whose Block List holds every name of {@code ../shared/data}'s block
 * lists but the torrent list, and that list proposed for one location; 1 000 000 tuples (the most a preview reads) of
 * popular and listed names, 2 000 users at 20 locations, replayed five times. Usage (after {@code mvn -pl dns-service
 * -am test-compile} and {@code dependency:build-classpath -Dmdep.outputFile=target/bench.classpath}):
 * <pre>
 * java -cp "$(cat dns-service/target/bench.classpath):dns-service/target/classes:dns-service/target/test-classes" \
 *   dev.parapet.dns.preview.PolicyPreviewBench ../shared/data
 * </pre>
 */
public final class PolicyPreviewBench {

    public static void main(String[] args) throws IOException {
        Path data = Path.of(args.length > 0 ? args[0] : "../shared/data");
        List<String> popular = names(data.resolve("popular"), null);
        List<String> torrent = names(data.resolve("blocklists"), "torrent.txt");
        java.util.Set<String> inTorrent = new java.util.HashSet<>(torrent);
        List<String> listed = names(data.resolve("blocklists"), null).stream().filter(name -> !inTorrent.contains(name)).toList();
        UUID account = UUID.randomUUID();
        UUID[] locations = new UUID[20];
        List<Location> places = new ArrayList<>();
        for (int i = 0; i < locations.length; i++) {
            locations[i] = UUID.randomUUID();
            places.add(Location.newBuilder().setAccountId(account).setLocationId(locations[i]).setName("office " + i).setVersion(1)
                    .setCidrs(List.of("10." + i + ".0.0/16")).setUpdatedBy("bench").setUpdatedAt(Instant.EPOCH).build());
        }
        Policy everything = list(account, "Block lists", new Scope(true, List.of(), List.of(), List.of()), listed);
        Policy proposed = list(account, "Torrent at office 3", new Scope(false, List.of(), List.of(), List.of(locations[3])), torrent);
        long compiling = System.nanoTime();
        Snapshot current = Snapshot.of(places, List.of(), List.of(everything), List.of());
        Snapshot next = Snapshot.of(places, List.of(), List.of(everything, proposed), List.of());
        System.out.printf("two snapshots of %d listed names compiled in %.0f ms%n", listed.size(), (System.nanoTime() - compiling) / 1e6);

        Random random = new Random(42);
        List<PolicyPreview.Tuple> tuples = new ArrayList<>(1_000_000);
        for (int i = 0; i < 1_000_000; i++) {
            int user = random.nextInt(2000);
            String name = random.nextInt(100) < 3 ? listed.get(random.nextInt(listed.size()))
                    : random.nextInt(100) < 2 ? torrent.get(random.nextInt(torrent.size())) : popular.get(random.nextInt(popular.size()));
            tuples.add(new PolicyPreview.Tuple(name, "user" + user + "@example.com", null, locations[user % locations.length],
                    1 + random.nextInt(50)));
        }
        for (int round = 1; round <= 5; round++) {
            long started = System.nanoTime();
            PolicyPreview preview = new PolicyPreview(account, current, next, 20);
            tuples.forEach(preview::replay);
            PolicyPreview.Result result = preview.result();
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf("round %d: %d tuples replayed in %.0f ms (%.0f tuples/s); would block %d queries to %d names%n", round,
                    result.tuples(), seconds * 1000, result.tuples() / seconds, result.wouldBlock().queries(), result.wouldBlock().names());
        }
    }

    private static Policy list(UUID account, String name, Scope scope, List<String> blocked) {
        return Policy.newBuilder().setAccountId(account).setPolicyId(UUID.randomUUID()).setName(name).setPriority(100).setEnabled(true)
                .setScope(scope).setVersion(1).setUpdatedBy("bench").setUpdatedAt(Instant.EPOCH).setType(PolicyType.BLOCK_ALLOW_LIST)
                .setBlockAllowList(new BlockAllowList(blocked, List.of())).build();
    }

    private static List<String> names(Path directory, String only) throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> listing = Files.list(directory)) {
            for (Path file : listing.filter(path -> path.toString().endsWith(".txt"))
                    .filter(path -> only == null || path.getFileName().toString().equals(only)).sorted().toList()) {
                for (String line : Files.readAllLines(file)) {
                    String name = line.strip().toLowerCase(Locale.ROOT);
                    if (!name.isEmpty() && !name.startsWith("#") && !name.contains(" ") && PolicyPreview.decidable(name) != null) {
                        names.add(name);
                    }
                }
            }
        }
        return names;
    }
}
