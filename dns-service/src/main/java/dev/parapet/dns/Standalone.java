package dev.parapet.dns;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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

    /**
     * Reads a list file: a domain per line, or hosts-file lines (the last field is the domain), {@code #} comments
     * and blank lines allowed; a trailing dot dropped; case does not matter (the set folds it). Scanned as bytes
     * with the table sized from the file's length, since a million-line list is on the start's critical path; a
     * line holding anything but ASCII is no host name and is skipped.
     */
    static DomainSet read(Path file) throws IOException {
        byte[] text = Files.readAllBytes(file);
        DomainSet.Builder builder = DomainSet.builder(Math.max(16, text.length / 16));
        int line = 0;
        while (line < text.length) {
            int next = line;
            boolean ascii = true;
            int comment = -1;
            while (next < text.length && text[next] != '\n') {
                if (text[next] == '#' && comment < 0) {
                    comment = next;
                }
                ascii &= text[next] >= 0;
                next++;
            }
            int end = comment >= 0 ? comment : next;
            while (end > line && whitespace(text[end - 1])) {
                end--;
            }
            int start = end;
            while (start > line && !whitespace(text[start - 1])) {
                start--; // the last field: the domain of a hosts-file line, or the whole line
            }
            if (end > start && text[end - 1] == '.') {
                end--;
            }
            if (end > start && ascii) {
                builder.add(text, start, end - start);
            }
            line = next + 1;
        }
        return builder.build();
    }

    private static boolean whitespace(byte b) {
        return b == ' ' || b == '\t' || b == '\r' || b == 0x0b || b == '\f';
    }
}
