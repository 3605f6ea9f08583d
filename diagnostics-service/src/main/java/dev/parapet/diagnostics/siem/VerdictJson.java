package dev.parapet.diagnostics.siem;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.parapet.schemas.v1.verdicts.DnsVerdict;
import tools.jackson.databind.json.JsonMapper;

/**
 * A verdict as one line of JSON, with the schema's field names. Jackson escapes every control character
 * (a newline in a name is written {@code \n}), so a hostile name cannot end the line or the object early;
 * absent optional fields are written as {@code null}, so every line has the same keys.
 */
final class VerdictJson {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private VerdictJson() {
    }

    static String format(DnsVerdict verdict) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("eventId", verdict.getEventId().toString());
        fields.put("occurredAt", verdict.getOccurredAt().toString());
        fields.put("accountId", verdict.getAccountId().toString());
        fields.put("locationId", text(verdict.getLocationId()));
        fields.put("agentId", text(verdict.getAgentId()));
        fields.put("userEmail", text(verdict.getUserEmail()));
        fields.put("clientAddress", verdict.getClientAddress().toString());
        fields.put("transport", verdict.getTransport().name());
        fields.put("queryName", verdict.getQueryName().toString());
        fields.put("queryType", verdict.getQueryType().toString());
        fields.put("action", verdict.getAction().name());
        fields.put("reason", verdict.getReason().name());
        fields.put("policyId", text(verdict.getPolicyId()));
        fields.put("categoryIds", verdict.getCategoryIds().stream().map(CharSequence::toString).toList());
        fields.put("responseCode", verdict.getResponseCode().toString());
        fields.put("latencyMicros", verdict.getLatencyMicros());
        fields.put("cached", verdict.getCached());
        return JSON.writeValueAsString(fields);
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }
}
