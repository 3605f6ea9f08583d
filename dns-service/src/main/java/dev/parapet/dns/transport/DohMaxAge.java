package dev.parapet.dns.transport;

/**
 * RFC 8484 §5.1: a DoH answer's freshness lifetime (its {@code Cache-Control: max-age}) is the smallest TTL of
 * the records in its answer and authority sections. Read straight from the bytes, since the chain answers the
 * common query without dnsjava and parsing every answer again with it, only for this number, was a per-query
 * cost of DoH alone. An answer with no such records, or bytes that do not read as a DNS message, get 0.
 */
final class DohMaxAge {

    private DohMaxAge() {
    }

    static long of(byte[] answer) {
        if (answer.length < 12) {
            return 0;
        }
        int at = 12;
        for (int question = u16(answer, 4); question > 0; question--) {
            at = skipName(answer, at);
            if (at < 0 || (at += 4) > answer.length) {
                return 0;
            }
        }
        long min = Long.MAX_VALUE;
        for (int record = u16(answer, 6) + u16(answer, 8); record > 0; record--) {
            at = skipName(answer, at);
            if (at < 0 || at + 10 > answer.length) {
                return 0;
            }
            min = Math.min(min, ((long) u16(answer, at + 4) << 16) | u16(answer, at + 6));
            at += 10 + u16(answer, at + 8);
        }
        return min == Long.MAX_VALUE || at > answer.length ? 0 : min;
    }

    private static int u16(byte[] wire, int at) {
        return ((wire[at] & 0xff) << 8) | (wire[at + 1] & 0xff);
    }

    /** Where a name that starts at {@code at} ends (a compression pointer ends it), or -1 past the end. */
    private static int skipName(byte[] wire, int at) {
        while (at < wire.length) {
            int length = wire[at] & 0xff;
            if (length == 0) {
                return at + 1;
            }
            if ((length & 0xC0) == 0xC0) {
                return at + 2 <= wire.length ? at + 2 : -1;
            }
            if ((length & 0xC0) != 0) {
                return -1;
            }
            at += length + 1;
        }
        return -1;
    }
}
