package dev.parapet.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

/**
 * Parapet's realm on a real Keycloak, federating the demo directory on a real slapd, both started as the
 * local stack starts them: administrators get their account and role as claims, through the provider's
 * own sign-in page (authorization code with PKCE); the automation client gets its account's claims; a
 * directory user signs in with their directory password through the device authorization grant and gets
 * a token for dns-service naming their directory groups, which follow the directory at the next refresh;
 * a wrong password is refused; a revoked refresh token refreshes nothing.
 */
class IdentityProviderTest {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final UUID ACCOUNT = UUID.randomUUID();
    static final UUID MANAGED_ACCOUNT = UUID.randomUUID();
    static Path work;
    static Directory directory;
    static IdentityProvider identity;
    static long directoryMillis;
    static long identityMillis;

    @BeforeAll
    static void start() throws Exception {
        Path target = Path.of("target").toAbsolutePath();
        Files.createDirectories(target);
        work = Files.createTempDirectory(target, "identity-");
        long started = System.nanoTime();
        directory = Directory.start(work.resolve("directory"), Ports.free());
        directoryMillis = (System.nanoTime() - started) / 1_000_000;
        started = System.nanoTime();
        identity = IdentityProvider.start(StackDistribution.locate(), work.resolve("identity"), Ports.free(), Ports.free(), ACCOUNT, MANAGED_ACCOUNT, directory);
        identityMillis = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("directory ready in %d ms, identity provider (first start, realm provisioned) in %d ms%n",
                directoryMillis, identityMillis);
    }

    @AfterAll
    static void stop() {
        if (identity != null) {
            identity.close();
        }
        if (directory != null) {
            directory.close();
        }
    }

    @Test
    void theProviderIsOneNodeWithLocalCachesAndFormsNoCluster() throws Exception {
        // A clustered cache would open JGroups (its own ports, on the machine's address, not only loopback) and discovery.
        String log = Files.readString(work.resolve("identity").resolve("keycloak.log"));
        assertThat(log).contains("Listening on: http://127.0.0.1:" + identity.port())
                .doesNotContain("JGroups").doesNotContain("ISPN000078");
    }

    @Test
    void administratorsSignInOnTheProvidersPageAndCarryTheirAccountAndRole() throws Exception {
        JWTClaimsSet superAdmin = consoleSignIn("admin@demo.parapet.local", identity.demoAdministratorPassword());
        assertThat(superAdmin.getIssuer()).isEqualTo(identity.issuer());
        assertThat(superAdmin.getAudience()).contains(IdentityProvider.ADMIN_AUDIENCE);
        assertThat(superAdmin.getStringClaim("account")).isEqualTo(ACCOUNT.toString());
        assertThat(superAdmin.getStringClaim("role")).isEqualTo("SUPER_ADMIN");
        assertThat(superAdmin.getStringClaim("email")).as("named to people by their address").isEqualTo("admin@demo.parapet.local");
        assertThat(superAdmin.getExpirationTime()).isNotNull();
        assertThat(superAdmin.getSubject()).isNotBlank();

        assertThat(consoleSignIn("basic@demo.parapet.local", identity.demoAdministratorPassword()).getStringClaim("role"))
                .isEqualTo("BASIC_ADMIN");
        JWTClaimsSet custom = consoleSignIn("custom@demo.parapet.local", identity.demoAdministratorPassword());
        assertThat(custom.getStringClaim("role")).isEqualTo("CUSTOM");
        assertThat(custom.getStringListClaim("permissions")).containsExactlyInAnyOrder("directory-groups:read", "web-security:read");
        // The local stack's Partner Administrator: its own account, and the one it manages.
        JWTClaimsSet partner = consoleSignIn("partner@demo.parapet.local", identity.demoAdministratorPassword());
        assertThat(partner.getStringClaim("role")).isEqualTo("PARTNER_ADMIN");
        assertThat(partner.getStringClaim("account")).isEqualTo(ACCOUNT.toString());
        assertThat(partner.getStringListClaim("managed_accounts")).containsExactly(MANAGED_ACCOUNT.toString());

        BrowserSignIn.Outcome wrong = new BrowserSignIn(identity.base()).signIn(authorizationUrl(challenge("a-verifier-of-at-least-43-characters-long-enough")),
                "admin@demo.parapet.local", "wrong");
        assertThat(wrong.code()).as("no code for a wrong password").isNull();
        assertThat(wrong.page()).containsIgnoringCase("invalid");
    }

    @Test
    void aUserCannotGiveThemselvesARoleInTheAccountConsole() throws Exception {
        // Signed in to the provider's own account console (its public client, PKCE), Basic tries to become Super.
        String verifier = "account-console-verifier-" + UUID.randomUUID();
        String redirect = identity.issuer() + "/account/";
        BrowserSignIn.Outcome outcome = new BrowserSignIn(identity.base(), redirect).signIn(URI.create(identity.issuer()
                + "/protocol/openid-connect/auth?" + IdentityProvider.form(Map.of("client_id", "account-console", "response_type", "code",
                "scope", "openid", "redirect_uri", redirect, "state", "s", "code_challenge", challenge(verifier),
                "code_challenge_method", "S256"))), "basic@demo.parapet.local", identity.demoAdministratorPassword());
        assertThat(outcome.code()).as(outcome.toString()).isNotNull();
        String token = (String) token(Map.of("grant_type", "authorization_code", "client_id", "account-console", "code", outcome.code(),
                "redirect_uri", redirect, "code_verifier", verifier)).get("access_token");
        HttpResponse<String> own = HTTP.send(HttpRequest.newBuilder(URI.create(identity.issuer() + "/account/"))
                .header("Authorization", "Bearer " + token).header("Accept", "application/json").GET().build(), HttpResponse.BodyHandlers.ofString());
        // The realm gives users no account-console role: they cannot even read their profile there, let alone change it.
        assertThat(own.statusCode()).as(own.body()).isIn(401, 403);
        String escalation = "{\"username\":\"basic@demo.parapet.local\",\"email\":\"basic@demo.parapet.local\",\"firstName\":\"Demo\","
                + "\"lastName\":\"Basic Administrator\",\"attributes\":{\"role\":[\"SUPER_ADMIN\"],\"account\":[\"" + UUID.randomUUID() + "\"]}}";
        HttpResponse<String> attempt = HTTP.send(HttpRequest.newBuilder(URI.create(identity.issuer() + "/account/"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(escalation)).build(), HttpResponse.BodyHandlers.ofString());
        System.out.println("account console: read " + own.statusCode() + ", update " + attempt.statusCode() + " " + attempt.body());
        assertThat(attempt.statusCode()).as("the update is refused").isNotEqualTo(204).isNotEqualTo(200);
        JWTClaimsSet after = consoleSignIn("basic@demo.parapet.local", identity.demoAdministratorPassword());
        assertThat(after.getStringClaim("role")).as("still Basic").isEqualTo("BASIC_ADMIN");
        assertThat(after.getStringClaim("account")).as("still the demo account").isEqualTo(ACCOUNT.toString());
    }

    @Test
    void theAutomationClientActsForItsAccount() throws Exception {
        JWTClaimsSet claims = SignedJWT.parse(identity.automationToken()).getJWTClaimsSet();
        assertThat(claims.getAudience()).contains(IdentityProvider.ADMIN_AUDIENCE);
        assertThat(claims.getStringClaim("account")).isEqualTo(ACCOUNT.toString());
        assertThat(claims.getStringClaim("role")).isEqualTo("SUPER_ADMIN");
    }

    @Test
    void aDirectoryUserSignsInOnADeviceAndTheirGroupsFollowTheDirectory() throws Exception {
        Map<String, Object> tokens = deviceSignIn("ann", "ann-password");
        JWTClaimsSet ann = SignedJWT.parse((String) tokens.get("access_token")).getJWTClaimsSet();
        assertThat(ann.getIssuer()).isEqualTo(identity.issuer());
        assertThat(ann.getAudience()).contains(IdentityProvider.USER_AUDIENCE);
        assertThat(ann.getStringClaim("email")).isEqualTo("ann@demo.parapet.local");
        assertThat(ann.getStringClaim("account")).isEqualTo(ACCOUNT.toString());
        assertThat(ann.getStringListClaim("groups")).containsExactly("engineering");

        directory.removeFromGroup("ann", "engineering");
        try {
            Map<String, Object> refreshed = token(Map.of("grant_type", "refresh_token", "client_id", "parapet-agent",
                    "refresh_token", (String) tokens.get("refresh_token")));
            assertThat(SignedJWT.parse((String) refreshed.get("access_token")).getJWTClaimsSet().getStringListClaim("groups"))
                    .as("the directory's change at the next refresh").isNullOrEmpty();
            HttpResponse<String> revoked = post(identity.issuer() + "/protocol/openid-connect/revoke",
                    Map.of("client_id", "parapet-agent", "token", (String) refreshed.get("refresh_token"), "token_type_hint", "refresh_token"));
            assertThat(revoked.statusCode()).isEqualTo(200);
            HttpResponse<String> afterRevocation = post(identity.tokenEndpoint(), Map.of("grant_type", "refresh_token",
                    "client_id", "parapet-agent", "refresh_token", (String) refreshed.get("refresh_token")));
            assertThat(afterRevocation.statusCode()).isEqualTo(400);
            assertThat(afterRevocation.body()).contains("invalid_grant");
        } finally {
            directory.addToGroup("ann", "engineering");
        }
    }

    /** The device authorization grant as a device and its user do it: the user signs in on the provider's page. */
    static Map<String, Object> deviceSignIn(String username, String password) throws Exception {
        HttpResponse<String> device = post(identity.issuer() + "/protocol/openid-connect/auth/device",
                Map.of("client_id", "parapet-agent", "scope", "openid email"));
        assertThat(device.statusCode()).as(device.body()).isEqualTo(200);
        Map<String, Object> authorization = JSON.parse(device.body());
        BrowserSignIn.Outcome outcome = new BrowserSignIn(identity.base())
                .signIn(URI.create((String) authorization.get("verification_uri_complete")), username, password);
        assertThat(outcome.page()).as("the provider's last page: " + outcome).containsIgnoringCase("success");
        return token(Map.of("grant_type", "urn:ietf:params:oauth:grant-type:device_code", "client_id", "parapet-agent",
                "device_code", (String) authorization.get("device_code")));
    }

    static JWTClaimsSet consoleSignIn(String username, String password) throws Exception {
        byte[] random = new byte[32];
        new java.security.SecureRandom().nextBytes(random);
        String verifier = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        BrowserSignIn.Outcome outcome = new BrowserSignIn(identity.base()).signIn(authorizationUrl(challenge(verifier)), username, password);
        assertThat(outcome.code()).as("an authorization code for " + username + ": " + outcome.page()).isNotNull();
        Map<String, Object> tokens = token(Map.of("grant_type", "authorization_code", "client_id", "parapet-console",
                "code", outcome.code(), "redirect_uri", REDIRECT, "code_verifier", verifier));
        return SignedJWT.parse((String) tokens.get("access_token")).getJWTClaimsSet();
    }

    static final String REDIRECT = "http://127.0.0.1:18200/callback";

    /** PKCE's S256 challenge of a verifier (RFC 7636). */
    static String challenge(String verifier) throws Exception {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
    }

    static URI authorizationUrl(String challenge) {
        return URI.create(identity.issuer() + "/protocol/openid-connect/auth?" + IdentityProvider.form(Map.of("client_id", "parapet-console",
                "response_type", "code", "scope", "openid", "redirect_uri", REDIRECT, "state", "s", "code_challenge", challenge,
                "code_challenge_method", "S256")));
    }

    static Map<String, Object> token(Map<String, String> form) throws Exception {
        HttpResponse<String> response = post(identity.tokenEndpoint(), form);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.parse(response.body());
    }

    static HttpResponse<String> post(String url, Map<String, String> form) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(IdentityProvider.form(form))).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** JSON objects through Nimbus's parser (on the classpath already). */
    static final class JSON {
        static Map<String, Object> parse(String text) throws java.text.ParseException {
            return com.nimbusds.jose.util.JSONObjectUtils.parse(text);
        }
    }
}
