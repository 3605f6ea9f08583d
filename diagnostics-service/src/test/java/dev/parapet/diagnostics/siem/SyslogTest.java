package dev.parapet.diagnostics.siem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.parapet.diagnostics.siem.Syslog.Facility;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;
import dev.parapet.schemas.v1.verdicts.Reason;
import dev.parapet.schemas.v1.verdicts.Transport;
import tools.jackson.databind.json.JsonMapper;

/** The messages a SIEM receives: syslog's header and frame, the JSON and CEF forms, and their escaping of outside text. */
class SyslogTest {

    static final UUID EVENT = UUID.fromString("0b6f3c1e-5d0c-4c55-9a53-1f0d6a7e2b11");
    static final UUID ACCOUNT = UUID.fromString("6f1c2a3e-0d4b-4a8e-9c1f-2b3d4e5f6a7b");
    static final UUID POLICY = UUID.fromString("9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d");
    static final Instant AT = Instant.parse("2026-12-04T18:00:00.123Z");
    /** A newline, a carriage return, CEF's separators, a backslash, a NUL and non-ASCII, as an attacker might name a domain or a user. */
    static final String HOSTILE = "évil|x=1\\ \n<14>1 2026-12-04T18:00:00Z forged parapet - verdict - act=ALLOWED\r\u0000ü";

    static DnsVerdict verdict(Action action, String name, String user) {
        return DnsVerdict.newBuilder().setEventId(EVENT).setOccurredAt(AT).setAccountId(ACCOUNT).setLocationId(null).setAgentId(null)
                .setUserEmail(user).setClientAddress("192.0.2.7").setTransport(Transport.DOH).setQueryName(name).setQueryType("AAAA")
                .setAction(action).setReason(Reason.CATEGORY).setPolicyId(POLICY).setCategoryIds(List.of("phishing", "malware"))
                .setResponseCode("NOERROR").setLatencyMicros(250).setCached(true).build();
    }

    @Test
    void aMessageHasTheRfc5424HeaderAndIsFramedByItsLengthInUtf8Bytes() {
        Syslog syslog = new Syslog(Facility.LOCAL0, "dns1.parapet.example", SiemFormat.JSON);
        DnsVerdict verdict = verdict(Action.BLOCKED, "café.example", "ann@example.com");
        String message = syslog.message(verdict);
        assertThat(message).startsWith("<132>1 2026-12-04T18:00:00.123Z dns1.parapet.example parapet - verdict - {\"eventId\":");
        byte[] frame = syslog.frame(verdict);
        int length = message.getBytes(StandardCharsets.UTF_8).length;
        assertThat(length).as("é counts two bytes").isEqualTo(message.length() + 1);
        assertThat(new String(frame, StandardCharsets.UTF_8)).isEqualTo(length + " " + message);
    }

    @Test
    void thePriorityIsTheFacilityAndASeverityByAction() {
        Syslog local0 = new Syslog(Facility.LOCAL0, "h", SiemFormat.JSON);
        Syslog user = new Syslog(Facility.USER, "h", SiemFormat.JSON);
        assertThat(local0.priority(Action.BLOCKED)).isEqualTo(16 * 8 + 4);
        assertThat(local0.priority(Action.WARNED)).isEqualTo(16 * 8 + 5);
        assertThat(local0.priority(Action.ALLOWED_AFTER_WARNING)).isEqualTo(16 * 8 + 5);
        assertThat(local0.priority(Action.REFUSED)).isEqualTo(16 * 8 + 5);
        assertThat(local0.priority(Action.ALLOWED)).isEqualTo(16 * 8 + 6);
        assertThat(local0.priority(Action.SAFESEARCH_REWRITTEN)).isEqualTo(16 * 8 + 6);
        assertThat(user.priority(Action.BLOCKED)).isEqualTo(12);
        assertThat(user.message(verdict(Action.ALLOWED, "a.example", null))).startsWith("<14>1 ");
    }

    @Test
    void aHostnameThatWouldBreakTheHeaderIsRefused() {
        for (String bad : List.of("", "two words", "tab\there", "ünicode", "x".repeat(256))) {
            assertThatThrownBy(() -> new Syslog(Facility.LOCAL0, bad, SiemFormat.JSON)).hasMessageContaining("HOSTNAME");
        }
    }

    @Test
    void jsonHoldsEveryFieldOfTheVerdictOnOneLine() throws Exception {
        String json = VerdictJson.format(verdict(Action.BLOCKED, "login.phish.example", "ann@example.com"));
        assertThat(json).doesNotContain("\n").startsWith("{\"eventId\":\"" + EVENT + "\",\"occurredAt\":\"2026-12-04T18:00:00.123Z\"");
        Map<String, Object> fields = JsonMapper.builder().build().readValue(json, Map.class);
        assertThat(fields.keySet()).containsExactly("eventId", "occurredAt", "accountId", "locationId", "agentId", "userEmail",
                "clientAddress", "transport", "queryName", "queryType", "action", "reason", "policyId", "categoryIds", "responseCode",
                "latencyMicros", "cached");
        assertThat(fields).containsEntry("accountId", ACCOUNT.toString()).containsEntry("locationId", null).containsEntry("agentId", null)
                .containsEntry("userEmail", "ann@example.com").containsEntry("clientAddress", "192.0.2.7").containsEntry("transport", "DOH")
                .containsEntry("queryName", "login.phish.example").containsEntry("queryType", "AAAA").containsEntry("action", "BLOCKED")
                .containsEntry("reason", "CATEGORY").containsEntry("policyId", POLICY.toString())
                .containsEntry("categoryIds", List.of("phishing", "malware")).containsEntry("responseCode", "NOERROR")
                .containsEntry("latencyMicros", 250).containsEntry("cached", true);
    }

    @Test
    void jsonEscapesHostileTextSoItStaysOneValueOnOneLine() throws Exception {
        String json = VerdictJson.format(verdict(Action.BLOCKED, HOSTILE, HOSTILE));
        assertThat(json).doesNotContain("\n", "\r", "\u0000").contains("\\n", "\\r", "\\u0000", "évil");
        Map<?, ?> fields = JsonMapper.builder().build().readValue(json, Map.class);
        assertThat(fields.get("queryName")).isEqualTo(HOSTILE);
        assertThat(fields.get("userEmail")).isEqualTo(HOSTILE);
        assertThat(fields.get("action")).isEqualTo("BLOCKED");
    }

    @Test
    void cefHasItsHeaderAndLabelledExtensions() {
        String cef = VerdictCef.format(verdict(Action.BLOCKED, "login.phish.example", "ann@example.com"));
        assertThat(cef).isEqualTo("CEF:0|Parapet|Parapet DNS|1|BLOCKED|DNS query BLOCKED|7|rt=1796407200123 externalId=" + EVENT
                + " src=192.0.2.7 suser=ann@example.com dhost=login.phish.example act=BLOCKED app=DOH cs1Label=reason cs1=CATEGORY"
                + " cs2Label=policyId cs2=" + POLICY + " cs3Label=categoryIds cs3=phishing,malware cs4Label=accountId cs4=" + ACCOUNT
                + " flexString1Label=queryType flexString1=AAAA flexString2Label=responseCode flexString2=NOERROR"
                + " cn1Label=latencyMicros cn1=250 cn2Label=cached cn2=1");
        assertThat(VerdictCef.format(verdict(Action.ALLOWED, "a.example", null))).contains("|DNS query ALLOWED|1|")
                .doesNotContain("suser=");
    }

    @Test
    void cefEscapesHostileTextSoItCannotAddAFieldOrEndTheEvent() {
        String cef = VerdictCef.format(verdict(Action.BLOCKED, HOSTILE, "a=b\\c"));
        assertThat(cef).doesNotContain("\n", "\r", "\u0000");
        assertThat(cef).contains("dhost=évil|x\\=1\\\\ \\n<14>1 2026-12-04T18:00:00Z forged parapet - verdict - act\\=ALLOWED\\r\uFFFDü act=BLOCKED");
        assertThat(cef).contains(" suser=a\\=b\\\\c dhost=");
        assertThat(cef.split("(?<!\\\\) act=")).as("one act field").hasSize(2);
        assertThat(VerdictCef.header("a|b\\c\nd")).isEqualTo("a\\|b\\\\c\uFFFDd");
        assertThat(VerdictCef.extension("a|b")).as("a pipe needs no escape in an extension").isEqualTo("a|b");
    }

    @Test
    void cefSeverityFollowsTheAction() {
        assertThat(List.of(Action.BLOCKED, Action.WARNED, Action.ALLOWED_AFTER_WARNING, Action.REFUSED, Action.SAFESEARCH_REWRITTEN,
                Action.ALLOWED).stream().map(VerdictCef::severity)).containsExactly(7, 5, 5, 3, 3, 1);
    }
}
