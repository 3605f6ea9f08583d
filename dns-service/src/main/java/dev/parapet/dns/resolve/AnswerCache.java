package dev.parapet.dns.resolve;

import java.time.Duration;

import org.springframework.stereotype.Component;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;

import dev.parapet.dns.DnsProperties;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Upstream answers, shared by all accounts (policy is applied to every answer, cached or not), kept
 * for the smallest TTL in the answer and served with their TTLs counted down. Negative answers
 * (NXDOMAIN, or NOERROR with no data) are kept for the SOA's negative TTL, min(SOA TTL, SOA minimum),
 * as RFC 2308 says, and not at all without a SOA. SERVFAIL, truncated and other answers are not kept.
 * Bounded by {@code parapet.dns.cache.max-entries}; TTLs capped at {@code parapet.dns.cache.max-ttl}. An
 * answer past its TTL is kept {@code parapet.dns.cache.serve-stale} longer, to be served stale when every
 * upstream fails (RFC 8767); {@link #get} returns it, and the caller asks the entry whether it is fresh.
 */
@Component
public class AnswerCache {

    /**
     * An upstream answer and when it was stored; its records' TTLs are as the upstream sent them. It
     * also keeps the answer rendered once as a response (with and without EDNS), so that a hit is a copy of
     * bytes with the id, flags, question and TTLs patched in: no dnsjava, whatever the answer's age.
     */
    public static final class Entry {

        /**
         * A response rendered once: its bytes at age 0, where each record's TTL is in them (every record but
         * OPT), and what those TTLs are.
         */
        public record Rendered(byte[] wire, int[] ttlOffsets, long[] ttls) {

            /** Finds the TTLs of a rendered response; null if the bytes do not read as a DNS message. */
            public static Rendered of(byte[] wire) {
                int records = u16(wire, 6) + u16(wire, 8) + u16(wire, 10);
                int at = skipName(wire, 12) + 4;
                int[] offsets = new int[records];
                long[] ttls = new long[records];
                int found = 0;
                for (int i = 0; i < records; i++) {
                    at = skipName(wire, at);
                    if (at < 0 || at + 10 > wire.length) {
                        return null;
                    }
                    if (u16(wire, at) != Type.OPT) {
                        offsets[found] = at + 4;
                        ttls[found++] = ((long) u16(wire, at + 4) << 16) | u16(wire, at + 6);
                    }
                    at += 10 + u16(wire, at + 8);
                }
                return at == wire.length ? new Rendered(wire, java.util.Arrays.copyOf(offsets, found),
                        java.util.Arrays.copyOf(ttls, found)) : null;
            }

            /** A copy of the bytes with every TTL counted down by the age. */
            public byte[] at(long ageSeconds) {
                byte[] copy = wire.clone();
                if (ageSeconds > 0) {
                    for (int i = 0; i < ttlOffsets.length; i++) {
                        long ttl = Math.max(0, ttls[i] - ageSeconds);
                        int at = ttlOffsets[i];
                        copy[at] = (byte) (ttl >>> 24);
                        copy[at + 1] = (byte) (ttl >>> 16);
                        copy[at + 2] = (byte) (ttl >>> 8);
                        copy[at + 3] = (byte) ttl;
                    }
                }
                return copy;
            }

            private static int u16(byte[] wire, int at) {
                return ((wire[at] & 0xff) << 8) | (wire[at + 1] & 0xff);
            }

            /** Where a name that starts at {@code at} ends (a pointer ends it), or -1. */
            private static int skipName(byte[] wire, int at) {
                while (at >= 0 && at < wire.length) {
                    int length = wire[at] & 0xff;
                    if (length == 0) {
                        return at + 1;
                    }
                    if ((length & 0xC0) == 0xC0) {
                        return at + 2;
                    }
                    at += length + 1;
                }
                return -1;
            }
        }

        private final Message answer;
        private final long storedAtNanos;
        private final long lifetimeSeconds;
        private volatile Rendered plain;
        private volatile Rendered edns;
        private volatile Boolean redirects;
        private final java.util.concurrent.atomic.AtomicBoolean refreshing = new java.util.concurrent.atomic.AtomicBoolean();
        /** Until when (nanoTime) a stale answer is served without asking the upstreams again; 0: ask them. */
        private volatile long staleUntilNanos;

        Entry(Message answer, long storedAtNanos, long lifetimeSeconds) {
            this.answer = answer;
            this.storedAtNanos = storedAtNanos;
            this.lifetimeSeconds = lifetimeSeconds;
        }

        public Message answer() {
            return answer;
        }

        public long lifetimeSeconds() {
            return lifetimeSeconds;
        }

        public long ageSeconds(long nowNanos) {
            return (nowNanos - storedAtNanos) / 1_000_000_000L;
        }

        /** Whether the answer is within its TTL at this age. */
        public boolean fresh(long ageSeconds) {
            return ageSeconds < lifetimeSeconds;
        }

        /** Claims the one refresh of this answer (prefetch); false if one is under way or done. */
        public boolean claimRefresh() {
            return refreshing.compareAndSet(false, true);
        }

        /** Gives the refresh up (it failed), so that a later hit may try again. */
        public void releaseRefresh() {
            refreshing.set(false);
        }

        /** Every upstream failed: serve this stale answer without asking them until then. */
        public void serveStaleUntil(long nanos) {
            staleUntilNanos = nanos;
        }

        /** Whether a stale answer is to be served without asking the upstreams (they failed a moment ago). */
        public boolean servingStale(long nowNanos) {
            long until = staleUntilNanos;
            return until != 0 && nowNanos - until < 0;
        }

        /** The response rendered for clients with EDNS or without, or null: not yet rendered. */
        public Rendered rendered(boolean withEdns) {
            return withEdns ? edns : plain;
        }

        /** Keeps the response rendered (any thread may; they all render the same). */
        public void keepRendered(boolean withEdns, Rendered rendered) {
            if (withEdns) {
                edns = rendered;
            } else {
                plain = rendered;
            }
        }

        /** Whether the answer's records may lead to another name (CNAME, DNAME): worked out once. */
        public boolean redirects() {
            Boolean known = redirects;
            if (known == null) {
                known = answer.getSection(Section.ANSWER).stream().anyMatch(record -> record.getType() == Type.CNAME
                        || record.getType() == Type.DNAME);
                redirects = known;
            }
            return known;
        }
    }

    private final Cache<String, Entry> entries;
    private final long maxTtl;
    private final long staleSeconds;

    public AnswerCache(DnsProperties properties, MeterRegistry meters) {
        this.maxTtl = properties.cache().maxTtl().toSeconds();
        this.staleSeconds = Math.max(0, properties.cache().serveStale().toSeconds());
        this.entries = Caffeine.newBuilder()
                // Maintenance (the read buffer's drain, evictions) on the thread that triggers it: handing it to
                // the common pool woke a thread per drain and cost the cached path up to 70% more CPU per query.
                .executor(Runnable::run)
                .maximumSize(properties.cache().maxEntries())
                .expireAfter(new Expiry<String, Entry>() {
                    @Override
                    public long expireAfterCreate(String key, Entry entry, long now) {
                        return Duration.ofSeconds(entry.lifetimeSeconds() + staleSeconds).toNanos();
                    }

                    @Override
                    public long expireAfterUpdate(String key, Entry entry, long now, long current) {
                        return Duration.ofSeconds(entry.lifetimeSeconds() + staleSeconds).toNanos();
                    }

                    @Override
                    public long expireAfterRead(String key, Entry entry, long now, long current) {
                        return current;
                    }
                })
                .recordStats()
                .build();
        meters.gauge("parapet.dns.cache.entries", entries, Cache::estimatedSize);
        meters.gauge("parapet.dns.cache.hit.ratio", entries, cache -> cache.stats().hitRate());
    }

    /** How long past its TTL an answer may be served stale (0: never). */
    public long staleSeconds() {
        return staleSeconds;
    }

    public static String key(String name, int type, int dclass) {
        return dclass == 1 ? type + " " + name : type + "/" + dclass + " " + name;
    }

    /**
     * The key of an answer fetched with these flags: with DO it holds DNSSEC records, with CD it is
     * unvalidated, so each is kept apart from the plain answer.
     */
    public static String key(String name, int type, int dclass, boolean dnssecOk, boolean checkingDisabled) {
        String plain = key(name, type, dclass);
        return !dnssecOk && !checkingDisabled ? plain : (dnssecOk ? "do " : "") + (checkingDisabled ? "cd " : "") + plain;
    }

    /** The answer kept for the key, fresh or stale, or null. */
    public Entry get(String key) {
        return entries.getIfPresent(key);
    }

    /** Keeps an answer for as long as it may be kept; does nothing for an answer that may not be. */
    public void put(String key, Message answer) {
        put(key, answer, System.nanoTime());
    }

    /** Keeps an answer stored at this moment (System.nanoTime's scale). */
    public void put(String key, Message answer, long nowNanos) {
        long lifetime = lifetimeOf(answer);
        if (lifetime > 0) {
            entries.put(key, new Entry(answer, nowNanos, Math.min(lifetime, maxTtl)));
        }
    }

    /** Seconds an answer may be kept: the smallest TTL of its answer records, or the negative TTL. */
    static long lifetimeOf(Message answer) {
        if (answer.getHeader().getFlag(org.xbill.DNS.Flags.TC)) {
            return 0;
        }
        int rcode = answer.getRcode();
        Record[] records = answer.getSection(Section.ANSWER).toArray(Record[]::new);
        if (rcode == Rcode.NOERROR && records.length > 0) {
            long min = Long.MAX_VALUE;
            for (Record record : records) {
                min = Math.min(min, record.getTTL());
            }
            return min;
        }
        if (rcode == Rcode.NXDOMAIN || rcode == Rcode.NOERROR) {
            for (Record record : answer.getSection(Section.AUTHORITY)) {
                if (record.getType() == Type.SOA) {
                    return Math.min(record.getTTL(), ((SOARecord) record).getMinimum());
                }
            }
        }
        return 0;
    }

    public void clear() {
        entries.invalidateAll();
    }
}
