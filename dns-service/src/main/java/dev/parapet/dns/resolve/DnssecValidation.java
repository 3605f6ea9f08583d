package dev.parapet.dns.resolve;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Function;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Master;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Section;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.Type;
import org.xbill.DNS.dnssec.ValidatingResolver;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * DNSSEC validation (RFC 4033-4035) of the upstreams' answers, by dnsjava's {@link ValidatingResolver}
 * from the configured trust anchors down. The answer to validate is fetched once by {@link Upstreams}
 * (with DO and CD, so that an upstream that validates itself still hands over the records and their
 * signatures); the DNSKEY and DS queries the validator makes on its way down go to the same upstreams
 * with the same failover, and the keys it proves stay in its own cache for their TTL.
 *
 * <p>What comes out, for an answer NOERROR or NXDOMAIN upstream: SECURE has the AD flag; INSECURE (no
 * trust anchor above the name, or a signed parent proving there is no DS) and indeterminate have it
 * cleared; BOGUS becomes SERVFAIL with an Extended DNS Error 6 (DNSSEC Bogus, RFC 8914) and the
 * validator's reason, so that a client learns why. Any other rcode (SERVFAIL, REFUSED) carries no
 * records to prove and passes as it came, AD cleared. The signatures and denial records (RRSIG, NSEC,
 * NSEC3) stay only when the query set DO (RFC 4035 3.2.1). The OPT of what comes out is this
 * resolver's own (payload {@value #EDNS_UDP_SIZE}, DO as asked), never the upstream's.
 */
public final class DnssecValidation {

    /**
     * @param trustAnchors the trust-anchor file, DS or DNSKEY records in zone-file format (the root's:
     *                     deploy/dnssec/root.ds, Debian's /usr/share/dns/root.ds); read once at start.
     *                     Empty: no validation, answers pass as the upstreams gave them
     */
    @ConfigurationProperties("parapet.dns.dnssec")
    public record Properties(@DefaultValue("") String trustAnchors) {

        public boolean enabled() {
            return trustAnchors != null && !trustAnchors.isBlank();
        }
    }

    /** The UDP payload size announced upstream and in the answers' OPT (DNS Flag Day 2020). */
    public static final int EDNS_UDP_SIZE = 1232;

    /** The longest trust-anchor file read: the root's is 200 bytes; anything near this is not one. */
    static final int MAX_ANCHOR_FILE = 64 * 1024;

    /** The longest reason text in an Extended DNS Error: enough for the validator's, small in a UDP answer. */
    static final int MAX_REASON = 160;

    /**
     * The upstream answer fetched for the query the validator is about to send on this thread: the
     * validator's first head query (made synchronously, before anything else, in its sendAsync) takes it
     * instead of asking the upstreams again.
     */
    private static final ThreadLocal<Message> FETCHED = new ThreadLocal<>();

    private final ValidatingResolver validator;
    private final Counter secure;
    private final Counter insecure;
    private final Counter bogus;

    /**
     * @param trustAnchors the anchor file
     * @param upstreams    sends a query to the upstreams with failover; completes with null when every
     *                     upstream failed
     * @throws IllegalArgumentException when the file is missing, unreadable, too large or holds no DS or
     *                                  DNSKEY record (dns-service then refuses to start: validating
     *                                  against nothing would call every answer insecure)
     */
    DnssecValidation(Path trustAnchors, Function<Message, CompletionStage<Message>> upstreams, Duration timeout,
                     MeterRegistry meters) {
        this.validator = new ValidatingResolver(new HeadResolver(upstreams, timeout));
        validator.setAddReasonToAdditional(false);
        loadTrustAnchors(trustAnchors);
        this.secure = meters.counter("parapet.dns.dnssec", "outcome", "secure");
        this.insecure = meters.counter("parapet.dns.dnssec", "outcome", "insecure");
        this.bogus = meters.counter("parapet.dns.dnssec", "outcome", "bogus");
    }

    private void loadTrustAnchors(Path file) {
        String where = "parapet.dns.dnssec.trust-anchors: " + file;
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_ANCHOR_FILE) {
                throw new IllegalArgumentException(where + " is larger than " + MAX_ANCHOR_FILE + " bytes: not a trust-anchor file");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(where + " cannot be read (" + e + ")", e);
        }
        int anchors = 0;
        try (Master master = new Master(new ByteArrayInputStream(bytes), Name.root, 0)) {
            Record record;
            while ((record = master.nextRecord()) != null) {
                if ((record.getType() != Type.DS && record.getType() != Type.DNSKEY) || record.getDClass() != DClass.IN) {
                    throw new IllegalArgumentException(where + ": only IN DS and DNSKEY records are trust anchors, not "
                            + record.getName() + " " + DClass.string(record.getDClass()) + " " + Type.string(record.getType()));
                }
                anchors++;
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(where + " is not zone-file DS/DNSKEY records: " + e.getMessage(), e);
        }
        if (anchors == 0) {
            throw new IllegalArgumentException(where + " holds no DS or DNSKEY record");
        }
        try (InputStream in = new ByteArrayInputStream(bytes)) {
            validator.loadTrustAnchors(in);
        } catch (IOException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    /** The anchors loaded: their owner names (the points validation starts from). */
    List<Name> anchoredNames() {
        return validator.getTrustAnchors().items().stream().map(rrset -> rrset.getName()).distinct().toList();
    }

    /**
     * The query as it goes upstream when validating: DO set (the signatures are wanted) and CD set (an
     * upstream that validates must hand over a bogus answer too, so that the reason reaches the client
     * from here), the caller's OPT kept otherwise.
     */
    static Message upstreamQuery(Message query) {
        Message upstream = query.clone();
        upstream.getHeader().setFlag(Flags.CD);
        OPTRecord opt = upstream.getOPT();
        if (opt != null) {
            upstream.removeRecord(opt, Section.ADDITIONAL);
        }
        upstream.addRecord(opt == null
                ? new OPTRecord(EDNS_UDP_SIZE, 0, 0, ExtendedFlags.DO)
                : new OPTRecord(opt.getPayloadSize(), opt.getExtendedRcode(), opt.getVersion(),
                        opt.getFlags() | ExtendedFlags.DO, opt.getOptions()), Section.ADDITIONAL);
        return upstream;
    }

    /** Whether the query asked for DNSSEC records (DO in its OPT). */
    static boolean dnssecOk(Message query) {
        OPTRecord opt = query.getOPT();
        return opt != null && (opt.getFlags() & ExtendedFlags.DO) != 0;
    }

    /**
     * The answer to {@code query} after validating {@code fetched}, the upstreams' answer to
     * {@link #upstreamQuery}(query). Completes exceptionally when the validator's own queries found
     * no upstream.
     */
    CompletionStage<Message> validate(Message query, Message fetched) {
        boolean dnssecOk = dnssecOk(query);
        if (fetched.getRcode() != Rcode.NOERROR && fetched.getRcode() != Rcode.NXDOMAIN) {
            return CompletableFuture.completedFuture(shaped(query, fetched, false, dnssecOk));
        }
        Message asked = upstreamQuery(query);
        asked.getHeader().unsetFlag(Flags.CD); // the validator sets CD on what it sends; unset here it validates
        CompletionStage<Message> validated;
        FETCHED.set(fetched);
        try {
            validated = validator.sendAsync(asked);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        } finally {
            FETCHED.remove();
        }
        return validated.thenApply(answer -> {
            if (answer.getRcode() == Rcode.SERVFAIL) {
                // Only BOGUS turns a NOERROR or NXDOMAIN answer into SERVFAIL.
                bogus.increment();
                return bogus(query, reasonOf(answer));
            }
            boolean ad = answer.getHeader().getFlag(Flags.AD);
            (ad ? secure : insecure).increment();
            return shaped(query, answer, ad, dnssecOk);
        });
    }

    /** An answer passed without validation (the query set CD): as the upstream gave it, AD cleared. */
    static Message unchecked(Message query, Message fetched) {
        return shaped(query, fetched, false, dnssecOk(query));
    }

    /**
     * The answer with this query's id, the upstream's header flags but AD (set only when {@code ad}), its
     * rcode and records, RRSIG, NSEC and NSEC3 only for a DO query, and an OPT of our own when the query
     * had one.
     */
    static Message shaped(Message query, Message answer, boolean ad, boolean dnssecOk) {
        Message shaped = new Message(query.getHeader().getID());
        Header header = shaped.getHeader();
        for (int flag : new int[] {Flags.QR, Flags.AA, Flags.TC, Flags.RD, Flags.RA, Flags.CD}) {
            if (answer.getHeader().getFlag(flag)) {
                header.setFlag(flag);
            }
        }
        if (ad) {
            header.setFlag(Flags.AD);
        }
        header.setOpcode(answer.getHeader().getOpcode());
        header.setRcode(answer.getRcode() & 0xF);
        if (answer.getQuestion() != null) {
            shaped.addRecord(answer.getQuestion(), Section.QUESTION);
        }
        int asked = query.getQuestion() == null ? -1 : query.getQuestion().getType();
        for (int section : new int[] {Section.ANSWER, Section.AUTHORITY, Section.ADDITIONAL}) {
            for (Record record : answer.getSection(section)) {
                int type = record.getType();
                if (type == Type.OPT || (!dnssecOk && isDnssecRecord(type) && !(section == Section.ANSWER && type == asked))) {
                    continue;
                }
                shaped.addRecord(record, section);
            }
        }
        if (query.getOPT() != null) {
            shaped.addRecord(new OPTRecord(EDNS_UDP_SIZE, answer.getRcode() >>> 4, 0, dnssecOk ? ExtendedFlags.DO : 0),
                    Section.ADDITIONAL);
        }
        return shaped;
    }

    /** The records RFC 4035 3.2.1 keeps from a client that did not set DO (unless it asked for that type). */
    static boolean isDnssecRecord(int type) {
        return type == Type.RRSIG || type == Type.NSEC || type == Type.NSEC3;
    }

    /** SERVFAIL for a BOGUS answer, with Extended DNS Error 6 and the reason (always, the query's OPT or not). */
    static Message bogus(Message query, String reason) {
        Message answer = new Message(query.getHeader().getID());
        Header header = answer.getHeader();
        header.setFlag(Flags.QR);
        header.setFlag(Flags.RA);
        if (query.getHeader().getFlag(Flags.RD)) {
            header.setFlag(Flags.RD);
        }
        header.setRcode(Rcode.SERVFAIL);
        if (query.getQuestion() != null) {
            answer.addRecord(query.getQuestion(), Section.QUESTION);
        }
        List<EDNSOption> options = List.of(new ExtendedErrorCodeOption(ExtendedErrorCodeOption.DNSSEC_BOGUS, reason));
        answer.addRecord(new OPTRecord(EDNS_UDP_SIZE, 0, 0, dnssecOk(query) ? ExtendedFlags.DO : 0, options),
                Section.ADDITIONAL);
        return answer;
    }

    /**
     * The validator's reason, from its Extended DNS Error, made short and printable: the records it names
     * without their signatures' base64 ("... rrset: { www.bogus.test. 300 IN A [192.0.2.66]").
     */
    static String reasonOf(Message validated) {
        String text = null;
        OPTRecord opt = validated.getOPT();
        if (opt != null) {
            for (EDNSOption option : opt.getOptions(EDNSOption.Code.EDNS_EXTENDED_ERROR)) {
                text = ((ExtendedErrorCodeOption) option).getText();
            }
        }
        if (text == null || text.isBlank()) {
            return "DNSSEC validation failed";
        }
        int signatures = text.indexOf(" sigs: ");
        if (signatures > 0) {
            text = text.substring(0, signatures);
        }
        StringBuilder printable = new StringBuilder();
        text.strip().codePoints().limit(MAX_REASON).forEach(c -> printable.appendCodePoint(c < 0x20 || c > 0x7e ? '?' : c));
        return printable.toString();
    }

    /**
     * The validator's view of the upstreams: the answer {@link Upstreams} fetched already for the query
     * being validated, the upstreams with their failover for every other (DNSKEY, DS), with the OPT the
     * validator asks for (DO) on queries that have none.
     */
    private static final class HeadResolver implements Resolver {

        private final Function<Message, CompletionStage<Message>> upstreams;
        private volatile OPTRecord opt = new OPTRecord(EDNS_UDP_SIZE, 0, 0, ExtendedFlags.DO);
        private volatile Duration timeout;

        HeadResolver(Function<Message, CompletionStage<Message>> upstreams, Duration timeout) {
            this.upstreams = upstreams;
            this.timeout = timeout;
        }

        @Override
        public CompletionStage<Message> sendAsync(Message query) {
            return sendAsync(query, ForkJoinPool.commonPool());
        }

        @Override
        public CompletionStage<Message> sendAsync(Message query, Executor executor) {
            Message fetched = FETCHED.get();
            if (fetched != null) {
                FETCHED.remove();
                if (sameQuestion(query, fetched)) {
                    return CompletableFuture.completedFuture(fetched.clone());
                }
            }
            Message sent = query;
            if (query.getOPT() == null) {
                sent = query.clone();
                sent.addRecord(opt, Section.ADDITIONAL);
            }
            return upstreams.apply(sent).thenCompose(answer -> answer != null ? CompletableFuture.completedFuture(answer)
                    : CompletableFuture.failedFuture(new IOException("no upstream answered " + query.getQuestion())));
        }

        private static boolean sameQuestion(Message query, Message answer) {
            return query.getQuestion() != null && query.getQuestion().equals(answer.getQuestion())
                    && query.getHeader().getID() == answer.getHeader().getID();
        }

        @Override
        public void setEDNS(int version, int payloadSize, int flags, List<EDNSOption> options) {
            if (version >= 0) {
                opt = new OPTRecord(payloadSize == 0 ? EDNS_UDP_SIZE : payloadSize, 0, version, flags,
                        options == null ? List.of() : new ArrayList<>(options));
            }
        }

        @Override
        public void setPort(int port) {
            // the upstreams have theirs
        }

        @Override
        public void setTCP(boolean flag) {
            // UDP with TCP on truncation, as Upstreams does
        }

        @Override
        public void setIgnoreTruncation(boolean flag) {
            // never ignored by the upstreams' resolvers
        }

        @Override
        public void setTSIGKey(TSIG key) {
            // not signed
        }

        @Override
        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }

        @Override
        public Duration getTimeout() {
            return timeout;
        }
    }
}
