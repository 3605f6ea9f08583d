package dev.parapet.diagnostics.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;

import dev.parapet.diagnostics.tunnels.RegisteredDomain;
import dev.parapet.diagnostics.tunnels.TunnelDetector;
import dev.parapet.diagnostics.tunnels.TunnelRules;
import dev.parapet.diagnostics.tunnels.TunnelWindow;

/**
 * False positives of the tunnel rules on real names, in the worst case: every name of the real block lists and the
 * popular sites grouped by registered domain, and each group judged as if one client had asked all its names in one
 * minute (real clients ask a few). Prints how many registered domains had enough distinct names to be judged, how
 * many were flagged, and which. Usage (after {@code mvn -pl diagnostics-service -am test-compile} and
 * {@code dependency:build-classpath -Dmdep.outputFile=target/bench.classpath}):
 * <pre>
 * java -cp "$(cat diagnostics-service/target/bench.classpath):diagnostics-service/target/classes:diagnostics-service/target/test-classes" \
 *   dev.parapet.diagnostics.bench.TunnelBench ../shared/data
 * </pre>
 */
public final class TunnelBench {

    public static void main(String[] args) throws IOException {
        Path data = Path.of(args.length > 0 ? args[0] : "../shared/data");
        List<Path> files = new ArrayList<>();
        try (Stream<Path> lists = Files.list(data.resolve("blocklists"))) {
            lists.filter(file -> file.toString().endsWith(".txt")).sorted().forEach(files::add);
        }
        files.add(data.resolve("popular").resolve("top-sites.txt"));
        Map<String, TunnelWindow> byDomain = new TreeMap<>();
        List<String> all = new ArrayList<>();
        long names = 0;
        long started = System.nanoTime();
        for (Path file : files) {
            for (String line : Files.readAllLines(file)) {
                String name = line.strip().toLowerCase(Locale.ROOT);
                int hash = name.indexOf('#');
                if (hash >= 0) {
                    name = name.substring(0, hash).strip();
                }
                if (name.contains(" ")) {
                    name = name.substring(name.lastIndexOf(' ') + 1);
                }
                if (name.isEmpty()) {
                    continue;
                }
                all.add(name);
                RegisteredDomain split = RegisteredDomain.of(name);
                byDomain.computeIfAbsent(split.registered(), d -> new TunnelWindow()).add(split.subdomain(), "A");
                names++;
            }
        }
        long splitMicros = (System.nanoTime() - started) / 1_000;
        TunnelRules rules = TunnelRules.DEFAULT;
        int judged = 0;
        List<String> flagged = new ArrayList<>();
        for (Map.Entry<String, TunnelWindow> entry : byDomain.entrySet()) {
            if (entry.getValue().distinctSubdomains() >= rules.minDistinct()) {
                judged++;
            }
            TunnelRules.Judgement judgement = rules.judge(entry.getValue());
            if (judgement.tunnel()) {
                flagged.add(entry.getKey() + ": " + String.join("; ", judgement.reasons()));
            }
        }
        System.out.printf(Locale.ROOT, "%d names from %d files under %d registered domains (split at %.2f µs a name)%n",
                names, files.size(), byDomain.size(), (double) splitMicros / names);
        System.out.printf(Locale.ROOT, "%d registered domains with at least %d distinct subdomains, each judged as one client's minute%n",
                judged, rules.minDistinct());
        System.out.printf(Locale.ROOT, "flagged as tunnels: %d%n", flagged.size());
        flagged.forEach(line -> System.out.println("  " + line));

        // The same names through the service's detector, as one client asking all of them within one minute: what the
        // streams would flag (names under 20 characters are not looked at), and its cost per name.
        TunnelDetector detector = new TunnelDetector(rules);
        TunnelDetector.Client client = new TunnelDetector.Client(null, null, "192.0.2.1");
        UUID account = UUID.randomUUID();
        Instant minute = Instant.parse("2026-12-04T10:00:00Z");
        List<String> found = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            detector = new TunnelDetector(rules);
            found.clear();
            long start = System.nanoTime();
            for (String name : all) {
                detector.observe(account, client, name, "A", minute).ifPresent(s -> found.add(s.registeredDomain() + ": "
                        + String.join("; ", s.reasons())));
            }
            System.out.printf(Locale.ROOT, "detector, round %d: %.3f µs a name (%d names), %d registered domains flagged%n", round + 1,
                    (System.nanoTime() - start) / 1_000.0 / all.size(), all.size(), found.size());
        }
        found.forEach(line -> System.out.println("  " + line));
    }
}
