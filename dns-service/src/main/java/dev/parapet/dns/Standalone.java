package dev.parapet.dns;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import dev.parapet.dns.index.DomainSet;

/**
 * Standalone mode, for benchmarks beside other resolvers: no Kafka at all; one block list read from a
 * file (a domain per line, hosts-file lines and comments allowed) blocks for every client in
 * {@code clients}, everyone else is refused. Enabled by setting {@code blocklist}.
 *
 * @param blocklist the list file; empty: not standalone (the normal, Kafka-configured service)
 * @param clients   the source ranges served, as one location
 */
@ConfigurationProperties("parapet.dns.standalone")
public record Standalone(@DefaultValue("") String blocklist, @DefaultValue("127.0.0.0/8") List<String> clients) {

    /** The Spring condition under which the Kafka-fed parts (credential checks) exist. */
    public static final String NOT_STANDALONE = "'${parapet.dns.standalone.blocklist:}' == ''";

    public boolean enabled() {
        return !blocklist.isBlank();
    }

    /** The list being read ahead of the context, by path; at most one. */
    private static volatile Preloaded preloaded;

    private record Preloaded(String path, java.util.concurrent.CompletableFuture<DomainSet> list) {
    }

    /**
     * Starts reading a standalone list on a thread of its own as soon as its path is known (the environment is
     * prepared, before the context), so that the read overlaps the context's start instead of following it;
     * {@link #load} then takes the result. Nothing for an empty path (the normal, Kafka-configured service).
     */
    public static void preload(String path) {
        if (path == null || path.isBlank() || preloaded != null) {
            return;
        }
        java.util.concurrent.CompletableFuture<DomainSet> list = new java.util.concurrent.CompletableFuture<>();
        preloaded = new Preloaded(path, list);
        Thread reader = new Thread(() -> {
            try {
                list.complete(read(Path.of(path)));
            } catch (IOException | RuntimeException e) {
                list.completeExceptionally(e);
            }
        }, "standalone-list");
        reader.setDaemon(true);
        reader.start();
    }

    /** Reads the list: lower-cased, hosts-file addresses and comments dropped, one fingerprint per domain. */
    public DomainSet load() throws IOException {
        Preloaded ahead = preloaded;
        if (ahead != null && ahead.path().equals(blocklist)) {
            try {
                return ahead.list().join();
            } catch (java.util.concurrent.CompletionException e) {
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                throw e;
            }
        }
        return read(Path.of(blocklist));
    }

    private static DomainSet read(Path file) throws IOException {
        DomainSet.Builder builder = DomainSet.builder(1 << 16);
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                int hash = line.indexOf('#');
                String text = (hash >= 0 ? line.substring(0, hash) : line).strip();
                if (text.isEmpty()) {
                    continue;
                }
                int start = text.length();
                while (start > 0 && !Character.isWhitespace(text.charAt(start - 1))) {
                    start--; // the last field: the domain of a hosts-file line, or the whole line
                }
                String domain = text.substring(start).toLowerCase(Locale.ROOT);
                if (domain.endsWith(".")) {
                    domain = domain.substring(0, domain.length() - 1);
                }
                builder.add(domain);
            }
        }
        return builder.build();
    }
}
