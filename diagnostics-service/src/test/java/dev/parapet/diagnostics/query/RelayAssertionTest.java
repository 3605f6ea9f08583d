package dev.parapet.diagnostics.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.parapet.kit.security.Admin;
import dev.parapet.kit.security.Permission;
import dev.parapet.kit.security.Role;

class RelayAssertionTest {

    static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    static final Instant NOW = Instant.parse("2026-12-03T12:00:00Z");
    static final String PATH = "/api/v1/accounts/6f1c/diagnostics/devices?page=0&size=50&q=a%20b";

    final RelayAssertion relay = new RelayAssertion(KEY);
    final Admin partner = new Admin("ann@partner.example\nwith a newline", UUID.randomUUID(), Role.PARTNER_ADMIN,
            EnumSet.of(Permission.WEB_SECURITY_READ), Set.of(UUID.randomUUID(), UUID.randomUUID()));

    @Test
    void theAdministratorComesBackExactlyForTheSameRequestBeforeTheDeadline() {
        String assertion = relay.sign(partner, "GET", PATH, NOW);
        assertThat(relay.verify(assertion, "GET", PATH, NOW.plusSeconds(29))).contains(partner);
        Admin custom = new Admin("bob", UUID.randomUUID(), Role.CUSTOM, Set.of(), Set.of());
        assertThat(relay.verify(relay.sign(custom, "GET", "/api", NOW), "GET", "/api", NOW)).contains(custom);
    }

    @Test
    void anotherRequestMethodOrALaterTimeIsRefused() {
        String assertion = relay.sign(partner, "GET", PATH, NOW);
        assertThat(relay.verify(assertion, "GET", PATH + "&size=500", NOW)).isEmpty();
        assertThat(relay.verify(assertion, "GET", "/api/v1/accounts/other/diagnostics/devices", NOW)).isEmpty();
        assertThat(relay.verify(assertion, "DELETE", PATH, NOW)).isEmpty();
        assertThat(relay.verify(assertion, "GET", PATH, NOW.plusSeconds(31))).isEmpty();
    }

    @Test
    void anotherKeyOrAnyChangedByteIsRefused() {
        String assertion = relay.sign(partner, "GET", PATH, NOW);
        assertThat(new RelayAssertion("another-key-of-thirty-two-bytes!".getBytes(StandardCharsets.UTF_8))
                .verify(assertion, "GET", PATH, NOW)).isEmpty();
        int dot = assertion.indexOf('.');
        String fields = new String(Base64.getUrlDecoder().decode(assertion.substring(0, dot)), StandardCharsets.UTF_8);
        String superAdmin = fields.replace("PARTNER_ADMIN", "SUPER_ADMIN");
        String forged = Base64.getUrlEncoder().withoutPadding().encodeToString(superAdmin.getBytes(StandardCharsets.UTF_8))
                + assertion.substring(dot);
        assertThat(relay.verify(forged, "GET", PATH, NOW)).isEmpty();
        for (int i = 0; i + 1 < assertion.length(); i += 7) {
            if (assertion.charAt(i) == '.' || assertion.charAt(i + 1) == '.') {
                continue;   // a last base64 character may carry unused bits
            }
            char c = assertion.charAt(i);
            String changed = assertion.substring(0, i) + (c == 'A' ? 'B' : 'A') + assertion.substring(i + 1);
            assertThat(relay.verify(changed, "GET", PATH, NOW)).as("byte %d changed", i).isEmpty();
        }
    }

    @Test
    void malformedValuesAreRefusedWithoutAnException() {
        for (String value : new String[] {null, "", ".", "no-dot", "!!!.!!!", "YQ.YQ", "a".repeat(10_000) + "." + "b"}) {
            assertThat(relay.verify(value, "GET", PATH, NOW)).as(String.valueOf(value)).isEmpty();
        }
    }

    @Test
    void theKeyIsAtLeast32BytesOfBase64AndAMissingOneIsRandom() {
        assertThatThrownBy(() -> RelayAssertion.fromSetting("c2hvcnQ=")).hasMessageContaining("at least 32 bytes");
        assertThatThrownBy(() -> RelayAssertion.fromSetting("not base64!")).hasMessageContaining("relay-key");
        String assertion = RelayAssertion.fromSetting(null).sign(partner, "GET", PATH, NOW);
        assertThat(RelayAssertion.fromSetting(" ").verify(assertion, "GET", PATH, NOW)).isEmpty();
        assertThat(RelayAssertion.fromSetting(Base64.getEncoder().encodeToString(KEY)).verify(relay.sign(partner, "GET", PATH, NOW),
                "GET", PATH, NOW)).contains(partner);
    }
}
