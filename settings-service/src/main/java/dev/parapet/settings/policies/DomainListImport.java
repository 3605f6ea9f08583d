package dev.parapet.settings.policies;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.springframework.core.ResolvableType;
import org.springframework.core.codec.StringDecoder;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.MediaType;

import com.google.common.net.InetAddresses;

import dev.parapet.kit.problem.Problems;
import dev.parapet.settings.Inputs;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Reads a text list of domains as it arrives, line by line, never holding the whole text: one domain a
 * line, or hosts-file lines ({@code IP name [name...]}, as AdGuard Home, Blocky and Pi-hole read them);
 * blank lines and lines starting with {@code #} or {@code !} are skipped, as is anything after
 * {@code #} on a line. Every name is normalised and checked by {@link ListEntries}; what happened to
 * each name that was not simply kept is reported with its line number (the first {@link #MAX_REPORTED}
 * of each kind): refused (an error), skipped (a hosts file's name for the machine itself) or kept with
 * a warning. The kept names are de-duplicated.
 */
public final class DomainListImport {

    public static final int MAX_REPORTED = 1_000;
    /** Longer lines are refused (by the decoder, and per line): no domain needs this many characters. */
    static final int MAX_LINE_BYTES = 4_096;

    /**
     * The names hosts files give the machine itself and its network (the defaults of Linux
     * distributions, macOS and Windows): skipped, as the blockers that read hosts files skip them, so
     * that a hosts file imports cleanly. An IP address where a name should be is skipped too.
     */
    static final Set<String> LOCAL_HOSTS_NAMES = Set.of("localhost", "localhost.localdomain", "local", "broadcasthost",
            "ip6-localhost", "ip6-loopback", "ip6-localnet", "ip6-mcastprefix", "ip6-allnodes", "ip6-allrouters", "ip6-allhosts",
            "0.0.0.0");

    static final String EMPTY = "The body is empty: send the list as text/plain, one domain per line.";

    /** One name of a line and what became of it. */
    public sealed interface Entry {
        /** Kept: the normalised name, how it fared ({@code ACCEPTED}, {@code WARNED} or {@code CONFIRMED}) and why. */
        record Kept(String domain, ListEntries.Outcome outcome, String note) implements Entry {
        }

        /** Refused: an error in the list; the reason names the name when the line holds several. */
        record Refused(String reason) implements Entry {
        }

        /** Skipped: a hosts file's name for the machine itself or an address; not an error. */
        record Skipped(String reason) implements Entry {
        }
    }

    /** What a line is. */
    public enum Kind {
        BLANK, COMMENT, NAMES
    }

    /** One line: blank, a comment, or the entries it holds. */
    public record Line(Kind kind, List<Entry> entries) {
        static final Line BLANK = new Line(Kind.BLANK, List.of());
        static final Line COMMENT = new Line(Kind.COMMENT, List.of());

        static Line of(Entry... entries) {
            return new Line(Kind.NAMES, List.of(entries));
        }
    }

    /** Lines of one kind in a report: the first {@link #MAX_REPORTED} shown, all counted. */
    private static final class Reported {
        final List<PolicyJson.ReportedLine> shown = new ArrayList<>();
        long count;

        void add(long line, String raw, String reason) {
            count++;
            if (shown.size() < MAX_REPORTED) {
                String text = raw.length() > 100 ? raw.substring(0, 100) + "…" : raw;
                shown.add(new PolicyJson.ReportedLine(line, text.strip(), reason));
            }
        }
    }

    /** The outcome of reading a list. */
    public static final class Result {
        private final Set<String> domains = new LinkedHashSet<>();
        private final Reported rejected = new Reported();
        private final Reported skipped = new Reported();
        private final Reported warnings = new Reported();
        private final Set<String> confirmed = new TreeSet<>();
        private final ListEntries rules;
        private final int limit;
        private long bytes;
        private long lines;
        private long ignoredLines;
        private boolean content;
        private long duplicates;
        private boolean overLimit;

        Result(ListEntries rules, int limit) {
            this.rules = rules;
            this.limit = limit;
        }

        void line(String raw) {
            if (raw.length() > MAX_LINE_BYTES
                    || (raw.length() > MAX_LINE_BYTES / 3 && raw.getBytes(StandardCharsets.UTF_8).length > MAX_LINE_BYTES)) {
                // The decoder only counts bytes it has to hold across buffers; a long line inside one
                // buffer reaches us whole, so the bound is checked here too.
                throw new DataBufferLimitException("line longer than " + MAX_LINE_BYTES);
            }
            lines++;
            Line line = parse(raw, rules);
            if (line.kind() != Kind.NAMES) {
                ignoredLines++;
                content |= line.kind() == Kind.COMMENT;
                return;
            }
            content = true;
            for (Entry entry : line.entries()) {
                if (entry instanceof Entry.Kept kept) {
                    keep(kept, raw);
                } else if (entry instanceof Entry.Refused refused) {
                    rejected.add(lines, raw, refused.reason());
                } else if (entry instanceof Entry.Skipped skip) {
                    skipped.add(lines, raw, skip.reason());
                }
            }
        }

        private void keep(Entry.Kept kept, String raw) {
            String domain = kept.domain();
            if (!domains.contains(domain) && (domains.size() >= limit || bytes + domain.length() + 2 > PolicyDecisions.MAX_LIST_BYTES)) {
                overLimit = true;
                return;
            }
            if (!domains.add(domain)) {
                duplicates++;
                return;
            }
            bytes += domain.length() + 2;
            if (kept.outcome() == ListEntries.Outcome.WARNED) {
                warnings.add(lines, raw, kept.note());
            } else if (kept.outcome() == ListEntries.Outcome.CONFIRMED) {
                confirmed.add(domain);
            }
        }

        public List<String> domains() {
            return List.copyOf(domains);
        }

        public long lines() {
            return lines;
        }

        /** Blank lines and comments. */
        public long ignoredLines() {
            return ignoredLines;
        }

        /** Whether any line held a name, a would-be name or a comment: a body with none is refused as empty. */
        public boolean hasContent() {
            return content;
        }

        public long duplicates() {
            return duplicates;
        }

        public long rejectedCount() {
            return rejected.count;
        }

        public List<PolicyJson.ReportedLine> rejected() {
            return rejected.shown;
        }

        public long skippedCount() {
            return skipped.count;
        }

        public List<PolicyJson.ReportedLine> skipped() {
            return skipped.shown;
        }

        public long warningCount() {
            return warnings.count;
        }

        public List<PolicyJson.ReportedLine> warnings() {
            return warnings.shown;
        }

        /** The suffixes and single labels kept because the request confirmed them, sorted. */
        public List<String> confirmedSuffixes() {
            return List.copyOf(confirmed);
        }

        /** More distinct domains (or more bytes of them) arrived than one record may hold. */
        public boolean overLimit() {
            return overLimit;
        }
    }

    private DomainListImport() {
    }

    /** One line, as {@code rules} judge its names. */
    public static Line parse(String raw, ListEntries rules) {
        String line = raw;
        int comment = line.indexOf('#');
        if (comment >= 0) {
            line = line.substring(0, comment);
        }
        line = line.strip();
        if (line.isEmpty()) {
            return comment >= 0 ? Line.COMMENT : Line.BLANK;
        }
        if (line.startsWith("!")) {
            return Line.COMMENT;
        }
        String[] fields = line.split("\\s+");
        if (fields.length > 1 && InetAddresses.isInetAddress(fields[0])) {
            List<Entry> entries = new ArrayList<>(fields.length - 1);
            for (int i = 1; i < fields.length; i++) {
                entries.add(hostsName(fields[i], rules));
            }
            return new Line(Kind.NAMES, List.copyOf(entries));
        }
        if (fields.length > 1) {
            return Line.of(new Entry.Refused(
                    "has more than one field (expected a domain, or a hosts line such as '0.0.0.0 example.com')"));
        }
        if (InetAddresses.isInetAddress(fields[0])) {
            return Line.of(new Entry.Refused("is an IP address, not a domain name: lists match names"));
        }
        return Line.of(name(fields[0], "", rules));
    }

    /** A name of a hosts line ({@code IP name [name...]}): the machine's own names and addresses are skipped. */
    private static Entry hostsName(String field, ListEntries rules) {
        if (InetAddresses.isInetAddress(field)) {
            return new Entry.Skipped("'" + field + "' is an IP address, not a name");
        }
        Inputs.Normalised normalised = Inputs.domain(field);
        if (normalised.value().isPresent() && LOCAL_HOSTS_NAMES.contains(normalised.value().get())) {
            return new Entry.Skipped("'" + field + "' is a hosts file's name for this machine or its network, not a site");
        }
        return name(field, "'" + field + "' ", rules);
    }

    private static Entry name(String field, String named, ListEntries rules) {
        Inputs.Normalised normalised = Inputs.domain(field);
        if (normalised.value().isEmpty()) {
            return new Entry.Refused(named + normalised.error().orElse("is not a domain"));
        }
        String domain = normalised.value().get();
        ListEntries.Verdict verdict = rules.check(domain);
        if (!verdict.outcome().kept()) {
            return new Entry.Refused(named + verdict.reason());
        }
        return new Entry.Kept(domain, verdict.outcome(), verdict.reason() == null ? null : named + verdict.reason());
    }

    /**
     * Reads the body as it streams in, keeping at most {@code limit} distinct domains; a body with no
     * line holding a name or a comment (no bytes at all, as curl sends for a missing {@code @file}, or
     * only blank lines) is refused as empty.
     */
    public static Mono<Result> read(Flux<DataBuffer> body, ListEntries rules, int limit) {
        return readList(body, rules, limit)
                .flatMap(result -> result.hasContent() ? Mono.just(result) : Mono.error(Problems.badRequest(EMPTY)));
    }

    /**
     * As {@link #read}, but an empty body is a result with nothing in it, not a refusal: for a fetched feed, which
     * nobody sent as a request and whose emptiness is judged with its other failures ({@code FeedOutcome}).
     */
    public static Mono<Result> readList(Flux<DataBuffer> body, ListEntries rules, int limit) {
        StringDecoder decoder = StringDecoder.textPlainOnly(List.of("\n"), true);
        decoder.setMaxInMemorySize(MAX_LINE_BYTES);
        Result read = new Result(rules, limit);
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
