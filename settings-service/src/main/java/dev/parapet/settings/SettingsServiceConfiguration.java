package dev.parapet.settings;

import java.util.Map;

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
        Map<String, String> keys = properties.encryptionKeys();
        if (keys == null || keys.isEmpty() || properties.currentEncryptionKey() == null) {
            throw new IllegalStateException("settings-service needs at least one encryption key: set "
                    + "parapet.settings.encryption-keys.<id>=<base64 of 32 random bytes> and parapet.settings.current-encryption-key=<id>");
        }
        return new Secrets(keys, properties.currentEncryptionKey());
    }

    @Bean
    AwaitStateFilter awaitSettingsState(SettingsState state) {
        return new AwaitStateFilter(state.follower());
    }
}
