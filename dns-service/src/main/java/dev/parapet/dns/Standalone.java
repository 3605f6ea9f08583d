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

    /** Reads the list: lower-cased, hosts-file addresses and comments dropped, one fingerprint per domain. */
    public DomainSet load() throws IOException {
        Path file = Path.of(blocklist);
        DomainSet.Builder builder = DomainSet.builder(1 << 16);
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                int hash = line.indexOf('#');
                String text = (hash >= 0 ? line.substring(0, hash) : line).strip();
                if (text.isEmpty()) {
                    continue;
                }
                String[] fields = text.split("\\s+");
                String domain = fields[fields.length - 1].toLowerCase(Locale.ROOT);
                if (domain.endsWith(".")) {
                    domain = domain.substring(0, domain.length() - 1);
                }
                builder.add(domain);
            }
        }
        return builder.build();
    }
}
