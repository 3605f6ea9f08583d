package dev.parapet.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

class KeyServicePropertiesTest {

    static KeyServiceProperties with(Map<String, String> regionUrls, String apiUrl) {
        return new KeyServiceProperties(Map.of(), "k1", regionUrls, "eu", 30, 120, Duration.ofSeconds(10), "/tmp/keys", apiUrl);
    }

    @Test
    void eachRegionHasItsOwnAddressUnlessOneAddressServesThemAll() {
        Map<String, String> regions = Map.of("eu", "https://eu.api.example", "us", "https://us.api.example");
        assertThat(with(regions, null).apiBaseUrl("EU")).isEqualTo("https://eu.api.example");
        assertThat(with(regions, " ").apiBaseUrl("us")).isEqualTo("https://us.api.example");
        assertThat(with(regions, null).apiBaseUrl("jer")).isNull();
        assertThat(with(regions, "https://agents.example:9443").apiBaseUrl("us")).isEqualTo("https://agents.example:9443");
        assertThat(with(null, "https://agents.example:9443").apiBaseUrl("jer")).isEqualTo("https://agents.example:9443");
        assertThat(with(null, null).apiBaseUrl("eu")).isNull();
    }
}
