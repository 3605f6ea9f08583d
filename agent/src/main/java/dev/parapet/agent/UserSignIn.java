package dev.parapet.agent;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.parapet.agent.AgentState.UserSession;

/**
 * Signs the device's user in with their organisation's identity provider as native applications do:
 * the OAuth 2.0 Device Authorization Grant (RFC 8628). The agent shows a link and a code; the user opens
 * it in any browser, signs in there with their directory credentials, and the agent receives an access
 * token (audience {@code parapet-dns}, which dns-service verifies on every DoH query) and a refresh token,
 * which it keeps in its 0600 state file and uses to renew the access token before it expires. The agent
 * never sees the user's password. Sign-out revokes the refresh token (RFC 7009).
 *
 * <p>Every answer of the provider is bounded and checked field by field; endpoints must be HTTPS (plain
 * HTTP on loopback only, for the local stack).
 */
public final class UserSignIn {

    /** The client the agent is registered as with the identity provider. */
    public static final String DEFAULT_CLIENT_ID = "parapet-agent";
    static final String DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
    static final int MAX_BODY = 256 * 1024;
    static final Duration DEADLINE = Duration.ofSeconds(15);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The provider's endpoints, from its OpenID discovery document. */
    public record Provider(String issuer, URI deviceAuthorization, URI token, URI revocation) {
    }

    /** What the user must do: open {@code verificationUriComplete}, or open {@code verificationUri} and type {@code userCode}. */
    public record DeviceAuthorization(String deviceCode, String userCode, URI verificationUri, URI verificationUriComplete,
                                      Duration interval, Instant expiresAt) {
    }

    /** The provider refused (the message says why, in its words where it gave them). */
    public static final class SignInFailed extends Exception {
        private final String error;

        SignInFailed(String error, String message) {
            super(message);
            this.error = error;
        }

        /** The OAuth error code ({@code invalid_grant}, {@code access_denied}, …), or null for a transport failure. */
        public String error() {
            return error;
        }
    }

    private final HttpClient http;
    private final Clock clock;

    public UserSignIn(HttpClient http, Clock clock) {
        this.http = http;
        this.clock = clock;
    }

    /** Reads the issuer's discovery document; its {@code issuer} must be the one asked for (OpenID Connect Discovery, 4.3). */
    public Provider discover(String issuer) throws SignInFailed, InterruptedException {
        URI base = allowed(URI.create(issuer.replaceAll("/+$", "")), "issuer");
        JsonNode document = get(URI.create(base + "/.well-known/openid-configuration"));
        String named = text(document, "issuer");
        if (!base.toString().equals(named)) {
            throw new SignInFailed(null, "the identity provider at " + base + " names another issuer: " + Enrolment.printable(named));
        }
        return new Provider(named, allowed(uri(document, "device_authorization_endpoint"), "device_authorization_endpoint"),
                allowed(uri(document, "token_endpoint"), "token_endpoint"),
                document.hasNonNull("revocation_endpoint") ? allowed(uri(document, "revocation_endpoint"), "revocation_endpoint") : null);
    }

    /** Asks for a device code (RFC 8628, 3.1). */
    public DeviceAuthorization authorize(Provider provider, String clientId) throws SignInFailed, InterruptedException {
        JsonNode answer = post(provider.deviceAuthorization(), Map.of("client_id", clientId, "scope", "openid email"));
        long interval = answer.path("interval").asLong(5);
        long expiresIn = answer.path("expires_in").asLong(600);
        URI verification = allowedPage(uri(answer, "verification_uri"));
        URI complete = answer.hasNonNull("verification_uri_complete") ? allowedPage(uri(answer, "verification_uri_complete")) : null;
        return new DeviceAuthorization(text(answer, "device_code"), text(answer, "user_code"), verification, complete,
                Duration.ofSeconds(Math.max(1, Math.min(interval, 60))), clock.instant().plusSeconds(Math.min(expiresIn, 3600)));
    }

    /**
     * Polls the token endpoint until the user has signed in (RFC 8628, 3.4-3.5): waits {@code interval}
     * between polls, five seconds more after {@code slow_down}; {@code access_denied} and
     * {@code expired_token} end it.
     */
    public UserSession await(Provider provider, String clientId, DeviceAuthorization authorization, Consumer<Duration> sleeper)
            throws SignInFailed, InterruptedException {
        Duration interval = authorization.interval();
        while (clock.instant().isBefore(authorization.expiresAt())) {
            sleeper.accept(interval);
            try {
                return session(provider, clientId, post(provider.token(), Map.of("grant_type", DEVICE_GRANT,
                        "device_code", authorization.deviceCode(), "client_id", clientId)));
            } catch (SignInFailed e) {
                if ("authorization_pending".equals(e.error())) {
                    continue;
                }
                if ("slow_down".equals(e.error())) {
                    interval = interval.plusSeconds(5);
                    continue;
                }
                throw e;
            }
        }
        throw new SignInFailed("expired_token", "the sign-in code expired before the user signed in: run login again");
    }

    /** Renews the access token with the refresh token (RFC 6749, 6); a refused refresh means the user must sign in again. */
    public UserSession refresh(UserSession session) throws SignInFailed, InterruptedException {
        JsonNode answer = post(URI.create(session.tokenEndpoint()), Map.of("grant_type", "refresh_token",
                "refresh_token", session.refreshToken(), "client_id", session.clientId()));
        UserSession renewed = session(session.issuer(), session.clientId(), session.tokenEndpoint(), session.revocationEndpoint(), answer);
        return renewed.refreshToken() == null ? new UserSession(renewed.issuer(), renewed.clientId(), renewed.tokenEndpoint(),
                renewed.revocationEndpoint(), renewed.accessToken(), renewed.accessExpiresAt(), session.refreshToken(),
                session.refreshExpiresAt()) : renewed;
    }

    /** Revokes the refresh token (RFC 7009), which ends the provider's session for this device. */
    public void revoke(UserSession session) throws SignInFailed, InterruptedException {
        if (session.revocationEndpoint() == null) {
            throw new SignInFailed(null, "the identity provider has no revocation endpoint");
        }
        post(URI.create(session.revocationEndpoint()), Map.of("token", session.refreshToken(), "token_type_hint", "refresh_token",
                "client_id", session.clientId()));
    }

    /** The address a token names ({@code email}), read without verifying it: dns-service verifies it, the agent only shows it. */
    public static String email(String accessToken) throws SignInFailed {
        String[] parts = accessToken.split("\\.");
        if (parts.length != 3) {
            throw new SignInFailed(null, "the identity provider's access token is not a JWT");
        }
        try {
            JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            String email = claims.path("email").asText("").strip().toLowerCase(Locale.ROOT);
            if (email.length() > 254 || !LoginCommand.USER.matcher(email).matches()) {
                throw new SignInFailed(null, "the identity provider's token names no e-mail address (map the 'email' claim)");
            }
            return email;
        } catch (IOException | IllegalArgumentException e) {
            throw new SignInFailed(null, "the identity provider's access token is unreadable");
        }
    }

    private UserSession session(Provider provider, String clientId, JsonNode answer) throws SignInFailed {
        return session(provider.issuer(), clientId, provider.token().toString(),
                provider.revocation() == null ? null : provider.revocation().toString(), answer);
    }

    private UserSession session(String issuer, String clientId, String tokenEndpoint, String revocationEndpoint, JsonNode answer)
            throws SignInFailed {
        String access = text(answer, "access_token");
        if (!"bearer".equalsIgnoreCase(answer.path("token_type").asText("bearer"))) {
            throw new SignInFailed(null, "the identity provider issued a token of another type");
        }
        Instant now = clock.instant();
        long expiresIn = Math.max(1, Math.min(answer.path("expires_in").asLong(300), 86_400));
        String refresh = answer.hasNonNull("refresh_token") ? answer.get("refresh_token").asText() : null;
        long refreshIn = answer.path("refresh_expires_in").asLong(0);
        return new UserSession(issuer, clientId, tokenEndpoint, revocationEndpoint, access, now.plusSeconds(expiresIn), refresh,
                refreshIn > 0 ? now.plusSeconds(refreshIn) : null);
    }

    private JsonNode get(URI uri) throws SignInFailed, InterruptedException {
        return send(HttpRequest.newBuilder(uri).timeout(DEADLINE).header("Accept", "application/json").GET().build());
    }

    private JsonNode post(URI uri, Map<String, String> form) throws SignInFailed, InterruptedException {
        String body = new LinkedHashMap<>(form).entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return send(HttpRequest.newBuilder(uri).timeout(DEADLINE).header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private JsonNode send(HttpRequest request) throws SignInFailed, InterruptedException {
        HttpResponse<byte[]> response;
        try {
            response = BoundedBody.send(http, request, MAX_BODY, DEADLINE);
        } catch (IOException e) {
            throw new SignInFailed(null, "the identity provider at " + request.uri().getHost() + " cannot be reached: " + Enrolment.describe(e));
        }
        byte[] body = response.body();
        if (response.statusCode() == 200 && body.length == 0) {
            return JSON.createObjectNode();
        }
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (IOException e) {
            throw new SignInFailed(null, "the identity provider answered " + response.statusCode() + " with something other than JSON");
        }
        if (response.statusCode() != 200 || json == null || !json.isObject()) {
            String error = json != null && json.hasNonNull("error") ? json.get("error").asText() : null;
            String description = json != null && json.hasNonNull("error_description") ? json.get("error_description").asText() : null;
            throw new SignInFailed(error, "the identity provider refused (" + response.statusCode()
                    + (error != null ? ", " + Enrolment.printable(error) : "")
                    + (description != null ? ": " + Enrolment.printable(description) : "") + ")");
        }
        return json;
    }

    private static String text(JsonNode node, String field) throws SignInFailed {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual() || value.asText().isEmpty() || value.asText().length() > 16_384) {
            throw new SignInFailed(null, "the identity provider's answer has no usable '" + field + "'");
        }
        return value.asText();
    }

    private static URI uri(JsonNode node, String field) throws SignInFailed {
        try {
            return URI.create(text(node, field));
        } catch (IllegalArgumentException e) {
            throw new SignInFailed(null, "the identity provider's '" + field + "' is not a URL");
        }
    }

    private static URI allowed(URI uri, String what) throws SignInFailed {
        if (!Endpoints.isAllowed(uri)) {
            throw new SignInFailed(null, what + " must be an https URL (plain http only on this machine): " + Enrolment.printable(uri.toString()));
        }
        return uri;
    }

    /** The page shown to the user: http(s) only, nothing that a terminal would run. */
    private static URI allowedPage(URI uri) throws SignInFailed {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null) {
            throw new SignInFailed(null, "the identity provider's verification page is not a web address");
        }
        return uri;
    }
}
