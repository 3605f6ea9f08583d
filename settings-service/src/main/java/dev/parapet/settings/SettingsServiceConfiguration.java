package dev.parapet.settings;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.parapet.kit.secrets.Secrets;
import dev.parapet.kit.state.AwaitStateFilter;
import dev.parapet.settings.agentsettings.SettingsState;

/** Wires settings-service: its secrets and the wait for its state at start-up. */
@Configuration
@EnableConfigurationProperties(SettingsProperties.class)
public class SettingsServiceConfiguration {

    @Bean
    Secrets settingsSecrets(SettingsProperties properties) {
        return Secrets.configured(properties.encryptionKeys(), properties.currentEncryptionKey(), "parapet.settings");
    }

    @Bean
    AwaitStateFilter awaitSettingsState(SettingsState state) {
        return new AwaitStateFilter(state.follower());
    }
}
