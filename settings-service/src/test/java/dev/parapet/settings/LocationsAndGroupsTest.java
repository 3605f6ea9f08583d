package dev.parapet.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.parapet.settings.groups.ProfileGroupController.GroupView;
import dev.parapet.settings.locations.LocationController.LocationView;
import dev.parapet.stack.RealInfrastructure;

@SettingsServiceSpringTest
class LocationsAndGroupsTest {

    @LocalServerPort
    int port;

    WebTestClient http;

    @BeforeEach
    void connect() {
        http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(30)).build();
    }

    private static String admin(UUID account) {
        return RealInfrastructure.get().tokens().adminToken("admin@example.com", account, "FULL_ADMIN", Duration.ofMinutes(10));
    }

    private WebTestClient.ResponseSpec createLocation(UUID account, String name, List<String> cidrs) {
        return http.post().uri("/api/v1/accounts/{a}/locations", account).headers(h -> h.setBearerAuth(admin(account)))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("name", name, "cidrs", cidrs)).exchange();
    }

    /** A documentation-style public range unique to this test run, so that reruns against one broker do not collide. */
    private static String uniqueRange() {
        int a = 1 + (int) (Math.random() * 250);
        int b = (int) (Math.random() * 256);
        return "2001:db8:" + Integer.toHexString(a * 256 + b) + ":" + Integer.toHexString((int) (Math.random() * 65535)) + "::/64";
    }

    private static String operator() {
        return RealInfrastructure.get().tokens().adminToken("operator@example.com",
                UUID.fromString(SettingsServiceSpringTest.OPERATOR_ACCOUNT), "SUPER_ADMIN", Duration.ofMinutes(10));
    }

    private WebTestClient.ResponseSpec review(String token, UUID account, UUID location, List<String> approve, List<String> reject) {
        return http.post().uri("/api/v1/operator/accounts/{a}/locations/{l}/review", account, location)
                .headers(h -> h.setBearerAuth(token)).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("approve", approve, "reject", reject)).exchange();
    }

    @Test
    void aNewRangeWaitsForTheOperatorAndAnotherAccountsClaimOfItIsRefusedWithoutNamingItsOwner() {
        UUID first = UUID.randomUUID();
        UUID second = UUID.randomUUID();
        String range = uniqueRange();
        String inside = range.replace("::/64", ":1::/80");
        LocationView office = createLocation(first, "London office", List.of(range.toUpperCase())).expectStatus().isCreated()
                .expectHeader().valueEquals("ETag", "\"v1\"")
                .expectBody(LocationView.class).returnResult().getResponseBody();
        assertThat(office.cidrs()).containsExactly(range);
        http.get().uri("/api/v1/accounts/{a}/locations/{l}", first, office.locationId()).headers(h -> h.setBearerAuth(admin(first)))
                .exchange().expectBody().jsonPath("$.pendingCidrs[0]").isEqualTo(range);

        review(admin(first), first, office.locationId(), List.of(range), List.of()).expectStatus().isForbidden()
                .expectBody().returnResult();
        http.get().uri("/api/v1/operator/location-ranges").headers(h -> h.setBearerAuth(operator())).exchange()
                .expectStatus().isOk().expectBody()
                .jsonPath("$[?(@.cidr == '" + range + "')].accountId").isEqualTo(first.toString())
                .jsonPath("$[?(@.cidr == '" + range + "')].status").isEqualTo("PENDING_APPROVAL");
        http.get().uri("/api/v1/operator/location-ranges").headers(h -> h.setBearerAuth(admin(first))).exchange()
                .expectStatus().isForbidden().expectBody().returnResult();
        review(operator(), first, office.locationId(), List.of(range), List.of()).expectStatus().isOk()
                .expectHeader().valueEquals("ETag", "\"v2\"").expectBody().jsonPath("$.pendingCidrs.length()").isEqualTo(0);

        createLocation(second, "Elsewhere", List.of(inside)).expectStatus().isEqualTo(409)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.detail").value(detail -> assertThat((String) detail)
                        .contains(inside).contains("cannot be claimed").doesNotContain(first.toString())
                        .doesNotContain(range).doesNotContain("London").doesNotContain("another account"));
        createLocation(first, "Annex", List.of(inside)).expectStatus().isEqualTo(409)
                .expectBody().jsonPath("$.detail").value(detail -> assertThat((String) detail).contains("London office"));

        http.put().uri("/api/v1/accounts/{a}/locations/{l}", first, office.locationId())
                .headers(h -> { h.setBearerAuth(admin(first)); h.setIfMatch("\"v2\""); })
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("name", "London HQ", "cidrs", List.of(range)))
                .exchange().expectStatus().isOk().expectHeader().valueEquals("ETag", "\"v3\"").expectBody()
                .jsonPath("$.pendingCidrs.length()").isEqualTo(0);

        http.delete().uri("/api/v1/accounts/{a}/locations/{l}", first, office.locationId())
                .headers(h -> h.setBearerAuth(admin(first))).exchange().expectStatus().isNoContent().expectBody().isEmpty();
        LocationView claimed = createLocation(second, "Elsewhere", List.of(inside)).expectStatus().isCreated()
                .expectBody(LocationView.class).returnResult().getResponseBody();
        review(operator(), second, claimed.locationId(), List.of(), List.of(inside)).expectStatus().isOk()
                .expectBody().jsonPath("$.cidrs.length()").isEqualTo(0);
    }

    @Test
    void aLocationWithMoreRangesThanItsQuotaIsRefusedWithTheQuota() {
        UUID account = UUID.randomUUID();
        List<String> ranges = java.util.stream.IntStream.range(0, 257)
                .mapToObj(i -> "2001:db8:ffff:" + Integer.toHexString(i) + "::/64").toList();
        createLocation(account, "Many", ranges).expectStatus().isEqualTo(409)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON).expectBody()
                .jsonPath("$.quota").isEqualTo("ranges-per-location").jsonPath("$.limit").isEqualTo(256)
                .jsonPath("$.current").isEqualTo(0);
    }

    @Test
    void profileGroupsCreatedAtOnceStopAtTheAccountsQuota() {
        UUID account = UUID.randomUUID();
        String token = admin(account);
        int attempts = SettingsServiceSpringTest.GROUPS_PER_ACCOUNT + 3;
        List<Integer> statuses = reactor.core.publisher.Flux.range(0, attempts)
                .flatMap(i -> org.springframework.web.reactive.function.client.WebClient.create("http://127.0.0.1:" + port).post()
                        .uri("/api/v1/accounts/{a}/profile-groups", account).headers(h -> h.setBearerAuth(token))
                        .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("name", "Group " + i, "members", List.of()))
                        .exchangeToMono(response -> response.releaseBody().thenReturn(response.statusCode().value())), attempts)
                .collectList().block(Duration.ofSeconds(60));
        assertThat(statuses).filteredOn(status -> status == 201).hasSize(SettingsServiceSpringTest.GROUPS_PER_ACCOUNT);
        assertThat(statuses).filteredOn(status -> status == 409).hasSize(3);
        http.post().uri("/api/v1/accounts/{a}/profile-groups", account).headers(h -> h.setBearerAuth(token))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("name", "One more", "members", List.of()))
                .exchange().expectStatus().isEqualTo(409).expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.title").isEqualTo("Quota reached")
                .jsonPath("$.quota").isEqualTo("profile-groups-per-account")
                .jsonPath("$.limit").isEqualTo(SettingsServiceSpringTest.GROUPS_PER_ACCOUNT)
                .jsonPath("$.current").isEqualTo(SettingsServiceSpringTest.GROUPS_PER_ACCOUNT);
    }

    @Test
    void privateRangesHostBitsAndSelfOverlapsAreRefusedField() {
        UUID account = UUID.randomUUID();
        createLocation(account, "Office", List.of("10.0.0.0/8", "127.0.0.1/32", "198.51.100.1/24", "203.0.113.0/24", "203.0.113.128/25"))
                .expectStatus().isBadRequest().expectBody()
                .jsonPath("$.errors[?(@.field == 'cidrs[0]')].reason").value(r -> assertThat(r.toString()).contains("public"))
                .jsonPath("$.errors[?(@.field == 'cidrs[1]')]").exists()
                .jsonPath("$.errors[?(@.field == 'cidrs[2]')].reason").value(r -> assertThat(r.toString()).contains("host bits"))
                .jsonPath("$.errors[?(@.field == 'cidrs')].reason").value(r -> assertThat(r.toString()).contains("overlaps"));
        createLocation(account, "Everyone's", List.of("32.0.0.0/3", "2000::/3", "198.51.100.0/22"))
                .expectStatus().isBadRequest().expectBody()
                .jsonPath("$.errors[?(@.field == 'cidrs[0]')].reason").value(r -> assertThat(r.toString()).contains("/22"))
                .jsonPath("$.errors[?(@.field == 'cidrs[1]')].reason").value(r -> assertThat(r.toString()).contains("/40"))
                .jsonPath("$.errors[?(@.field == 'cidrs[2]')]").doesNotExist();
        // No range is allowed (an office without a static address uses the location's encrypted DNS); no list is not.
        createLocation(account, "", List.of()).expectStatus().isBadRequest().expectBody()
                .jsonPath("$.errors[?(@.field == 'name')]").exists()
                .jsonPath("$.errors[?(@.field == 'cidrs')]").doesNotExist();
        http.post().uri("/api/v1/accounts/{a}/locations", account).headers(h -> h.setBearerAuth(admin(account)))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("name", "No list")).exchange()
                .expectStatus().isBadRequest().expectBody().jsonPath("$.errors[?(@.field == 'cidrs')]").exists();
    }

    @Test
    void profileGroupsNameDirectoryGroupsAsWrittenAndRefuseBadOnes() {
        UUID account = UUID.randomUUID();
        GroupView group = http.post().uri("/api/v1/accounts/{a}/profile-groups", account).headers(h -> h.setBearerAuth(admin(account)))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", "Engineering", "directoryGroups", List.of(" Engineering ", "engineering", "Engineering")))
                .exchange().expectStatus().isCreated().expectBody(GroupView.class).returnResult().getResponseBody();
        // Directories compare group names exactly: case is kept, duplicates after trimming dropped.
        assertThat(group.directoryGroups()).containsExactly("Engineering", "engineering");
        assertThat(group.members()).isEmpty();

        http.put().uri("/api/v1/accounts/{a}/profile-groups/{g}", account, group.groupId()).headers(h -> h.setBearerAuth(admin(account)))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", "Engineering", "directoryGroups", List.of("ok", "bad\u0007bell", "x".repeat(256))))
                .exchange().expectStatus().isBadRequest().expectBody()
                .jsonPath("$.errors[?(@.field == 'directoryGroups[1]')]").exists()
                .jsonPath("$.errors[?(@.field == 'directoryGroups[2]')]").exists()
                .jsonPath("$.errors[?(@.field == 'directoryGroups[0]')]").doesNotExist();
        http.get().uri("/api/v1/accounts/{a}/profile-groups/{g}", account, group.groupId()).headers(h -> h.setBearerAuth(admin(account)))
                .exchange().expectStatus().isOk().expectBody().jsonPath("$.directoryGroups[0]").isEqualTo("Engineering");
    }

    @Test
    void profileGroupsAreReadableWithTheDirectoryPermissions() {
        UUID account = UUID.randomUUID();
        GroupView group = http.post().uri("/api/v1/accounts/{a}/profile-groups", account).headers(h -> h.setBearerAuth(admin(account)))
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", "Finance", "members", List.of("Ann@Example.com", "bob@example.com", "ann@example.com")))
                .exchange().expectStatus().isCreated().expectBody(GroupView.class).returnResult().getResponseBody();
        assertThat(group.members()).containsExactly("ann@example.com", "bob@example.com");

        String directory = RealInfrastructure.get().tokens().customRoleToken("dir@example.com", account,
                List.of("directory-groups:read"), Duration.ofMinutes(5));
        String webOnly = RealInfrastructure.get().tokens().customRoleToken("web@example.com", account,
                List.of("web-security:read", "web-security:write"), Duration.ofMinutes(5));
        http.get().uri("/api/v1/accounts/{a}/profile-groups", account).headers(h -> h.setBearerAuth(directory)).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$[0].name").isEqualTo("Finance");
        http.get().uri("/api/v1/accounts/{a}/profile-groups", account).headers(h -> h.setBearerAuth(webOnly)).exchange()
                .expectStatus().isForbidden().expectBody().returnResult();
        http.put().uri("/api/v1/accounts/{a}/profile-groups/{g}", account, group.groupId()).headers(h -> h.setBearerAuth(directory))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("name", "X", "members", List.of()))
                .exchange().expectStatus().isForbidden().expectBody().returnResult();

        http.put().uri("/api/v1/accounts/{a}/profile-groups/{g}", account, group.groupId()).headers(h -> h.setBearerAuth(admin(account)))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("name", "Finance", "members", List.of("not-an-email", "c@example.com")))
                .exchange().expectStatus().isBadRequest().expectBody().jsonPath("$.errors[0].field").isEqualTo("members[0]");

        http.post().uri("/api/v1/accounts/{a}/policies", account).headers(h -> h.setBearerAuth(admin(account)))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(Map.of("name", "Finance logging", "type", "LOG_SETTINGS",
                        "scope", Map.of("profileGroups", List.of(group.groupId())), "logSettings", Map.of("mode", "NOTHING")))
                .exchange().expectStatus().isCreated().expectBody().jsonPath("$.scope.profileGroups[0]").isEqualTo(group.groupId().toString());
    }
}
