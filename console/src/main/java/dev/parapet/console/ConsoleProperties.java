package dev.parapet.console;

import java.net.URI;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Where the console signs administrators in and where it relays their calls.
 *
 * @param issuer       the identity provider's issuer (Keycloak: {@code https://id.example.org/realms/parapet}); its
 *                     authorization, token, keys and logout endpoints are Keycloak's paths below it unless given
 * @param clientId     the console's client at the provider (a public client with PKCE, or confidential with a secret)
 * @param clientSecret its secret when confidential, else empty
 * @param keys         key-service's API base ({@code http://127.0.0.1:18101})
 * @param settings     settings-service's
 * @param diagnostics  diagnostics-service's
 * @param dns          dns-service's (explain)
 */
@ConfigurationProperties("parapet.console")
public record ConsoleProperties(URI issuer, String clientId, String clientSecret, URI keys, URI settings, URI diagnostics, URI dns) {

    public ConsoleProperties {
        if (issuer == null || keys == null || settings == null || diagnostics == null || dns == null) {
            throw new IllegalArgumentException("parapet.console.issuer, .keys, .settings, .diagnostics and .dns are required");
        }
        clientId = clientId == null || clientId.isBlank() ? "parapet-console" : clientId;
        clientSecret = clientSecret == null ? "" : clientSecret;
    }

    String endpoint(String path) {
        String base = issuer.toString();
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/protocol/openid-connect/" + path;
    }
}
