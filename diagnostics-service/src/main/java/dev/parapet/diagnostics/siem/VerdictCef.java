package dev.parapet.diagnostics.siem;

import java.util.stream.Collectors;

import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;

/**
 * A verdict as one ArcSight CEF event (CEF version 0):
 * {@code CEF:0|Parapet|Parapet DNS|1|<action>|DNS query <action>|<severity>|<extensions>}.
 *
 * <p>Escaping follows the CEF specification: in the header {@code \} and {@code |}; in extension values
 * {@code \}, {@code =}, and line breaks as {@code \n} and {@code \r}. CEF has no escape for other control
 * characters, so they become U+FFFD: a hostile name can then neither add a field nor end the event.
 */
final class VerdictCef {

    static final String VERSION = "1";
    private static final char REPLACEMENT = '\uFFFD';

    private VerdictCef() {
    }

    static String format(DnsVerdict verdict) {
        String action = verdict.getAction().name();
        StringBuilder event = new StringBuilder(512).append("CEF:0|Parapet|Parapet DNS|").append(VERSION).append('|')
                .append(header(action)).append('|').append(header("DNS query " + action)).append('|')
                .append(severity(verdict.getAction())).append('|');
        Extensions extensions = new Extensions(event);
        extensions.add("rt", String.valueOf(verdict.getOccurredAt().toEpochMilli()));
        extensions.add("externalId", verdict.getEventId());
        extensions.add("src", verdict.getClientAddress());
        extensions.add("suser", verdict.getUserEmail());
        extensions.add("dhost", verdict.getQueryName());
        extensions.add("act", action);
        extensions.add("app", verdict.getTransport().name());
        extensions.labelled(1, "reason", verdict.getReason().name());
        extensions.labelled(2, "policyId", verdict.getPolicyId());
        String categories = verdict.getCategoryIds().stream().map(CharSequence::toString).collect(Collectors.joining(","));
        extensions.labelled(3, "categoryIds", categories.isEmpty() ? null : categories);
        extensions.labelled(4, "accountId", verdict.getAccountId());
        extensions.labelled(5, "locationId", verdict.getLocationId());
        extensions.labelled(6, "agentId", verdict.getAgentId());
        extensions.add("flexString1Label", "queryType");
        extensions.add("flexString1", verdict.getQueryType());
        extensions.add("flexString2Label", "responseCode");
        extensions.add("flexString2", verdict.getResponseCode());
        extensions.add("cn1Label", "latencyMicros");
        extensions.add("cn1", String.valueOf(verdict.getLatencyMicros()));
        extensions.add("cn2Label", "cached");
        extensions.add("cn2", verdict.getCached() ? "1" : "0");
        return event.toString();
    }

    /** CEF's 0 (lowest) to 10: a block is high, a warning medium, the rest low. */
    static int severity(Action action) {
        return switch (action) {
            case BLOCKED -> 7;
            case WARNED, ALLOWED_AFTER_WARNING -> 5;
            case REFUSED, SAFESEARCH_REWRITTEN -> 3;
            case ALLOWED -> 1;
        };
    }

    static String header(String value) {
        StringBuilder escaped = new StringBuilder(value.length() + 8);
        value.codePoints().forEach(c -> {
            switch (c) {
                case '\\' -> escaped.append("\\\\");
                case '|' -> escaped.append("\\|");
                default -> appendPrintable(escaped, c);
            }
        });
        return escaped.toString();
    }

    static String extension(String value) {
        StringBuilder escaped = new StringBuilder(value.length() + 8);
        value.codePoints().forEach(c -> {
            switch (c) {
                case '\\' -> escaped.append("\\\\");
                case '=' -> escaped.append("\\=");
                case '\n' -> escaped.append("\\n");
                case '\r' -> escaped.append("\\r");
                default -> appendPrintable(escaped, c);
            }
        });
        return escaped.toString();
    }

    private static void appendPrintable(StringBuilder out, int c) {
        if (Character.isISOControl(c)) {
            out.append(REPLACEMENT);
        } else {
            out.appendCodePoint(c);
        }
    }

    /** The {@code key=value} pairs, separated by spaces; an absent value is left out. */
    private static final class Extensions {
        private final StringBuilder out;
        private boolean first = true;

        Extensions(StringBuilder out) {
            this.out = out;
        }

        void add(String key, Object value) {
            if (value == null) {
                return;
            }
            if (!first) {
                out.append(' ');
            }
            first = false;
            out.append(key).append('=').append(extension(value.toString()));
        }

        /** CEF's custom strings {@code csN}, each with its {@code csNLabel}. */
        void labelled(int number, String label, Object value) {
            if (value != null) {
                add("cs" + number + "Label", label);
                add("cs" + number, value);
            }
        }
    }
}
