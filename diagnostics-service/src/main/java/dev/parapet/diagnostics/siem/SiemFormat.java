package dev.parapet.diagnostics.siem;

import dev.parapet.schemas.v1.verdicts.DnsVerdict;

/** What a verdict's syslog MSG holds: one JSON object, or one ArcSight CEF event. */
public enum SiemFormat {

    JSON {
        @Override
        String message(DnsVerdict verdict) {
            return VerdictJson.format(verdict);
        }
    },
    CEF {
        @Override
        String message(DnsVerdict verdict) {
            return VerdictCef.format(verdict);
        }
    };

    abstract String message(DnsVerdict verdict);
}
