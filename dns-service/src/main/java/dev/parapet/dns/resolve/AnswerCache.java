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

    /** An upstream answer and when it was stored; its records' TTLs are as the upstream sent them. */
    public record Entry(Message answer, long storedAtNanos, long lifetimeSeconds) {

        long ageSeconds(long nowNanos) {
            return (nowNanos - storedAtNanos) / 1_000_000_000L;
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
