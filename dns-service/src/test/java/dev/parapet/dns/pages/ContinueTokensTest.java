package dev.parapet.dns.pages;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.parapet.dns.pages.ContinueTokens.Grant;

class ContinueTokensTest {

    static final UUID ACCOUNT = UUID.randomUUID();
    static final String CLIENT = "192.0.2.7";
    static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");

    final PageSecret secret = PageSecret.random();
    final ContinueTokens tokens = new ContinueTokens(secret);

    @Test
    void aTokenLetsItsClientContinueToItsNameInItsAccount() {
        String token = tokens.issue(ACCOUNT, CLIENT, "casino.example", NOW);
        assertThat(tokens.verify(token, CLIENT, NOW.plus(Duration.ofMinutes(14))).grant())
                .contains(new Grant(ACCOUNT, "casino.example"));
        assertThat(new ContinueTokens(secret).verify(token, CLIENT, NOW).grant()).as("another instance, same secret")
                .contains(new Grant(ACCOUNT, "casino.example"));
    }

    @Test
    void anotherClientCannotUseIt() {
        String token = tokens.issue(ACCOUNT, CLIENT, "casino.example", NOW);
        assertThat(tokens.verify(token, "192.0.2.8", NOW).refusal()).contains("not issued to this device");
    }

    @Test
    void nobodyCanChangeTheNameTheAccountOrTheExpiry() {
        String token = tokens.issue(ACCOUNT, CLIENT, "casino.example", NOW);
        String signature = token.substring(token.indexOf('.'));
        long expiry = NOW.plus(ContinueTokens.LIFETIME).getEpochSecond();
        for (String payload : new String[] {
                ACCOUNT + "|other.example|" + expiry,
                ACCOUNT + "|casino.example.other.example|" + expiry,
                UUID.randomUUID() + "|casino.example|" + expiry,
                ACCOUNT + "|casino.example|" + (expiry + 86_400)}) {
            String forged = Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + signature;
            assertThat(tokens.verify(forged, CLIENT, NOW).grant()).as(payload).isEmpty();
        }
        assertThat(new ContinueTokens(PageSecret.random()).verify(token, CLIENT, NOW).grant()).as("another secret").isEmpty();
    }

    @Test
    void anExpiredTokenIsRefused() {
        String token = tokens.issue(ACCOUNT, CLIENT, "casino.example", NOW);
        assertThat(tokens.verify(token, CLIENT, NOW.plus(ContinueTokens.LIFETIME).plusSeconds(1)).refusal()).contains("expired");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {".", "abc", "a.b", "!!!.???", "Y2FzaW5v.", ".Y2FzaW5v"})
    void garbageIsRefusedNotThrown(String token) {
        assertThat(tokens.verify(token, CLIENT, NOW).grant()).isEmpty();
        assertThat(tokens.verify("A".repeat(100_000) + ".AAAA", CLIENT, NOW).grant()).isEmpty();
    }
}
