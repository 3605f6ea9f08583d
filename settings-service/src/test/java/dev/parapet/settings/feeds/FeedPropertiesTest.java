package dev.parapet.settings.feeds;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import dev.parapet.settings.SettingsProperties;

class FeedPropertiesTest {

    private static FeedProperties bind(Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties)).bindOrCreate("parapet.settings", SettingsProperties.class).feeds();
    }

    @Test
    void byDefaultNoDirectoryIsAllowedAndOnlyPublicAddressesAreFetched() {
        FeedProperties feeds = bind(Map.of());
        assertThat(feeds.allowedDirectories()).isEmpty();
        assertThat(feeds.allowPrivateAddresses()).isFalse();
        assertThat(feeds).isEqualTo(FeedProperties.DEFAULTS);
    }

    @Test
    void directoriesBindFromACommaSeparatedListAndAreNormalised() {
        FeedProperties feeds = bind(Map.of("parapet.settings.feeds.allowed-directories", "/srv/feeds/,/opt/parapet/../lists",
                "parapet.settings.feeds.check-every", "1s"));
        assertThat(feeds.allowedDirectories()).containsExactly(Path.of("/srv/feeds"), Path.of("/opt/lists"));
        assertThat(feeds.checkEvery()).isEqualTo(Duration.ofSeconds(1));
    }
}
