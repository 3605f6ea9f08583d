package dev.parapet.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.SignedJWT;

import dev.parapet.kit.testing.TopicRecords;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.audit.AuditEvent;
import dev.parapet.settings.accounts.AccountController.AccountView;
import dev.parapet.stack.RealInfrastructure;
import dev.parapet.stack.StandInIdentityProvider;

/**
 * The account registry end to end: the platform operator creates a second account through the API,
 * its administrator signs in through the local stack's stand-in identity provider (which asks the
 * registry) and uses the API for that account and no other; suspension refuses its tokens until the
 * account is resumed; a Partner Administrator lists and manages the accounts their account manages.
 */
@SettingsServiceSpringTest
class AccountsTest {

    private static final UUID OPERATOR = UUID.fromString(SettingsServiceSpringTest.OPERATOR_ACCOUNT);
    private static final String CLIENT_SECRET = "accounts-test-secret";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @LocalServerPort
    int port;

    WebTestClient http;
    StandInIdentityProvider identityProvider;
    final String run = UUID.randomUUID().toString().substring(0, 8);

    @BeforeEach
    void connect() throws Exception {
        http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(30)).build();
        identityProvider = StandInIdentityProvider.start(0, RealInfrastructure.get().tokens(), URI.create("http://127.0.0.1:" + port),
                OPERATOR, Duration.ofMinutes(10), CLIENT_SECRET);
    }

    @AfterEach
    void stop() {
        identityProvider.close();
    }

    private static String operator(String role) {
        return RealInfrastructure.get().tokens().adminToken("operator@example.com", OPERATOR, role, Duration.ofMinutes(10));
    }

    private WebTestClient.ResponseSpec create(String token, Map<String, Object> body) {
        return http.post().uri("/api/v1/operator/accounts").headers(h -> h.setBearerAuth(token))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    private static Map<String, Object> account(UUID id, String name, String email, String role, UUID partner) {
        Map<String, Object> body = new HashMap<>();
        if (id != null) {
            body.put("accountId", id);
        }
        body.put("name", name);
        body.put("administrator", Map.of("email", email, "role", role));
        if (partner != null) {
            body.put("partnerAccountId", partner);
        }
        return body;
    }

    private WebTestClient.ResponseSpec post(String token, String uri, Object... variables) {
        return http.post().uri(uri, variables).headers(h -> h.setBearerAuth(token)).exchange();
    }

    private WebTestClient.ResponseSpec get(String token, String uri, Object... variables) {
        return http.get().uri(uri, variables).headers(h -> h.setBearerAuth(token)).exchange();
    }

    /** Signs in through the stand-in's token endpoint, as the README's curl does. */
    private HttpResponse<String> signIn(String username, String secret, String grantType) throws Exception {
        String basic = Base64.getEncoder().encodeToString((StandInIdentityProvider.CLIENT_ID + ":" + secret).getBytes(StandardCharsets.UTF_8));
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + identityProvider.port() + "/token"))
                .header("Authorization", "Basic " + basic).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=" + grantType + "&username=" + username)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String signedIn(String username) throws Exception {
        HttpResponse<String> answer = signIn(username, CLIENT_SECRET, "password");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return String.valueOf(JSONObjectUtils.parse(answer.body()).get("access_token"));
    }

    @Test
    void aSecondAccountCreatedThroughTheApiHasAnAdministratorWhoSignsInAndActsInItAndNoOther() throws Exception {
        UUID acme = UUID.randomUUID();
        String ann = "ann-" + run + "@acme.example";
        AccountView created = create(operator("SUPER_ADMIN"), account(acme, "Acme " + run, ann.toUpperCase(), "super_admin", null))
                .expectStatus().isCreated()
                .expectHeader().valueEquals("Location", "/api/v1/operator/accounts/" + acme)
                .expectHeader().valueEquals("ETag", "\"v1\"")
                .expectBody(AccountView.class).returnResult().getResponseBody();
        assertThat(created.status().name()).isEqualTo("ACTIVE");
        assertThat(created.administrators()).extracting(a -> a.email() + " " + a.role()).containsExactly(ann + " SUPER_ADMIN");
        assertThat(created.createdBy()).isEqualTo("operator@example.com");

        // The same creation again (a retry after a lost answer) changes nothing; anything else with that id, name or address is 409.
        create(operator("FULL_ADMIN"), account(acme, "Acme " + run, ann, "SUPER_ADMIN", null)).expectStatus().isOk()
                .expectHeader().valueEquals("ETag", "\"v1\"");
        create(operator("SUPER_ADMIN"), account(acme, "Acme renamed " + run, ann, "SUPER_ADMIN", null)).expectStatus().isEqualTo(409);
        create(operator("SUPER_ADMIN"), account(null, "ACME " + run, "other-" + run + "@acme.example", "SUPER_ADMIN", null))
                .expectStatus().isEqualTo(409).expectBody().jsonPath("$.detail").value(detail -> assertThat((String) detail).contains(acme.toString()));
        create(operator("SUPER_ADMIN"), account(null, "Other " + run, ann, "BASIC_ADMIN", null)).expectStatus().isEqualTo(409);
        create(operator("SUPER_ADMIN"), account(null, "", "not an address", "CUSTOM", null)).expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.errors.length()").isEqualTo(3);

        // Listed and read by the operator, by status and by administrator.
        get(operator("SUPER_ADMIN"), "/api/v1/operator/accounts?status=active").expectStatus().isOk().expectBody()
                .jsonPath("$[?(@.accountId == '" + acme + "')].name").isEqualTo("Acme " + run);
        get(operator("SUPER_ADMIN"), "/api/v1/operator/accounts?status=suspended").expectStatus().isOk().expectBody()
                .jsonPath("$[?(@.accountId == '" + acme + "')]").isEmpty();
        get(operator("SUPER_ADMIN"), "/api/v1/operator/accounts?administrator={e}", ann).expectStatus().isOk().expectBody()
                .jsonPath("$.length()").isEqualTo(1).jsonPath("$[0].accountId").isEqualTo(acme.toString());
        get(operator("SUPER_ADMIN"), "/api/v1/operator/accounts/{a}", acme).expectStatus().isOk().expectHeader().valueEquals("ETag", "\"v1\"");
        get(operator("SUPER_ADMIN"), "/api/v1/operator/accounts/{a}", UUID.randomUUID()).expectStatus().isNotFound();
        get(operator("SUPER_ADMIN"), "/api/v1/operator/accounts?status=closed").expectStatus().isBadRequest();

        // Its administrator signs in through the stand-in, with the registry's role, and acts in Acme only.
        HttpResponse<String> answer = signIn(ann, CLIENT_SECRET, "password");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        Map<String, Object> granted = JSONObjectUtils.parse(answer.body());
        assertThat(granted).containsEntry("token_type", "Bearer").containsEntry("account", acme.toString()).containsEntry("role", "SUPER_ADMIN");
        String annToken = String.valueOf(granted.get("access_token"));
        assertThat(SignedJWT.parse(annToken).getJWTClaimsSet().getSubject()).isEqualTo(ann);
        get(annToken, "/api/v1/accounts/{a}/access", acme).expectStatus().isOk().expectBody().jsonPath("$.role").isEqualTo("SUPER_ADMIN");
        get(annToken, "/api/v1/accounts/{a}/agent-settings", acme).expectStatus().isOk();
        get(annToken, "/api/v1/accounts/{a}/agent-settings", OPERATOR).expectStatus().isForbidden();
        get(annToken, "/api/v1/operator/accounts").expectStatus().isForbidden();
        create(annToken, account(null, "Mine " + run, "x-" + run + "@acme.example", "SUPER_ADMIN", null)).expectStatus().isForbidden();
        post(operator("BASIC_ADMIN"), "/api/v1/operator/accounts/{a}/suspend", acme).expectStatus().isForbidden();

        // The stand-in signs in no address the registry does not list, and only for its client.
        HttpResponse<String> stranger = signIn("eve-" + run + "@evil.example", CLIENT_SECRET, "password");
        assertThat(stranger.statusCode()).isEqualTo(400);
        assertThat(stranger.body()).contains("invalid_grant").contains("not an administrator");
        assertThat(signIn(ann, "wrong-secret", "password").statusCode()).isEqualTo(401);
        assertThat(signIn(ann, CLIENT_SECRET, "client_credentials").body()).contains("unsupported_grant_type");
        assertThat(signIn("not-an-address", CLIENT_SECRET, "password").body()).contains("invalid_request");

        // Suspended: its tokens are refused with 403 on this service (every service: the kit's filter), and nobody signs in.
        post(operator("FULL_ADMIN"), "/api/v1/operator/accounts/{a}/suspend", acme).expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("SUSPENDED").jsonPath("$.version").isEqualTo(2);
        http.post().uri("/api/v1/operator/accounts/{a}/suspend", acme).headers(h -> h.setBearerAuth(operator("SUPER_ADMIN")))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("reason", "again")).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.version").isEqualTo(2);
        get(annToken, "/api/v1/accounts/{a}/agent-settings", acme).expectStatus().isForbidden()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.title").isEqualTo("Account suspended");
        assertThat(signIn(ann, CLIENT_SECRET, "password").body()).contains("suspended");
        get(operator("SUPER_ADMIN"), "/api/v1/operator/accounts?status=suspended").expectStatus().isOk().expectBody()
                .jsonPath("$[?(@.accountId == '" + acme + "')].status").isEqualTo("SUSPENDED");
        post(operator("SUPER_ADMIN"), "/api/v1/operator/accounts/{a}/resume", acme).expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("ACTIVE").jsonPath("$.version").isEqualTo(3);
        get(annToken, "/api/v1/accounts/{a}/agent-settings", acme).expectStatus().isOk();
        assertThat(TopicRecords.<AuditEvent>valuesFor(Topics.AUDIT.name(), acme.toString())).extracting(AuditEvent::getAction)
                .containsSubsequence("account.create", "account.suspend", "account.resume");

        // The operator's own account cannot be suspended; an account the registry does not list cannot be either.
        post(operator("SUPER_ADMIN"), "/api/v1/operator/accounts/{a}/suspend", OPERATOR).expectStatus().isEqualTo(409);
        post(operator("SUPER_ADMIN"), "/api/v1/operator/accounts/{a}/suspend", UUID.randomUUID()).expectStatus().isNotFound();
    }

    @Test
    void aPartnerAdministratorListsAndActsInTheAccountsTheirAccountManagesAndNoOthers() throws Exception {
        UUID reseller = UUID.randomUUID();
        UUID customer = UUID.randomUUID();
        UUID unrelated = UUID.randomUUID();
        String pat = "pat-" + run + "@reseller.example";
        String cid = "cid-" + run + "@customer.example";
        create(operator("SUPER_ADMIN"), account(reseller, "Reseller " + run, pat, "PARTNER_ADMIN", null)).expectStatus().isCreated();
        create(operator("SUPER_ADMIN"), account(customer, "Customer " + run, cid, "SUPER_ADMIN", reseller)).expectStatus().isCreated()
                .expectBody().jsonPath("$.partnerAccountId").isEqualTo(reseller.toString());
        create(operator("SUPER_ADMIN"), account(unrelated, "Unrelated " + run, "u-" + run + "@unrelated.example", "SUPER_ADMIN", null))
                .expectStatus().isCreated();
        create(operator("SUPER_ADMIN"), account(null, "Orphan " + run, "o-" + run + "@orphan.example", "SUPER_ADMIN", UUID.randomUUID()))
                .expectStatus().isBadRequest();
        // A second administrator of the reseller, with a role that is not privileged.
        http.put().uri("/api/v1/operator/accounts/{a}/administrators/{e}", reseller, "basic-" + run + "@reseller.example")
                .headers(h -> h.setBearerAuth(operator("SUPER_ADMIN"))).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("role", "BASIC_ADMIN")).exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.administrators.length()").isEqualTo(2);

        String patToken = signedIn(pat);
        assertThat(SignedJWT.parse(patToken).getJWTClaimsSet().getStringListClaim("managed_accounts")).containsExactly(customer.toString());
        get(patToken, "/api/v1/accounts/{a}/managed-accounts", reseller).expectStatus().isOk().expectBody()
                .jsonPath("$.length()").isEqualTo(1)
                .jsonPath("$[0].accountId").isEqualTo(customer.toString())
                .jsonPath("$[0].name").isEqualTo("Customer " + run)
                .jsonPath("$[0].status").isEqualTo("ACTIVE");
        get(patToken, "/api/v1/accounts/{a}/agent-settings", customer).expectStatus().isOk();
        get(patToken, "/api/v1/accounts/{a}/agent-settings", unrelated).expectStatus().isForbidden();
        get(operator("SUPER_ADMIN"), "/api/v1/operator/accounts?partner={p}", reseller).expectStatus().isOk().expectBody()
                .jsonPath("$.length()").isEqualTo(1);

        // Nobody else lists the reseller's customers: not its Basic Administrator, not the customer's administrator.
        get(signedIn("basic-" + run + "@reseller.example"), "/api/v1/accounts/{a}/managed-accounts", reseller).expectStatus().isForbidden();
        String customerToken = signedIn(cid);
        get(customerToken, "/api/v1/accounts/{a}/managed-accounts", reseller).expectStatus().isForbidden();
        get(customerToken, "/api/v1/accounts/{a}/managed-accounts", customer).expectStatus().isOk().expectBody().jsonPath("$.length()").isEqualTo(0);

        // A suspended customer: the partner sees it as such and can no longer act in it; the reseller's own API still works.
        post(operator("SUPER_ADMIN"), "/api/v1/operator/accounts/{a}/suspend", customer).expectStatus().isOk();
        get(patToken, "/api/v1/accounts/{a}/managed-accounts", reseller).expectStatus().isOk().expectBody()
                .jsonPath("$[0].status").isEqualTo("SUSPENDED");
        get(patToken, "/api/v1/accounts/{a}/agent-settings", customer).expectStatus().isForbidden()
                .expectBody().jsonPath("$.title").isEqualTo("Account suspended");
        get(customerToken, "/api/v1/accounts/{a}/agent-settings", customer).expectStatus().isForbidden();
        get(patToken, "/api/v1/accounts/{a}/agent-settings", reseller).expectStatus().isOk();

        // Administrators: removed, but never the last one.
        http.delete().uri("/api/v1/operator/accounts/{a}/administrators/{e}", reseller, "basic-" + run + "@reseller.example")
                .headers(h -> h.setBearerAuth(operator("SUPER_ADMIN"))).exchange().expectStatus().isOk();
        http.delete().uri("/api/v1/operator/accounts/{a}/administrators/{e}", reseller, pat)
                .headers(h -> h.setBearerAuth(operator("SUPER_ADMIN"))).exchange().expectStatus().isEqualTo(409);
        assertThat(signIn("basic-" + run + "@reseller.example", CLIENT_SECRET, "password").statusCode()).isEqualTo(400);
    }
}
