package dev.parapet.keys.key;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.parapet.schemas.v1.common.Region;

class CustomerKeysTest {

    @Test
    void aGeneratedKeyParsesBackWithItsRegionHoweverItIsTyped() {
        for (Region region : Region.values()) {
            String key = CustomerKeys.generate(region);
            assertThat(key).matches("PK1-" + region.name() + "-[0-9A-Z]{32}-[0-9A-Z]{4}");
            assertThat(CustomerKeys.parse(key).key()).hasValueSatisfying(parsed -> {
                assertThat(parsed.region()).isEqualTo(region);
                assertThat(parsed.canonical()).isEqualTo(key);
            });
            assertThat(CustomerKeys.parse("  " + key.toLowerCase().replace("-", " - ") + "\n").key()).isPresent();
        }
    }

    @Test
    void keysAreUnpredictable() {
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            keys.add(CustomerKeys.generate(Region.EU));
        }
        assertThat(keys).hasSize(10_000);
    }

    @Test
    void everySingleCharacterMistakeInAKeyIsToldApartAsMistyped() {
        String key = "PK1-EU-7M2QH4K9ZT0RBX6WJ3NDF8CVSA1PGY5E-" ;
        key = key + CustomerKeys.checksum(key.substring(0, key.length() - 1));
        assertThat(CustomerKeys.parse(key).key()).isPresent();
        String alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        int body = "PK1-EU-".length();
        for (int i = body; i < key.length(); i++) {
            if (key.charAt(i) == '-') {
                continue;
            }
            for (char c : alphabet.toCharArray()) {
                if (c == key.charAt(i)) {
                    continue;
                }
                String typo = key.substring(0, i) + c + key.substring(i + 1);
                assertThat(CustomerKeys.parse(typo).malformation()).as(typo).contains(CustomerKeys.Malformation.MISTYPED);
            }
        }
    }

    @Test
    void textThatIsNotAKeyIsSaidToBeNone() {
        assertThat(CustomerKeys.parse("hello").malformation()).contains(CustomerKeys.Malformation.NOT_A_KEY);
        assertThat(CustomerKeys.parse(null).malformation()).contains(CustomerKeys.Malformation.NOT_A_KEY);
        assertThat(CustomerKeys.parse("x".repeat(10_000)).malformation()).contains(CustomerKeys.Malformation.NOT_A_KEY);
        String key = CustomerKeys.generate(Region.US);
        assertThat(CustomerKeys.parse(key.replace("PK1-US-", "PK1-XX-")).malformation())
                .contains(CustomerKeys.Malformation.UNKNOWN_REGION);
    }
}
