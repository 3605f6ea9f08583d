package dev.parapet.diagnostics.siem;

import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;

/**
 * One verdict as an RFC 5424 syslog message framed for TLS transport by octet counting (RFC 5425):
 * {@code <len> <PRI>1 TIMESTAMP HOSTNAME parapet - verdict - MSG}. The frame's length counts the
 * message's UTF-8 bytes, so nothing inside the MSG (not even a newline) can start a second message;
 * the formats escape it anyway, for receivers that store one message per line. The MSG is UTF-8
 * without a byte-order mark (RFC 5424's MSG-ANY), which receivers pass on unchanged.
 */
public final class Syslog {

    static final String APP_NAME = "parapet";
    static final String MSG_ID = "verdict";
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneOffset.UTC);

    /** The syslog facilities an operator may choose (RFC 5424, table 1). */
    public enum Facility {
        USER(1), LOCAL0(16);

        final int code;

        Facility(int code) {
            this.code = code;
        }
    }

    private final Facility facility;
    private final String hostname;
    private final SiemFormat format;

    /** @param hostname the HOSTNAME field: 1 to 255 printable US-ASCII characters, no spaces */
    public Syslog(Facility facility, String hostname, SiemFormat format) {
        if (hostname.isEmpty() || hostname.length() > 255 || !hostname.chars().allMatch(c -> c >= 33 && c <= 126)) {
            throw new IllegalArgumentException("a syslog HOSTNAME must be 1 to 255 printable US-ASCII characters without spaces: '"
                    + hostname + "'");
        }
        this.facility = facility;
        this.hostname = hostname;
        this.format = format;
    }

    /** The verdict's framed message, ready to write to the receiver. */
    byte[] frame(DnsVerdict verdict) {
        byte[] message = message(verdict).getBytes(StandardCharsets.UTF_8);
        byte[] length = (message.length + " ").getBytes(StandardCharsets.US_ASCII);
        byte[] framed = new byte[length.length + message.length];
        System.arraycopy(length, 0, framed, 0, length.length);
        System.arraycopy(message, 0, framed, length.length, message.length);
        return framed;
    }

    /** The RFC 5424 message, without its frame. */
    String message(DnsVerdict verdict) {
        return "<" + priority(verdict.getAction()) + ">1 " + TIMESTAMP.format(verdict.getOccurredAt()) + " " + hostname + " "
                + APP_NAME + " - " + MSG_ID + " - " + format.message(verdict);
    }

    int priority(Action action) {
        return facility.code * 8 + severity(action);
    }

    /** Syslog's severity: a block is a warning (4), a warning or refusal a notice (5), the rest informational (6). */
    static int severity(Action action) {
        return switch (action) {
            case BLOCKED -> 4;
            case WARNED, ALLOWED_AFTER_WARNING, REFUSED -> 5;
            case ALLOWED, SAFESEARCH_REWRITTEN -> 6;
        };
    }
}
