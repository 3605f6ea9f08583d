package dev.parapet.kit.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.parapet.schemas.v1.common.EncryptedSecret;

class SecretsTest {

    private static final String K1 = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    private static final String K2 = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";

    @Test
    void aSecretSealedUnderAnOldKeyStillOpensAfterRotation() {
        EncryptedSecret sealed = new Secrets(Map.of("k1", K1), "k1").encrypt("s3cret", "account-1");
        Secrets rotated = new Secrets(Map.of("k1", K1, "k2", K2), "k2");

        assertThat(rotated.decrypt(sealed, "account-1")).isEqualTo("s3cret");
        assertThat(rotated.encrypt("s3cret", "account-1").getKeyId()).isEqualTo("k2");
    }

    @Test
    void aCiphertextMovedToAnotherAccountDoesNotOpen() {
        Secrets secrets = new Secrets(Map.of("k1", K1), "k1");
        EncryptedSecret sealed = secrets.encrypt("s3cret", "account-1");
        assertThatThrownBy(() -> secrets.decrypt(sealed, "account-2")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aVerifierMatchesItsSecretOnly() {
        var verifier = Secrets.verifier("correct horse");
        assertThat(Secrets.matches("correct horse", verifier)).isTrue();
        assertThat(Secrets.matches("correct horsE", verifier)).isFalse();
    }

    @Test
    void aPasswordVerifierIsSaltedSlowAndMatchesOnlyItsPassword() {
        var first = Secrets.passwordVerifier("7M2QH-4K9ZT");
        var second = Secrets.passwordVerifier("7M2QH-4K9ZT");
        assertThat(first.getAlgorithm()).isEqualTo("PBKDF2WithHmacSHA256");
        assertThat(first.getIterations()).isGreaterThanOrEqualTo(210_000);
        assertThat(first.getHash()).isNotEqualTo(second.getHash());
        assertThat(Secrets.passwordMatches("7M2QH-4K9ZT", first)).isTrue();
        assertThat(Secrets.passwordMatches("7M2QH-4K9ZX", first)).isFalse();
    }
}
