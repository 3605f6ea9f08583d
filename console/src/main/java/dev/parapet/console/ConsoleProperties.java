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
 * @param provider     where this server itself reaches the provider's realm when that is not the issuer's address (a
 *                     deployment's internal one, {@code http://identity:8080/realms/parapet}): its token, keys and user
 *                     info endpoints there; browsers are still sent to the issuer's. Empty: the issuer's.
 */
@ConfigurationProperties("parapet.console")
public record ConsoleProperties(URI issuer, String clientId, String clientSecret, URI keys, URI settings, URI diagnostics, URI dns,
                                URI provider) {

    public ConsoleProperties {
        if (issuer == null || keys == null || settings == null || diagnostics == null || dns == null) {
            throw new IllegalArgumentException("parapet.console.issuer, .keys, .settings, .diagnostics and .dns are required");
        }
        clientId = clientId == null || clientId.isBlank() ? "parapet-console" : clientId;
        clientSecret = clientSecret == null ? "" : clientSecret;
    }

    /** An endpoint browsers are sent to (authorization, logout): the issuer's. */
    String endpoint(String path) {
        return endpoint(issuer, path);
    }

    /** An endpoint this server calls itself (token, keys, user info): the provider's internal address where given. */
    String backChannelEndpoint(String path) {
        return endpoint(provider == null || provider.toString().isBlank() ? issuer : provider, path);
    }

    private static String endpoint(URI realm, String path) {
        String base = realm.toString();
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/protocol/openid-connect/" + path;
    }
}
