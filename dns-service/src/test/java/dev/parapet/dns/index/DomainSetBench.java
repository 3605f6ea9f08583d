package dev.parapet.dns.index;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Benchmark of the block-list index: load time and bytes per domain for 1 000 000 domains (synthetic,
 * plus the real phishing list of ../shared/data), and lookups per second for listed names, their
 * subdomains and unlisted names. Run from the repository root after {@code mvn -pl dns-service test-compile}:
 * <pre>
 * java -Xmx1g -cp dns-service/target/classes:dns-service/target/test-classes dev.parapet.dns.index.DomainSetBench
 * </pre>
 */
public final class DomainSetBench {

    public static void main(String[] args) throws Exception {
        List<String> domains = new ArrayList<>(1_000_000);
        Path phishing = Path.of("../shared/data/blocklists/phishing.txt");
        if (Files.exists(phishing)) {
            for (String line : Files.readAllLines(phishing)) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    domains.add(line.strip().toLowerCase());
                }
            }
        }
        int real = domains.size();
        for (int i = 0; domains.size() < 1_000_000; i++) {
            domains.add("host-" + Integer.toString(i * 7919, 36) + ".zone-" + (i % 4093) + ".example.net");
        }
        double averageLength = domains.stream().mapToInt(String::length).average().orElse(0);
        for (int round = 1; round <= 5; round++) {
            Runtime runtime = Runtime.getRuntime();
            System.gc();
            long heapBefore = runtime.totalMemory() - runtime.freeMemory();
            long started = System.nanoTime();
            DomainSet.Builder builder = DomainSet.builder(domains.size());
            for (String domain : domains) {
                builder.add(domain);
            }
            DomainSet set = builder.build();
            long loadNanos = System.nanoTime() - started;
            builder = null;
            System.gc();
            long heapAfter = runtime.totalMemory() - runtime.freeMemory();
            byte[][] queries = new byte[300_000][];
            for (int i = 0; i < queries.length; i++) {
                String domain = domains.get((i * 31) % domains.size());
                queries[i] = (switch (i % 3) {
                    case 0 -> domain;
                    case 1 -> "www." + domain;
                    default -> "unlisted-" + i + ".example.org";
                }).getBytes(StandardCharsets.US_ASCII);
            }
            int hits = 0;
            long lookupStarted = System.nanoTime();
            for (byte[] query : queries) {
                if (set.match(query, 0, query.length) >= 0) {
                    hits++;
                }
            }
            long lookupNanos = System.nanoTime() - lookupStarted;
            System.out.printf("round %d: %d domains (%d real phishing, average %.1f characters) loaded in %d ms; table %.1f bytes/domain,"
                            + " heap growth %.1f bytes/domain; %d lookups (1/3 listed, 1/3 subdomains, 1/3 unlisted): %.0f ns each, %d hits%n",
                    round, set.size(), real, averageLength, loadNanos / 1_000_000, set.footprintBytes() / (double) set.size(),
                    (heapAfter - heapBefore) / (double) set.size(), queries.length, lookupNanos / (double) queries.length, hits);
        }
    }
}
