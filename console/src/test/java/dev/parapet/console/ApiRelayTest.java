package dev.parapet.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.web.server.ResponseStatusException;

class ApiRelayTest {

    static final UUID ACCOUNT = UUID.fromString("6b0c8c1e-4c59-4a8e-9d1e-2f0e6b7a9c11");

    @Test
    void eachPathGoesToTheServiceThatOwnsIt() {
        assertThat(ApiRelay.owner("key")).isEqualTo(ApiRelay.Service.KEYS);
        assertThat(ApiRelay.owner("key/file")).isEqualTo(ApiRelay.Service.KEYS);
        assertThat(ApiRelay.owner("agents")).isEqualTo(ApiRelay.Service.KEYS);
        assertThat(ApiRelay.owner("diagnostics/devices")).isEqualTo(ApiRelay.Service.DIAGNOSTICS);
        assertThat(ApiRelay.owner("query-log")).isEqualTo(ApiRelay.Service.DIAGNOSTICS);
        assertThat(ApiRelay.owner("query-log/retention")).isEqualTo(ApiRelay.Service.DIAGNOSTICS);
        assertThat(ApiRelay.owner("query-logs")).isEqualTo(ApiRelay.Service.SETTINGS);
        assertThat(ApiRelay.owner("dns/explain")).isEqualTo(ApiRelay.Service.DNS);
        assertThat(ApiRelay.owner("dnssec")).isEqualTo(ApiRelay.Service.SETTINGS);
        assertThat(ApiRelay.owner("agent-settings")).isEqualTo(ApiRelay.Service.SETTINGS);
        assertThat(ApiRelay.owner("tamper-protection/password")).isEqualTo(ApiRelay.Service.SETTINGS);
        assertThat(ApiRelay.owner("keys-of-something-else")).isEqualTo(ApiRelay.Service.SETTINGS);
    }

    @Test
    void onlyPathsBelowTheAccountAreRelayed() {
        String base = "/api/v1/accounts/" + ACCOUNT + "/";
        assertThat(ApiRelay.below(base + "tamper-protection/password", ACCOUNT)).isEqualTo("tamper-protection/password");
        for (String hostile : new String[] {"", "../../other", "key/../../x", "a//b", "key%2F..", "key?x", "key#y", "ключ", "a b"}) {
            assertThatThrownBy(() -> ApiRelay.below(base + hostile, ACCOUNT)).as(hostile).isInstanceOf(ResponseStatusException.class);
        }
        assertThatThrownBy(() -> ApiRelay.below("/api/v1/accounts/" + UUID.randomUUID() + "/key", ACCOUNT))
                .isInstanceOf(ResponseStatusException.class);
    }

    @Test
    void thePagesMayLoadOnlyThisOriginAndPostOnlyHereOrToTheProvider() {
        String policy = ConsoleSecurity.contentSecurityPolicy(URI.create("https://id.example.org:8444/realms/parapet"));
        assertThat(policy).contains("default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
                "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self' https://id.example.org:8444");
        assertThat(policy).doesNotContain("unsafe-inline", "unsafe-eval", "*");
    }
}
