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
 * Bounded by {@code parapet.dns.cache.max-entries}; TTLs capped at {@code parapet.dns.cache.max-ttl}.
 */
@Component
public class AnswerCache {

    /**
     * An upstream answer and when it was stored; its records' TTLs are as the upstream sent them. It
     * also keeps the answer rendered as a response (with and without EDNS) for the age it was last
     * served at, so that a hit within the same second is a copy of bytes with the id patched in.
     */
    public static final class Entry {

        /** A rendered response at an age in seconds; id 0, the question as the upstream wrote it. */
        record Rendered(long ageSeconds, byte[] wire) {
        }

        private final Message answer;
        private final long storedAtNanos;
        private final long lifetimeSeconds;
        private volatile Rendered plain;
        private volatile Rendered edns;

        Entry(Message answer, long storedAtNanos, long lifetimeSeconds) {
            this.answer = answer;
            this.storedAtNanos = storedAtNanos;
            this.lifetimeSeconds = lifetimeSeconds;
        }

        public Message answer() {
            return answer;
        }

        long lifetimeSeconds() {
            return lifetimeSeconds;
        }

        long ageSeconds(long nowNanos) {
            return (nowNanos - storedAtNanos) / 1_000_000_000L;
        }

        /** The response at this age, rendered at most once per second per EDNS variant. */
        byte[] rendered(long ageSeconds, boolean withEdns, java.util.function.BiFunction<Long, Boolean, byte[]> render) {
            Rendered known = withEdns ? edns : plain;
            if (known == null || known.ageSeconds() != ageSeconds) {
                known = new Rendered(ageSeconds, render.apply(ageSeconds, withEdns));
                if (withEdns) {
                    edns = known;
                } else {
                    plain = known;
                }
            }
            return known.wire();
        }
    }

    private final Cache<String, Entry> entries;
    private final long maxTtl;

    public AnswerCache(DnsProperties properties, MeterRegistry meters) {
        this.maxTtl = properties.cache().maxTtl().toSeconds();
        this.entries = Caffeine.newBuilder()
                .maximumSize(properties.cache().maxEntries())
                .expireAfter(new Expiry<String, Entry>() {
                    @Override
                    public long expireAfterCreate(String key, Entry entry, long now) {
                        return Duration.ofSeconds(entry.lifetimeSeconds()).toNanos();
                    }

                    @Override
                    public long expireAfterUpdate(String key, Entry entry, long now, long current) {
                        return Duration.ofSeconds(entry.lifetimeSeconds()).toNanos();
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

    static String key(String name, int type, int dclass) {
        return dclass == 1 ? type + " " + name : type + "/" + dclass + " " + name;
    }

    public Entry get(String key) {
        return entries.getIfPresent(key);
    }

    /** Keeps an answer for as long as it may be kept; does nothing for an answer that may not be. */
    public void put(String key, Message answer) {
        long lifetime = lifetimeOf(answer);
        if (lifetime > 0) {
            entries.put(key, new Entry(answer, System.nanoTime(), Math.min(lifetime, maxTtl)));
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
