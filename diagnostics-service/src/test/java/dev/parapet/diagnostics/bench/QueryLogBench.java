package dev.parapet.diagnostics.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;

import dev.parapet.diagnostics.querylog.QueryLogFiles;
import dev.parapet.diagnostics.querylog.QueryLogFiles.Batch;
import dev.parapet.diagnostics.querylog.QueryLogRetention;
import dev.parapet.diagnostics.querylog.QueryLogSearch;
import dev.parapet.diagnostics.querylog.QueryLogWriter;
import dev.parapet.diagnostics.querylog.QueryLogWriter.Entry;
import dev.parapet.diagnostics.querylog.Retention;
import dev.parapet.diagnostics.querylog.RetentionSettings;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;
import dev.parapet.schemas.v1.verdicts.Reason;
import dev.parapet.schemas.v1.verdicts.Transport;

/**
 * The query log's write throughput, bytes per verdict and search latency: one day of verdicts of one
 * account (names drawn from the popular sites and the block lists of {@code ../shared/data}, 2 000 users
 * on 2 000 devices at 20 locations, 3 % blocked), written in batches of 50 000 as the service does, then
 * searched as an administrator would (a name, a suffix, a user, blocked only, a location and category),
 * each search repeated, p50 and p99 printed; then the day's distinct tuples a policy preview replays, timed. Usage (after {@code mvn -pl diagnostics-service -am
 * test-compile} and {@code dependency:build-classpath -Dmdep.outputFile=target/bench.classpath}):
 * <pre>
 * java -cp "$(cat diagnostics-service/target/bench.classpath):diagnostics-service/target/classes:diagnostics-service/target/test-classes" \
 *   dev.parapet.diagnostics.bench.QueryLogBench ../shared/data 10000000 /tmp/query-log-bench [batch size]
 * </pre>
 * A batch size below 50 000 writes the day as a writer whose partition fills no batch within its 10 s delay does
 * (an account's verdicts all go to one partition: at 10 million a day, about 1 160 every 10 s, 360 files an hour);
 * the searches then run on those files, again after the retention run compacts them, and both are printed.
 */
public final class QueryLogBench {

    public static void main(String[] args) throws IOException {
        Path data = Path.of(args.length > 0 ? args[0] : "../shared/data");
        int verdicts = args.length > 1 ? Integer.parseInt(args[1]) : 10_000_000;
        // "s3:<directory>": the log in a bucket of an S3Proxy started on loopback, its store and the service's local copies in the directory.
        boolean inBucket = args.length > 2 && args[2].startsWith("s3:");
        Path root = Path.of(args.length > 2 ? args[2].substring(inBucket ? 3 : 0) : "/tmp/query-log-bench");
        int batchSize = args.length > 3 ? Integer.parseInt(args[3]) : 50_000;
        if (Files.exists(root)) {
            try (Stream<Path> old = Files.walk(root)) {
                old.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
        List<String> popular = names(data.resolve("popular"));
        List<String> blocked = names(data.resolve("blocklists"));
        Random random = new Random(42);
        UUID account = UUID.randomUUID();
        UUID[] locations = new UUID[20];
        Arrays.setAll(locations, i -> UUID.randomUUID());
        UUID[] agents = new UUID[2000];
        Arrays.setAll(agents, i -> UUID.randomUUID());
        UUID policy = UUID.randomUUID();
        Instant day = Instant.parse("2026-12-03T00:00:00Z");
        long spacing = Duration.ofDays(1).toNanos() / verdicts;

        QueryLogFiles files;
        dev.parapet.stack.S3Proxy proxy = null;
        if (inBucket) {
            proxy = dev.parapet.stack.S3Proxy.start(root.resolve("s3proxy"), "bench");
            files = QueryLogFiles.inBucket(java.net.URI.create("s3://bench/query-log"), proxy.endpoint(), proxy.accessKey(), proxy.secretKey(),
                    root.resolve("service"));
        } else {
            files = new QueryLogFiles(root);
        }
        System.out.println("query log in " + files.describe());
        long writing = 0;
        String someBlocked = null;
        try (QueryLogWriter writer = new QueryLogWriter(files)) {
            List<Entry> batch = new ArrayList<>(batchSize);
            for (int i = 0; i < verdicts; i++) {
                boolean isBlocked = random.nextInt(100) < 3;
                int user = random.nextInt(agents.length);
                String name = isBlocked ? blocked.get(random.nextInt(blocked.size())) : popular.get((int) Math.abs(random.nextGaussian() * popular.size() / 4) % popular.size());
                DnsVerdict verdict = DnsVerdict.newBuilder().setEventId(UUID.randomUUID()).setOccurredAt(day.plusNanos(spacing * i))
                        .setAccountId(account).setLocationId(locations[user % locations.length]).setAgentId(agents[user])
                        .setUserEmail("user" + user + "@example.com").setClientAddress("10.0." + (user / 250) + "." + (user % 250))
                        .setTransport(Transport.DOH).setQueryName(name).setQueryType(i % 5 == 0 ? "AAAA" : "A")
                        .setAction(isBlocked ? Action.BLOCKED : Action.ALLOWED).setReason(isBlocked ? Reason.CATEGORY : Reason.DEFAULT_ALLOW)
                        .setPolicyId(isBlocked ? policy : null).setCategoryIds(isBlocked ? List.of("phishing") : List.of())
                        .setResponseCode("NOERROR").setLatencyMicros(200 + random.nextInt(5000)).setCached(random.nextBoolean()).build();
                batch.add(new Entry(0, i, verdict));
                if (isBlocked && i > verdicts / 2 && someBlocked == null) {
                    someBlocked = name;
                }
                if (batch.size() == batchSize || i == verdicts - 1) {
                    long started = System.nanoTime();
                    writer.write(new Batch(0, batch.get(0).offset(), batch.get(batch.size() - 1).offset()), batch);
                    writing += System.nanoTime() - started;
                    batch.clear();
                }
            }
        }
        long[] footprint = footprint(files);
        System.out.printf("query log: %d verdicts written in %.1f s of writing (batches of %d): %.0f verdicts/s; %d files, %.1f bytes per verdict%n",
                verdicts, writing / 1e9, batchSize, verdicts / (writing / 1e9), footprint[0], (double) footprint[1] / verdicts);
        if (inBucket) {
            // Another instance, whose local copies are empty: each case's first search downloads what it reads.
            files = QueryLogFiles.inBucket(java.net.URI.create("s3://bench/query-log"), proxy.endpoint(), proxy.accessKey(), proxy.secretKey(),
                    root.resolve("reader"));
        }
        searches(files, account, day, someBlocked, popular, locations, verdicts, batchSize < 50_000 ? 5 : 20);
        if (batchSize < 50_000) {
            long started = System.nanoTime();
            QueryLogRetention.Report report;
            try (QueryLogRetention retention = new QueryLogRetention(files, new RetentionSettings(files, new Retention(30, 365)))) {
                report = retention.run(day.plus(Duration.ofDays(2)));
            }
            footprint = footprint(files);
            System.out.printf("compaction: %d files merged in %.1f s; %d files, %.1f bytes per verdict%n", report.filesCompacted(),
                    (System.nanoTime() - started) / 1e9, footprint[0], (double) footprint[1] / verdicts);
            searches(files, account, day, someBlocked, popular, locations, verdicts, 20);
        }
    }

    /** The log's Parquet files: how many, and their bytes. */
    private static long[] footprint(QueryLogFiles files) {
        return files.tableSize();
    }

    private static void searches(QueryLogFiles files, UUID account, Instant day, String blockedName, List<String> popular, UUID[] locations,
                                 int verdicts, int repetitions) {
        try (QueryLogSearch search = new QueryLogSearch(files, "512MB", 2)) {
            Instant from = day;
            Instant to = day.plus(Duration.ofDays(1));
            String someSuffix = popular.get(3).replaceFirst("^www\\.", "");
            record Case(String what, QueryLogSearch.Filter filter) {
            }
            List<Case> cases = List.of(
                    new Case("a blocked name, exactly", new QueryLogSearch.Filter(from, to, null, null, null, blockedName, null, null, null, null)),
                    new Case("a suffix (" + someSuffix + ")", new QueryLogSearch.Filter(from, to, null, null, null, null, someSuffix, null, null, null)),
                    new Case("a user", new QueryLogSearch.Filter(from, to, "user7@example.com", null, null, null, null, null, null, null)),
                    new Case("blocked only", new QueryLogSearch.Filter(from, to, null, null, null, null, null, "BLOCKED", null, null)),
                    new Case("a location and a category", new QueryLogSearch.Filter(from, to, null, null, locations[3].toString(), null, null, null, "phishing", null)),
                    new Case("everything, page 1", new QueryLogSearch.Filter(from, to, null, null, null, null, null, null, null, null)),
                    new Case("everything, page 100", new QueryLogSearch.Filter(from, to, null, null, null, null, null, null, null, null)));
            List<Long> all = new ArrayList<>();
            for (Case each : cases) {
                int page = each.what().startsWith("everything") ? 100 : 0;
                long firstStarted = System.nanoTime();
                search.search(account, each.filter(), page, 50);
                long first = System.nanoTime() - firstStarted;
                long[] times = new long[repetitions];
                long total = 0;
                for (int i = 0; i < times.length; i++) {
                    long started = System.nanoTime();
                    total = search.search(account, each.filter(), page, 50).total();
                    times[i] = System.nanoTime() - started;
                    all.add(times[i]);
                }
                Arrays.sort(times);
                System.out.printf("search %-40s %9d matches  p50 %6.0f ms  max %6.0f ms  (first %6.0f ms)%n", each.what(), total,
                        times[times.length / 2] / 1e6, times[times.length - 1] / 1e6, first / 1e6);
            }
            long[] sorted = all.stream().mapToLong(Long::longValue).sorted().toArray();
            System.out.printf("search over a day of %d verdicts, %d searches: p50 %.0f ms, p99 %.0f ms%n", verdicts, sorted.length,
                    sorted[sorted.length / 2] / 1e6, sorted[(int) Math.ceil(sorted.length * 0.99) - 1] / 1e6);
            // What a policy preview reads: the day's distinct (name, user, device, location), the most queried first.
            long[] tupleTimes = new long[5];
            QueryLogSearch.Tuples tuples = null;
            for (int i = 0; i < tupleTimes.length; i++) {
                long started = System.nanoTime();
                tuples = search.tuples(account, from, to, 1_000_000);
                tupleTimes[i] = System.nanoTime() - started;
            }
            Arrays.sort(tupleTimes);
            long covered = tuples.rows().stream().mapToLong(QueryLogSearch.Tuple::queries).sum();
            System.out.printf("preview tuples of the day: %d distinct read of %d queries (limit 1 000 000%s), standing for %d queries (%.1f %%), "
                    + "median %.0f ms, max %.0f ms%n", tuples.rows().size(), tuples.queries(), tuples.truncated() ? ", more left out" : "", covered,
                    100.0 * covered / tuples.queries(), tupleTimes[tupleTimes.length / 2] / 1e6, tupleTimes[tupleTimes.length - 1] / 1e6);
        }
    }

    private static List<String> names(Path directory) throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> listing = Files.list(directory)) {
            for (Path file : listing.filter(path -> path.toString().endsWith(".txt")).sorted().toList()) {
                for (String line : Files.readAllLines(file)) {
                    String name = line.strip().toLowerCase(java.util.Locale.ROOT);
                    if (!name.isEmpty() && !name.startsWith("#") && !name.contains(" ")) {
                        names.add(name);
                    }
                }
            }
        }
        return names;
    }
}
