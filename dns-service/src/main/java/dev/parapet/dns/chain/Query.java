package dev.parapet.dns.chain;

import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Record;

import dev.parapet.dns.policy.Snapshot;
import dev.parapet.dns.policy.Verdict;
import dev.parapet.dns.resolve.Client;

/**
 * One query on its way through the chain: what the listener gave and the parser read (fixed), and what
 * the stages have decided so far (the policy snapshot, who is asking, the verdict, and the question to
 * resolve, which SafeSearch changes). One object per query, touched by one query's stages at a time.
 */
public final class Query {

    private final byte[] wire;
    private final Message message;
    private final Record question;
    private final String name;
    private final byte[] nameBytes;
    private final Client client;
    private final int maxSize;
    private final long startedNanos;

    private Snapshot snapshot;
    private Snapshot.Attribution who;
    private Verdict verdict;
    private Record lookup;
    private String lookupName;

    /**
     * @param wire      the packet as received
     * @param message   it, parsed
     * @param name      the question's name, normalised (lower case, no trailing dot, the root as "")
     * @param maxSize   the largest response the client takes
     */
    public Query(byte[] wire, Message message, String name, Client client, int maxSize, long startedNanos) {
        this.wire = wire;
        this.message = message;
        this.question = message.getQuestion();
        this.name = name;
        this.nameBytes = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        this.client = client;
        this.maxSize = maxSize;
        this.startedNanos = startedNanos;
        this.lookup = question;
        this.lookupName = name;
    }

    public byte[] wire() {
        return wire;
    }

    public Message message() {
        return message;
    }

    public Record question() {
        return question;
    }

    /** The asked name, normalised. */
    public String name() {
        return name;
    }

    /** The asked name as lower-case ASCII bytes (how policies match). */
    public byte[] nameBytes() {
        return nameBytes;
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
        return message.getOPT() != null;
    }

    /** DO: the client wants DNSSEC records (and says it understands the AD flag). */
    public boolean dnssecOk() {
        OPTRecord opt = message.getOPT();
        return opt != null && (opt.getFlags() & ExtendedFlags.DO) != 0;
    }

    /** CD: the client checks signatures itself and wants answers unvalidated. */
    public boolean checkingDisabled() {
        return message.getHeader().getFlag(Flags.CD);
    }

    /** Whether the response may say the answer was validated (AD): the client asked with DO or AD (RFC 6840 5.7). */
    public boolean wantsAuthenticatedData() {
        return dnssecOk() || message.getHeader().getFlag(Flags.AD);
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
        return lookup;
    }

    /** Its name, normalised (the cache key's name). */
    public String lookupName() {
        return lookupName;
    }

    public void lookup(Record question, String normalisedName) {
        this.lookup = question;
        this.lookupName = normalisedName;
    }
}
