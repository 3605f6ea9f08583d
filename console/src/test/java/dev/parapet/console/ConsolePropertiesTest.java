package dev.parapet.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;

import org.junit.jupiter.api.Test;

class ConsolePropertiesTest {

    static final URI ISSUER = URI.create("https://id.example.org/realms/parapet");

    static ConsoleProperties withProvider(String provider) {
        return new ConsoleProperties(ISSUER, null, null, URI.create("http://keys"), URI.create("http://settings"),
                URI.create("http://diagnostics"), URI.create("http://dns"), provider == null ? null : URI.create(provider));
    }

    @Test
    void browsersGoToTheIssuerAndTheServerToo_whenNoInternalAddressIsGiven() {
        ConsoleProperties properties = withProvider(null);
        assertThat(properties.endpoint("auth")).isEqualTo("https://id.example.org/realms/parapet/protocol/openid-connect/auth");
        assertThat(properties.backChannelEndpoint("token")).isEqualTo("https://id.example.org/realms/parapet/protocol/openid-connect/token");
        assertThat(properties.clientId()).isEqualTo("parapet-console");
    }

    @Test
    void theServerCallsTheProvidersInternalAddressWhileBrowsersStillGoToTheIssuer() {
        ConsoleProperties properties = withProvider("http://identity:8080/realms/parapet/");
        assertThat(properties.endpoint("auth")).isEqualTo("https://id.example.org/realms/parapet/protocol/openid-connect/auth");
        assertThat(properties.endpoint("logout")).startsWith("https://id.example.org/");
        assertThat(properties.backChannelEndpoint("token")).isEqualTo("http://identity:8080/realms/parapet/protocol/openid-connect/token");
        assertThat(properties.backChannelEndpoint("certs")).isEqualTo("http://identity:8080/realms/parapet/protocol/openid-connect/certs");
        assertThat(withProvider("").backChannelEndpoint("token")).startsWith("https://id.example.org/");
    }
}
