package dev.parapet.settings.policies;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.springframework.core.ResolvableType;
import org.springframework.core.codec.StringDecoder;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.MediaType;

import dev.parapet.kit.problem.Problems;
import dev.parapet.settings.Inputs;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Reads a text list of domains as it arrives, line by line, never holding the whole text: one
 * domain per line, or hosts-file lines ({@code 0.0.0.0 example.com}); blank lines and lines starting
 * with {@code #} or {@code !} are skipped, as is anything after {@code #} on a line. Each bad line
 * is kept with its number and reason (the first {@link #MAX_REPORTED}); the good ones are
 * normalised and de-duplicated.
 */
public final class DomainListImport {

    public static final int MAX_REPORTED = 1_000;
    /** Longer lines are refused (by the decoder, and per line): no domain needs this many characters. */
    static final int MAX_LINE_BYTES = 4_096;

    /** The outcome of reading a list. */
    public static final class Result {
        private final Set<String> domains = new LinkedHashSet<>();
        private final List<PolicyJson.RejectedLine> rejected = new ArrayList<>();
        private final int limit;
        private long bytes;
        private long lines;
        private long duplicates;
        private long rejectedCount;
        private boolean overLimit;

        Result(int limit) {
            this.limit = limit;
        }

        void line(String raw) {
            if (raw.length() > MAX_LINE_BYTES
                    || (raw.length() > MAX_LINE_BYTES / 3 && raw.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_LINE_BYTES)) {
                // The decoder only counts bytes it has to hold across buffers; a long line inside one
                // buffer reaches us whole, so the bound is checked here too.
                throw new DataBufferLimitException("line longer than " + MAX_LINE_BYTES);
            }
            lines++;
            Optional<Inputs.Normalised> parsed = parse(raw);
            if (parsed.isEmpty()) {
                return;
            }
            Inputs.Normalised entry = parsed.get();
            if (entry.value().isPresent()) {
                String domain = entry.value().get();
                if (!domains.contains(domain) && (domains.size() >= limit
                        || bytes + domain.length() + 2 > dev.parapet.settings.policies.PolicyDecisions.MAX_LIST_BYTES)) {
                    overLimit = true;
                } else if (domains.add(domain)) {
                    bytes += domain.length() + 2;
                } else {
                    duplicates++;
                }
            } else {
                rejectedCount++;
                if (rejected.size() < MAX_REPORTED) {
                    String shown = raw.length() > 100 ? raw.substring(0, 100) + "…" : raw;
                    rejected.add(new PolicyJson.RejectedLine(lines, shown.strip(), entry.error().orElse("not a domain")));
                }
            }
        }

        public List<String> domains() {
            return List.copyOf(domains);
        }

        public long lines() {
            return lines;
        }

        public long duplicates() {
            return duplicates;
        }

        public long rejectedCount() {
            return rejectedCount;
        }

        public List<PolicyJson.RejectedLine> rejected() {
            return rejected;
        }

        /** More distinct domains (or more bytes of them) arrived than one record may hold. */
        public boolean overLimit() {
            return overLimit;
        }
    }

    private DomainListImport() {
    }

    /** One line: empty for a blank line or a comment, else the normalised domain or why it is not one. */
    public static Optional<Inputs.Normalised> parse(String raw) {
        String line = raw;
        int comment = line.indexOf('#');
        if (comment >= 0) {
            line = line.substring(0, comment);
        }
        line = line.strip();
        if (line.isEmpty() || line.startsWith("!")) {
            return Optional.empty();
        }
        String[] fields = line.split("\\s+");
        if (fields.length == 2 && (fields[0].equals("0.0.0.0") || fields[0].equals("127.0.0.1") || fields[0].equals("::"))) {
            line = fields[1];
        } else if (fields.length > 1) {
            return Optional.of(new Inputs.Normalised(Optional.empty(),
                    Optional.of("has more than one field (expected a domain, or a hosts line such as '0.0.0.0 example.com')")));
        }
        return Optional.of(Inputs.domain(line));
    }

    /** Reads the body as it streams in, keeping at most {@code limit} distinct domains. */
    public static Mono<Result> read(Flux<DataBuffer> body, int limit) {
        StringDecoder decoder = StringDecoder.textPlainOnly(List.of("\n"), true);
        decoder.setMaxInMemorySize(MAX_LINE_BYTES);
        Result read = new Result(limit);
        return decoder.decode(body, ResolvableType.forClass(String.class), MediaType.TEXT_PLAIN, Map.of())
                .reduce(read, (result, line) -> {
                    result.line(line);
                    return result;
                })
                // A line too long for any domain is a client's mistake (or an attack), not a server error.
                .onErrorMap(DataBufferLimitException.class, e -> Problems.badRequest("Line " + (read.lines() + 1)
                        + " is longer than " + MAX_LINE_BYTES + " bytes: no domain or hosts line is; the import was not applied."));
    }
}
