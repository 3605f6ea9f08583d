package dev.parapet.kit.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class LocationEndpointsTest {

    private static final String DOMAIN = "dot.parapet.test";

    @Test
    void secretsAreLongUrlSafeAndDifferent() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            String secret = LocationEndpoints.newSecret();
            assertThat(secret).hasSize(LocationEndpoints.SECRET_LENGTH).matches("[A-Za-z0-9_-]+");
            assertThat(LocationEndpoints.isSecret(secret)).isTrue();
            assertThat(seen.add(secret)).isTrue();
        }
        assertThat(LocationEndpoints.SECRET_BYTES * 8).as("at least 128 bits").isGreaterThanOrEqualTo(128);
    }

    @Test
    void onlyTheIssuedShapeIsASecret() {
        String secret = LocationEndpoints.newSecret();
        assertThat(LocationEndpoints.isSecret(secret.substring(1))).isFalse();
        assertThat(LocationEndpoints.isSecret(secret + "A")).isFalse();
        assertThat(LocationEndpoints.isSecret(secret.substring(1) + "=")).isFalse();
        assertThat(LocationEndpoints.isSecret(secret.substring(1) + "/")).isFalse();
        assertThat(LocationEndpoints.isSecret(secret.substring(1) + "é")).isFalse();
        assertThat(LocationEndpoints.isSecret(null)).isFalse();
        assertThat(LocationEndpoints.isSecret("")).isFalse();
    }

    @Test
    void labelsAreLowerCaseBase32OfEightyBits() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            String label = LocationEndpoints.newLabel();
            assertThat(label).matches("[a-z2-7]{16}");
            assertThat(seen.add(label)).isTrue();
        }
        assertThat(LocationEndpoints.isLabel("ABCDEFGHIJKLMNOP")).isFalse();
        assertThat(LocationEndpoints.isLabel("abcdefghijklmno1")).as("1 is not base32").isFalse();
    }

    @Test
    void theLabelOfAHostNameIsOneIssuedLabelBeforeTheDomain() {
        String label = LocationEndpoints.newLabel();
        assertThat(LocationEndpoints.labelOf(label + "." + DOMAIN, DOMAIN)).contains(label);
        assertThat(LocationEndpoints.labelOf((label + "." + DOMAIN).toUpperCase() + ".", DOMAIN)).as("any case, a trailing dot")
                .contains(label);
        assertThat(LocationEndpoints.labelOf("x." + label + "." + DOMAIN, DOMAIN)).as("two labels").isEmpty();
        assertThat(LocationEndpoints.labelOf(label + ".x" + DOMAIN, DOMAIN)).isEmpty();
        assertThat(LocationEndpoints.labelOf(label + "." + DOMAIN + ".evil.test", DOMAIN)).isEmpty();
        assertThat(LocationEndpoints.labelOf(DOMAIN, DOMAIN)).isEmpty();
        assertThat(LocationEndpoints.labelOf("." + DOMAIN, DOMAIN)).isEmpty();
        assertThat(LocationEndpoints.labelOf("abc." + DOMAIN, DOMAIN)).as("not an issued label").isEmpty();
        assertThat(LocationEndpoints.labelOf(label.replace(label.charAt(0), '\u212a') + "." + DOMAIN, DOMAIN))
                .as("no non-ASCII, even what lower-cases to ASCII").isEmpty();
        assertThat(LocationEndpoints.labelOf(null, DOMAIN)).isEmpty();
        assertThat(LocationEndpoints.labelOf("a".repeat(300), DOMAIN)).isEmpty();
    }

    @Test
    void aConfiguredDomainIsNormalisedOrRefused() {
        assertThat(LocationEndpoints.domain(" DoT.Example.COM. ", "p")).isEqualTo("dot.example.com");
        assertThatThrownBy(() -> LocationEndpoints.domain("localhost", "parapet.dns.location-dot-domain"))
                .hasMessageContaining("parapet.dns.location-dot-domain");
        assertThatThrownBy(() -> LocationEndpoints.domain("bad_name.test", "p")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LocationEndpoints.domain(null, "p")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theFingerprintIsTheHexSha256() {
        assertThat(LocationEndpoints.fingerprint("abc"))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
