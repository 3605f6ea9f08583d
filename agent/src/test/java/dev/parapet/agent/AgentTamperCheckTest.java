package dev.parapet.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.parapet.agent.AgentConfiguration.PasswordVerifier;
import dev.parapet.agent.AgentConfiguration.TamperProtection;
import dev.parapet.kit.secrets.Secrets;
import dev.parapet.schemas.v1.common.Verifier;

/**
 * The agent's offline password check against verifiers made by settings-service's own code
 * ({@code Secrets.passwordVerifier}, service-kit as a test dependency), rendered into the stream's
 * JSON the way {@code AgentConfigurationStreams.settings} renders them.
 */
class AgentTamperCheckTest {

    static final String CURRENT = "7K2QX-M4N8P-RT5VW-ZA3CD-EF9GH";
    static final String PREVIOUS = "A1B2C-D3E4F-G5H6J-K7M8N-P9Q0R";

    /** As the stream sends it: algorithm, iterations, base64 salt and hash. */
    static Map<String, Object> rendered(Verifier verifier) {
        Base64.Encoder base64 = Base64.getEncoder();
        return Map.of("algorithm", verifier.getAlgorithm(), "iterations", verifier.getIterations(),
                "salt", base64.encodeToString(verifier.getSalt().array()), "hash", base64.encodeToString(verifier.getHash().array()));
    }

    static TamperProtection fromStream(Verifier current, Verifier previous) {
        Map<String, Object> tamper = new LinkedHashMap<>();
        tamper.put("current", rendered(current));
        tamper.put("previous", previous == null ? null : rendered(previous));
        tamper.put("generatedAt", "2026-03-01T10:15:30Z");
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("version", 4);
        settings.put("userAuthentication", true);
        settings.put("enforceUserAuthentication", false);
        settings.put("manageUpdates", false);
        settings.put("tamperProtection", tamper);
        JsonNode json = StateStore.json().valueToTree(settings);
        return AgentConfiguration.settings(json).tamperProtection();
    }

    @Test
    void theCurrentAndThePreviousPasswordOpenAndNothingElse() {
        TamperProtection protection = fromStream(Secrets.passwordVerifier(CURRENT), Secrets.passwordVerifier(PREVIOUS));

        assertThat(protection.current().iterations()).isEqualTo(Secrets.PASSWORD_ITERATIONS);
        assertThat(TamperCheck.check(CURRENT, protection)).isEqualTo(TamperCheck.Outcome.CURRENT);
        assertThat(TamperCheck.check(PREVIOUS, protection)).isEqualTo(TamperCheck.Outcome.PREVIOUS);
        assertThat(TamperCheck.check(CURRENT.toLowerCase(), protection)).isEqualTo(TamperCheck.Outcome.WRONG);
        assertThat(TamperCheck.check("", protection)).isEqualTo(TamperCheck.Outcome.WRONG);
    }

    @Test
    void withoutAPreviousPasswordOnlyTheCurrentOpens() {
        TamperProtection protection = fromStream(Secrets.passwordVerifier(CURRENT), null);

        assertThat(TamperCheck.check(CURRENT, protection)).isEqualTo(TamperCheck.Outcome.CURRENT);
        assertThat(TamperCheck.check(PREVIOUS, protection)).isEqualTo(TamperCheck.Outcome.WRONG);
    }

    @Test
    void noTamperProtectionIsSaidSo() {
        assertThat(TamperCheck.check(CURRENT, null)).isEqualTo(TamperCheck.Outcome.NOT_CONFIGURED);
        assertThat(AgentConfiguration.installDefaults().settings().tamperProtection()).isNull();
    }

    @Test
    void aVerifierTheAgentCannotTrustMatchesNothing() {
        Map<String, Object> good = rendered(Secrets.passwordVerifier(CURRENT));
        PasswordVerifier right = new PasswordVerifier((String) good.get("algorithm"), (Integer) good.get("iterations"),
                (String) good.get("salt"), (String) good.get("hash"));

        assertThat(TamperCheck.matches(CURRENT, right)).isTrue();
        assertThat(TamperCheck.matches(CURRENT, new PasswordVerifier("SHA-256", right.iterations(), right.salt(), right.hash()))).isFalse();
        assertThat(TamperCheck.matches(CURRENT, new PasswordVerifier(right.algorithm(), Integer.MAX_VALUE, right.salt(), right.hash())))
                .as("an iteration count that would take hours").isFalse();
        assertThat(TamperCheck.matches(CURRENT, new PasswordVerifier(right.algorithm(), 0, right.salt(), right.hash()))).isFalse();
        assertThat(TamperCheck.matches(CURRENT, new PasswordVerifier(right.algorithm(), right.iterations(), "", right.hash()))).isFalse();
        assertThat(TamperCheck.matches(CURRENT, new PasswordVerifier(right.algorithm(), right.iterations(), right.salt(), "AAAA"))).isFalse();
    }
}
