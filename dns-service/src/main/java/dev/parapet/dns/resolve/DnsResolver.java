package dev.parapet.dns.resolve;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.springframework.stereotype.Component;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNAMERecord;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

import dev.parapet.dns.DnsProperties;
import dev.parapet.dns.pages.Allowances;
import dev.parapet.dns.pages.BlockNotices;
import dev.parapet.dns.policy.CategoryBits;
import dev.parapet.dns.policy.CategoryState;
import dev.parapet.dns.policy.ResolverState;
import dev.parapet.dns.policy.Snapshot;
import dev.parapet.dns.policy.Verdict;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;
import dev.parapet.schemas.v1.verdicts.Reason;
import dev.parapet.schemas.v1.verdicts.Transport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Answers one DNS query, whatever the transport. In order: a packet that is not a query gets FORMERR
 * (or nothing); over UDP the source's rate limit applies; the asker is the agent (DoH) or the location
 * whose range holds the source address, and nobody else is served (REFUSED: never an open resolver);
 * the account's snapshot decides; a stopped name gets the block or warning page's address, other names
 * are resolved (from the cache or the upstreams) and the answer checked: an address in an IP exception
 * lifts a block, a CNAME to a stopped name stops the query. Every answered query of an account gives a
 * verdict, logged as the account's log settings say. Never throws.
 */
@Component
public class DnsResolver {

    /** The largest UDP answer without EDNS (RFC 1035). */
    public static final int CLASSIC_UDP_SIZE = 512;
    /** The EDNS payload size this resolver advertises and honours at most (DNS flag day 2020). */
    public static final int EDNS_UDP_SIZE = 1232;
    /** A DNS message over TCP or HTTPS. */
    public static final int STREAM_SIZE = 65_535;
    /** RFC 8914: Filtered (by the organisation's policy) as opposed to Blocked (by the list). */
    private static final int EDE_FILTERED = 17;
    private static final long SAFESEARCH_TTL = 300;

    private final ResolverState state;
    private final CategoryState categories;
    private final CategoryBits bits;
    private final DnsProperties properties;
    private final Upstreams upstreams;
    private final AnswerCache cache;
    private final RateLimiter rateLimiter;
    private final VerdictLog verdicts;
    private final BlockNotices notices;
    private final Allowances allowances;
    private final InetAddress blockPageIpv4;
    private final InetAddress blockPageIpv6;
    private final Counter refused;
    private final Counter malformed;
    private final Counter stopped;
    private final Counter answered;
    private final java.util.Map<Verdict, String> explanations = new java.util.concurrent.ConcurrentHashMap<>();

    public DnsResolver(ResolverState state, CategoryState categories, CategoryBits bits, DnsProperties properties,
                       Upstreams upstreams, AnswerCache cache, RateLimiter rateLimiter, VerdictLog verdicts,
                       BlockNotices notices, Allowances allowances, MeterRegistry meters) throws UnknownHostException {
        this.state = state;
        this.categories = categories;
        this.bits = bits;
        this.properties = properties;
        this.upstreams = upstreams;
        this.cache = cache;
        this.rateLimiter = rateLimiter;
        this.verdicts = verdicts;
        this.notices = notices;
        this.allowances = allowances;
        this.blockPageIpv4 = InetAddress.getByName(properties.blockPageIpv4());
        this.blockPageIpv6 = InetAddress.getByName(properties.blockPageIpv6());
        this.refused = meters.counter("parapet.dns.queries", "outcome", "refused");
        this.malformed = meters.counter("parapet.dns.queries", "outcome", "malformed");
        this.stopped = meters.counter("parapet.dns.queries", "outcome", "stopped");
        this.answered = meters.counter("parapet.dns.queries", "outcome", "answered");
        notices.fallback(this::noticeFor);
    }

    /** One query on its way through: what the listener gave, and what has been decided so far. */
    private record Query(byte[] wire, Message message, Record question, String name, byte[] nameBytes, Client client,
                         Snapshot snapshot, Snapshot.Attribution who, int maxSize, long startedNanos) {
    }

    /** An upstream (or cached) answer, with its age for counting TTLs down; answer null: no upstream answered. */
    private record Resolved(Message answer, long ageSeconds, AnswerCache.Entry entry) {

        boolean cached() {
            return entry != null;
        }
    }

    /** The answer to send back, or null to send nothing (a packet too broken to answer, or rate-limited). */
    public CompletionStage<byte[]> answer(byte[] packet, Client client) {
        long started = System.nanoTime();
        try {
            return answer(packet, client, started).exceptionally(failure -> headerOnly(packet, Rcode.SERVFAIL));
        } catch (RuntimeException e) {
            malformed.increment();
            return CompletableFuture.completedFuture(headerOnly(packet, Rcode.FORMERR));
        }
    }

    private CompletionStage<byte[]> answer(byte[] packet, Client client, long started) {
        Message message;
        try {
            message = new Message(packet);
        } catch (IOException | RuntimeException e) {
            malformed.increment();
            return done(headerOnly(packet, Rcode.FORMERR));
        }
        Header header = message.getHeader();
        if (header.getFlag(Flags.QR)) {
            malformed.increment();
            return done(null);
        }
        Record question = message.getQuestion();
        if (header.getOpcode() != Opcode.QUERY || question == null || header.getCount(Section.QUESTION) != 1
                || header.getCount(Section.ANSWER) != 0) {
            malformed.increment();
            return done(response(message, Rcode.FORMERR, List.of()).toWire(CLASSIC_UDP_SIZE));
        }
        int maxSize = client.transport() != Transport.UDP ? STREAM_SIZE
                : message.getOPT() == null ? CLASSIC_UDP_SIZE
                : Math.max(CLASSIC_UDP_SIZE, Math.min(EDNS_UDP_SIZE, message.getOPT().getPayloadSize()));
        if (client.transport() == Transport.UDP) {
            switch (rateLimiter.decide(client.address())) {
                case DROP -> {
                    return done(null);
                }
                case SLIP -> {
                    Message slip = response(message, Rcode.NOERROR, List.of());
                    slip.getHeader().setFlag(Flags.TC);
                    return done(slip.toWire(maxSize));
                }
                case ANSWER -> { }
            }
        }
        Snapshot snapshot = state.snapshot();
        Optional<Snapshot.Attribution> who = client.location() != null ? Optional.of(client.location())
                : client.agent() != null
                ? Optional.of(new Snapshot.Attribution(client.agent().accountId(), null, client.agent().agentId(), client.userEmail(),
                        client.directoryGroups()))
                : snapshot.locate(client.address());
        if (who.isEmpty()) {
            refused.increment();
            return done(response(message, Rcode.REFUSED, List.of()).toWire(maxSize));
        }
        String name = normalised(question.getName());
        Query query = new Query(packet, message, question, name, name.getBytes(StandardCharsets.US_ASCII), client, snapshot,
                who.get(), maxSize, started);
        Verdict verdict = snapshot.decide(query.who(), query.nameBytes(), query.nameBytes().length);
        return switch (verdict.action()) {
            case BLOCK, WARN -> stoppedUnlessExcepted(query, verdict);
            case SAFESEARCH -> safeSearch(query, verdict);
            case BYPASS, ALLOW, CONTINUED -> resolveAndCheck(query, verdict);
        };
    }

    /** The name as policies see it: lower case, no trailing dot, the root as "". */
    private static String normalised(Name name) {
        String text = name.toString(true).toLowerCase(Locale.ROOT);
        return ".".equals(text) ? "" : text;
    }

    /** A stopped name: the page's address, unless the client continued past a warning or an IP exception applies. */
    private CompletionStage<byte[]> stoppedUnlessExcepted(Query query, Verdict verdict) {
        if (state.grants().find(query.who().accountId(), query.who().userEmail(), query.who().agentId(), query.client().addressText(),
                query.name(), Instant.now()).isPresent()) {
            // An approved access request: allowed for this requester until it ends (the policy stays in the verdict's log).
            return resolveAndCheck(query, verdict.with(Verdict.Action.ALLOW, Reason.ACCESS_REQUEST));
        }
        if (verdict.action() == Verdict.Action.WARN
                && allowances.allows(query.who().accountId(), query.client().addressText(), query.name())) {
            return resolveAndCheck(query, verdict.with(Verdict.Action.CONTINUED, verdict.reason()));
        }
        if (!query.snapshot().hasIpExceptions(query.who())) {
            return done(stop(query, verdict));
        }
        return resolve(query.question(), query.name()).thenApply(resolved -> resolved.answer() != null && anyExcepted(query, resolved.answer())
                ? respond(query, verdict.with(Verdict.Action.ALLOW, Reason.IP_EXCEPTION), resolved, List.of())
                : stop(query, verdict));
    }

    /** Resolves the name, then checks the answer's CNAMEs (unless an exception or an Allow List decided). */
    private CompletionStage<byte[]> resolveAndCheck(Query query, Verdict verdict) {
        return resolve(query.question(), query.name()).thenApply(resolved -> {
            if (resolved.answer() == null) {
                return respond(query, verdict, resolved, List.of());
            }
            if (verdict.action() == Verdict.Action.ALLOW && verdict.reason() == Reason.DEFAULT_ALLOW) {
                Verdict target = stoppedTarget(query, resolved.answer());
                if (target != null && !anyExcepted(query, resolved.answer())) {
                    return stop(query, target.with(target.action(), Reason.CNAME_BLOCKED));
                }
            }
            return respond(query, verdict, resolved, List.of());
        });
    }

    /** The verdict that stops a name the answer's CNAME or DNAME records lead to, or null. */
    private Verdict stoppedTarget(Query query, Message answer) {
        for (Record record : answer.getSection(Section.ANSWER)) {
            Name target = record instanceof CNAMERecord cname ? cname.getTarget()
                    : record instanceof DNAMERecord dname ? dname.getTarget() : null;
            if (target != null) {
                byte[] bytes = normalised(target).getBytes(StandardCharsets.US_ASCII);
                Verdict verdict = query.snapshot().decideTarget(query.who(), bytes, bytes.length);
                if (verdict.stops() && !(verdict.action() == Verdict.Action.WARN && allowances.allows(
                        query.who().accountId(), query.client().addressText(), query.name()))) {
                    return verdict;
                }
            }
        }
        return null;
    }

    private boolean anyExcepted(Query query, Message answer) {
        for (Record record : answer.getSection(Section.ANSWER)) {
            InetAddress address = record instanceof ARecord a ? a.getAddress()
                    : record instanceof AAAARecord aaaa ? aaaa.getAddress() : null;
            if (address != null && query.snapshot().ipExcepted(query.who(), address)) {
                return true;
            }
        }
        return false;
    }

    /** SafeSearch: a CNAME from the asked name to the engine's safe host, and the safe host's own answer. */
    private CompletionStage<byte[]> safeSearch(Query query, Verdict verdict) {
        Name safe;
        try {
            safe = Name.fromString(verdict.safeSearchHost() + ".");
        } catch (TextParseException e) {
            return resolveAndCheck(query, verdict.with(Verdict.Action.ALLOW, Reason.DEFAULT_ALLOW));
        }
        Record safeQuestion = Record.newRecord(safe, query.question().getType(), query.question().getDClass());
        return resolve(safeQuestion, verdict.safeSearchHost()).thenApply(resolved -> {
            List<Record> prefix = List.of(new CNAMERecord(query.question().getName(), query.question().getDClass(),
                    SAFESEARCH_TTL, safe));
            return respond(query, verdict, resolved, prefix);
        });
    }

    /** @param name the question's name, normalised (the cache key) */
    private CompletionStage<Resolved> resolve(Record question, String name) {
        String key = AnswerCache.key(name, question.getType(), question.getDClass());
        AnswerCache.Entry entry = cache.get(key);
        if (entry != null) {
            return CompletableFuture.completedFuture(new Resolved(entry.answer(), entry.ageSeconds(System.nanoTime()), entry));
        }
        if (!upstreams.any()) {
            return CompletableFuture.completedFuture(new Resolved(null, 0, null));
        }
        Message upstreamQuery = Message.newQuery(question);
        upstreamQuery.addRecord(new OPTRecord(EDNS_UDP_SIZE, 0, 0), Section.ADDITIONAL);
        return upstreams.send(upstreamQuery).thenApply(answer -> {
            if (answer != null) {
                cache.put(key, answer);
            }
            return new Resolved(answer, 0, null);
        });
    }

    /** The answer for a resolved query: the upstream's records (TTLs counted down), after any prefix. */
    private byte[] respond(Query query, Verdict verdict, Resolved resolved, List<Record> prefix) {
        answered.increment();
        if (resolved.entry() != null && prefix.isEmpty()) {
            byte[] fast = fromCache(query, resolved);
            if (fast != null) {
                log(query, verdict, resolved.answer().getRcode(), true);
                return fast;
            }
        }
        if (resolved.answer() == null) {
            byte[] wire = response(query.message(), Rcode.SERVFAIL, List.of()).toWire(query.maxSize());
            log(query, verdict, Rcode.SERVFAIL, false);
            return wire;
        }
        Message upstream = resolved.answer();
        Message response = response(query.message(), upstream.getRcode(), List.of());
        for (Record record : prefix) {
            response.addRecord(record, Section.ANSWER);
        }
        copyAged(upstream, resolved.ageSeconds(), response);
        log(query, verdict, upstream.getRcode(), resolved.cached());
        return response.toWire(query.maxSize());
    }

    /**
     * A cached answer as bytes: the entry's response rendered for this age (once per second), with this
     * query's id, RD flag and question (the client's own letter case) copied in; null when it would
     * not fit the client's size, so that the general path truncates it.
     */
    private byte[] fromCache(Query query, Resolved resolved) {
        boolean edns = query.message().getOPT() != null;
        Message upstream = resolved.answer();
        byte[] rendered = resolved.entry().rendered(resolved.ageSeconds(), edns, (age, withEdns) -> {
            Message response = new Message(0);
            Header header = response.getHeader();
            header.setFlag(Flags.QR);
            header.setFlag(Flags.RA);
            header.setRcode(upstream.getRcode());
            response.addRecord(query.question(), Section.QUESTION);
            copyAged(upstream, age, response);
            if (withEdns) {
                response.addRecord(new OPTRecord(EDNS_UDP_SIZE, 0, 0), Section.ADDITIONAL);
            }
            return response.toWire(STREAM_SIZE);
        });
        byte[] packet = query.wire();
        int questionEnd = nameEnd(packet, Header.LENGTH);
        if (rendered.length > query.maxSize() || questionEnd < 0 || questionEnd > rendered.length
                || (rendered[2] & 0x02) != 0) {
            return null;
        }
        byte[] wire = rendered.clone();
        wire[0] = packet[0];
        wire[1] = packet[1];
        wire[2] = (byte) ((wire[2] & 0xFE) | (packet[2] & 0x01)); // RD as asked
        System.arraycopy(packet, Header.LENGTH, wire, Header.LENGTH, questionEnd - Header.LENGTH);
        return wire;
    }

    /** The upstream's records (but its OPT) into a response, their TTLs counted down by the answer's age. */
    private static void copyAged(Message upstream, long ageSeconds, Message response) {
        for (int section : new int[] {Section.ANSWER, Section.AUTHORITY, Section.ADDITIONAL}) {
            for (Record record : upstream.getSection(section)) {
                if (record.getType() != Type.OPT) {
                    long ttl = Math.max(0, record.getTTL() - ageSeconds);
                    response.addRecord(ttl == record.getTTL() ? record : withTtl(record, ttl), section);
                }
            }
        }
    }

    /** Where an uncompressed name that starts at {@code offset} ends, or -1 if it does not end well. */
    private static int nameEnd(byte[] packet, int offset) {
        int at = offset;
        while (at < packet.length) {
            int length = packet[at] & 0xff;
            if (length == 0) {
                return at + 1;
            }
            if (length > 63) {
                return -1;
            }
            at += length + 1;
        }
        return -1;
    }

    /** The record with another TTL (dnsjava keeps that setter to itself; the canonical rdata only lower-cases names). */
    private static Record withTtl(Record record, long ttl) {
        return Record.newRecord(record.getName(), record.getType(), record.getDClass(), ttl, record.rdataToWireCanonical());
    }

    /** The answer for a stopped query: the page's address for A and AAAA, NODATA otherwise, with an Extended DNS Error. */
    private byte[] stop(Query query, Verdict verdict) {
        stopped.increment();
        Record question = query.question();
        boolean warn = verdict.action() == Verdict.Action.WARN;
        boolean edns = query.message().getOPT() != null;
        Message answer = response(query.message(), Rcode.NOERROR, edns
                ? List.of(new ExtendedErrorCodeOption(errorCode(verdict), explanation(verdict))) : List.of());
        long ttl = (warn ? properties.warnedTtl() : properties.blockedTtl()).toSeconds();
        boolean page = false;
        if (question.getType() == Type.A && question.getDClass() == DClass.IN) {
            answer.addRecord(new ARecord(question.getName(), DClass.IN, ttl, blockPageIpv4), Section.ANSWER);
            page = true;
        } else if (question.getType() == Type.AAAA && question.getDClass() == DClass.IN) {
            answer.addRecord(new AAAARecord(question.getName(), DClass.IN, ttl, blockPageIpv6), Section.ANSWER);
            page = true;
        }
        if (page && query.client().transport() == Transport.DOH) {
            // Only A and AAAA lead a browser to the page, which then needs to know why. A port-53 client is
            // known by its address, so the page asks the resolver again (noticeFor); an agent's is not.
            notices.recordIfNew(query.client().addressText(), query.name(), verdict.policyName(), () -> new BlockNotices.Notice(
                    warn ? BlockNotices.Kind.WARNED : BlockNotices.Kind.BLOCKED, query.who().accountId(),
                    query.client().addressText(), query.name(), explanation(verdict), verdict.policyName(),
                    categoryNames(verdict.categories()), Instant.now(), query.who().userEmail(), query.who().agentId(),
                    query.who().locationId()));
        }
        log(query, verdict, Rcode.NOERROR, false);
        return answer.toWire(query.maxSize());
    }

    /** The notice for a port-53 client's name, decided again from the current snapshot. */
    private Optional<BlockNotices.Notice> noticeFor(String client, String name) {
        if (!client.matches("[0-9a-fA-F:.]{2,45}")) {
            return Optional.empty(); // an address literal only: never a name to look up
        }
        try {
            Snapshot snapshot = state.snapshot();
            Optional<Snapshot.Attribution> who = snapshot.locate(InetAddress.getByName(client));
            if (who.isEmpty()) {
                return Optional.empty();
            }
            byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
            Verdict verdict = snapshot.decide(who.get(), bytes, bytes.length);
            if (!verdict.stops()) {
                return Optional.empty();
            }
            return Optional.of(new BlockNotices.Notice(verdict.action() == Verdict.Action.WARN ? BlockNotices.Kind.WARNED
                    : BlockNotices.Kind.BLOCKED, who.get().accountId(), client, name, explanation(verdict), verdict.policyName(),
                    categoryNames(verdict.categories()), Instant.now(), null, null, who.get().locationId()));
        } catch (UnknownHostException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static int errorCode(Verdict verdict) {
        return verdict.reason() == Reason.BLOCK_LIST || verdict.reason() == Reason.CNAME_BLOCKED && verdict.categories() == 0
                ? ExtendedErrorCodeOption.BLOCKED : EDE_FILTERED;
    }

    /** The Extended DNS Error's text and the page's reason, made once per distinct verdict. */
    private String explanation(Verdict verdict) {
        String text = explanations.get(verdict);
        if (text != null) {
            return text;
        }
        List<String> names = categoryNames(verdict.categories());
        text = (verdict.action() == Verdict.Action.WARN ? "Warned" : "Blocked") + " by Parapet policy '" + verdict.policyName() + "'"
                + (names.isEmpty() ? " (Block List)" : " (category: " + String.join(", ", names) + ")")
                + (verdict.reason() == Reason.CNAME_BLOCKED ? ", via CNAME" : "");
        if (explanations.size() > 10_000) {
            explanations.clear();
        }
        explanations.put(verdict, text);
        return text;
    }

    private List<String> categoryNames(long mask) {
        if (mask == 0) {
            return List.of();
        }
        return bits.idsOf(mask).stream().map(id -> categories.catalogue().categoryNames().getOrDefault(id, id)).toList();
    }

    private void log(Query query, Verdict verdict, int rcode, boolean cached) {
        if (!verdict.logged() || !verdicts.enabled()) {
            return;
        }
        long categoryBits = verdict.categories() != 0 ? verdict.categories()
                : query.snapshot().categoriesOf(query.nameBytes(), query.nameBytes().length);
        Snapshot.Attribution who = query.who();
        verdicts.offer(DnsVerdict.newBuilder()
                .setEventId(UUID.randomUUID())
                .setOccurredAt(Instant.now())
                .setAccountId(who.accountId())
                .setLocationId(who.locationId())
                .setAgentId(who.agentId())
                .setUserEmail(who.userEmail())
                .setClientAddress(query.client().addressText())
                .setTransport(query.client().transport())
                .setQueryName(query.name())
                .setQueryType(Type.string(query.question().getType()))
                .setAction(actionOf(verdict))
                .setReason(verdict.reason())
                .setPolicyId(verdict.policyId())
                .setCategoryIds(categoryBits == 0 ? List.of() : bits.idsOf(categoryBits))
                .setResponseCode(Rcode.string(rcode))
                .setLatencyMicros((int) Math.min(Integer.MAX_VALUE, (System.nanoTime() - query.startedNanos()) / 1_000))
                .setCached(cached)
                .build());
    }

    private static Action actionOf(Verdict verdict) {
        return switch (verdict.action()) {
            case BLOCK -> Action.BLOCKED;
            case WARN -> Action.WARNED;
            case CONTINUED -> Action.ALLOWED_AFTER_WARNING;
            case SAFESEARCH -> Action.SAFESEARCH_REWRITTEN;
            case ALLOW, BYPASS -> Action.ALLOWED;
        };
    }

    /** A response to the query; with EDNS (and its options, such as an Extended DNS Error) only if the query had EDNS. */
    private static Message response(Message query, int rcode, List<EDNSOption> options) {
        Message response = new Message(query.getHeader().getID());
        Header header = response.getHeader();
        header.setFlag(Flags.QR);
        header.setOpcode(query.getHeader().getOpcode());
        if (query.getHeader().getFlag(Flags.RD)) {
            header.setFlag(Flags.RD);
        }
        header.setFlag(Flags.RA);
        header.setRcode(rcode);
        Record question = query.getQuestion();
        if (question != null) {
            response.addRecord(question, Section.QUESTION);
        }
        if (query.getOPT() != null) {
            response.addRecord(new OPTRecord(EDNS_UDP_SIZE, 0, 0, 0, new ArrayList<>(options)), Section.ADDITIONAL);
        }
        return response;
    }

    /** A bare response (FORMERR, SERVFAIL) echoing the id, if at least the 12-byte header of a query arrived; else nothing. */
    private static byte[] headerOnly(byte[] packet, int rcode) {
        if (packet.length < Header.LENGTH || (packet[2] & 0x80) != 0) {
            return null;
        }
        Message response = new Message(((packet[0] & 0xff) << 8) | (packet[1] & 0xff));
        response.getHeader().setFlag(Flags.QR);
        response.getHeader().setRcode(rcode);
        return response.toWire();
    }

    private static CompletionStage<byte[]> done(byte[] answer) {
        return CompletableFuture.completedFuture(answer);
    }
}
