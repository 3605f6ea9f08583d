package dev.parapet.dns.chain;

import java.io.IOException;
import java.io.UncheckedIOException;

import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Record;

import dev.parapet.dns.policy.Snapshot;
import dev.parapet.dns.policy.Verdict;
import dev.parapet.dns.resolve.Client;

/**
 * One query on its way through the chain: what the listener gave and the parser read (fixed), and what
 * the stages have decided so far (the policy snapshot, who is asking, the verdict, and the question to
 * resolve, which SafeSearch changes). One object per query, touched by one query's stages at a time.
 * <p>
 * The parser reads what every query needs straight from the packet (the header's flags, the question's
 * name, type and class, EDNS's size and DO bit); the dnsjava {@link Message} is made only when a stage
 * asks for it, which answers from the cache and block answers never do.
 */
public final class Query {

    /** Header flag bits (the packet's third and fourth bytes as one number). */
    static final int AD = 0x0020;
    static final int CD = 0x0010;

    private final byte[] wire;
    private final String name;
    private final byte[] nameBytes;
    private final int type;
    private final int dclass;
    private final int questionEnd;
    private final int flags;
    private final boolean edns;
    private final boolean dnssecOk;
    private final Client client;
    private final int maxSize;
    private final long startedNanos;

    private Message message;
    private Snapshot snapshot;
    private Snapshot.Attribution who;
    private Verdict verdict;
    private Record lookup;
    private String lookupName;

    /**
     * @param wire        the packet as received
     * @param message     it, parsed by dnsjava, or null: parsed when first asked for
     * @param name        the question's name, normalised (lower case, no trailing dot, the root as "")
     * @param questionEnd where the question (name, type, class) ends in the packet
     * @param flags       the header's flags (bytes 2 and 3)
     * @param maxSize     the largest response the client takes
     */
    Query(byte[] wire, Message message, String name, byte[] nameBytes, int type, int dclass, int questionEnd, int flags,
          boolean edns, boolean dnssecOk, Client client, int maxSize, long startedNanos) {
        this.wire = wire;
        this.message = message;
        this.name = name;
        this.nameBytes = nameBytes;
        this.type = type;
        this.dclass = dclass;
        this.questionEnd = questionEnd;
        this.flags = flags;
        this.edns = edns;
        this.dnssecOk = dnssecOk;
        this.client = client;
        this.maxSize = maxSize;
        this.startedNanos = startedNanos;
        this.lookupName = name;
    }

    /** A query dnsjava parsed (the packets the parser does not read itself). */
    static Query of(byte[] wire, Message message, String name, Client client, int maxSize, long startedNanos) {
        Record question = message.getQuestion();
        int questionEnd = Renderer.nameEnd(wire, 12);
        return new Query(wire, message, name, name.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), question.getType(), question.getDClass(), questionEnd < 0 ? -1 : questionEnd + 4,
                ((wire[2] & 0xff) << 8) | (wire[3] & 0xff), message.getOPT() != null,
                message.getOPT() != null && (message.getOPT().getFlags() & ExtendedFlags.DO) != 0, client, maxSize, startedNanos);
    }

    public byte[] wire() {
        return wire;
    }

    /** The packet as dnsjava reads it (parsed on first use; the parser checked that it parses). */
    public Message message() {
        if (message == null) {
            try {
                message = new Message(wire);
            } catch (IOException e) {
                throw new UncheckedIOException("a query the parser read but dnsjava does not", e);
            }
        }
        return message;
    }

    public Record question() {
        return message().getQuestion();
    }

    /** The asked name, normalised. */
    public String name() {
        return name;
    }

    /** The asked name as lower-case ASCII bytes (how policies match). */
    public byte[] nameBytes() {
        return nameBytes;
    }

    public int type() {
        return type;
    }

    public int dclass() {
        return dclass;
    }

    /** Where the question ends in the packet (after its class), or -1 if its name is compressed. */
    public int questionEnd() {
        return questionEnd;
    }

    public Client client() {
        return client;
    }

    public int maxSize() {
        return maxSize;
    }

    public long startedNanos() {
        return startedNanos;
    }

    /** Whether the client speaks EDNS (so may be given an OPT record and its options). */
    public boolean edns() {
        return edns;
    }

    /** DO: the client wants DNSSEC records (and says it understands the AD flag). */
    public boolean dnssecOk() {
        return dnssecOk;
    }

    /** CD: the client checks signatures itself and wants answers unvalidated. */
    public boolean checkingDisabled() {
        return (flags & CD) != 0;
    }

    /** Whether the response may say the answer was validated (AD): the client asked with DO or AD (RFC 6840 5.7). */
    public boolean wantsAuthenticatedData() {
        return dnssecOk || (flags & AD) != 0;
    }

    public Snapshot snapshot() {
        return snapshot;
    }

    public Snapshot.Attribution who() {
        return who;
    }

    /** Set once the account is known: the configuration every later stage decides with, and who asks. */
    public void attribute(Snapshot snapshot, Snapshot.Attribution who) {
        this.snapshot = snapshot;
        this.who = who;
    }

    public Verdict verdict() {
        return verdict;
    }

    public void verdict(Verdict verdict) {
        this.verdict = verdict;
    }

    /** The question to resolve upstream: the asked one, unless a stage rewrote it. */
    public Record lookup() {
        return lookup != null ? lookup : question();
    }

    /** Its name, normalised (the cache key's name). */
    public String lookupName() {
        return lookupName;
    }

    /** Its type. */
    public int lookupType() {
        return lookup != null ? lookup.getType() : type;
    }

    /** Its class. */
    public int lookupClass() {
        return lookup != null ? lookup.getDClass() : dclass;
    }

    public void lookup(Record question, String normalisedName) {
        this.lookup = question;
        this.lookupName = normalisedName;
    }
}
