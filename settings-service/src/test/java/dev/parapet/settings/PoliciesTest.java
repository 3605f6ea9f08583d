package dev.parapet.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.parapet.kit.problem.Problems;
import dev.parapet.kit.testing.TopicRecords;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.audit.AuditEvent;
import dev.parapet.settings.policies.PolicyJson;
import dev.parapet.stack.RealInfrastructure;
import reactor.core.publisher.Flux;

@SettingsServiceSpringTest
class PoliciesTest {

    @LocalServerPort
    int port;

    WebTestClient http;
    UUID account;
    String admin;

    @BeforeEach
    void connect() {
        http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(60)).build();
        account = UUID.randomUUID();
        admin = RealInfrastructure.get().tokens().adminToken("admin@example.com", account, "FULL_ADMIN", Duration.ofMinutes(10));
    }

    private WebTestClient.ResponseSpec create(Object body) {
        return http.post().uri("/api/v1/accounts/{a}/policies", account).headers(h -> h.setBearerAuth(admin))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(body).exchange();
    }

    private PolicyJson.View blockList(List<String> blocked) {
        return create(Map.of("name", "Blocked sites", "type", "BLOCK_ALLOW_LIST", "scope", Map.of("everyone", true),
                "blockAllowList", Map.of("blocked", blocked, "allowed", List.of())))
                .expectStatus().isCreated().expectBody(PolicyJson.View.class).returnResult().getResponseBody();
    }

    @Test
    void aBlockListIsCreatedNormalisedVersionedAndDeleted() {
        PolicyJson.View created = blockList(List.of("Casino.Example.", "bücher.example", "casino.example"));
        assertThat(created.version()).isEqualTo(1);
        assertThat(created.blockAllowList().blocked()).containsExactly("casino.example", "xn--bcher-kva.example");
        assertThat(created.enabled()).isTrue();
        assertThat(created.priority()).isEqualTo(100);

        http.get().uri("/api/v1/accounts/{a}/policies", account).headers(h -> h.setBearerAuth(admin)).exchange()
                .expectStatus().isOk().expectBody()
                .jsonPath("$[0].policyId").isEqualTo(created.policyId().toString())
                .jsonPath("$[0].blockedCount").isEqualTo(2)
                .jsonPath("$[0].blockAllowList").doesNotExist();

        Map<String, Object> replacement = Map.of("name", "Blocked sites", "type", "BLOCK_ALLOW_LIST", "scope",
                Map.of("users", List.of("Ann@Example.com")), "blockAllowList", Map.of("blocked", List.of("other.example")));
        http.put().uri("/api/v1/accounts/{a}/policies/{p}", account, created.policyId())
                .headers(h -> { h.setBearerAuth(admin); h.setIfMatch("\"v1\""); })
                .contentType(MediaType.APPLICATION_JSON).bodyValue(replacement).exchange()
                .expectStatus().isOk().expectHeader().valueEquals("ETag", "\"v2\"")
                .expectBody().jsonPath("$.scope.users[0]").isEqualTo("ann@example.com");
        http.put().uri("/api/v1/accounts/{a}/policies/{p}", account, created.policyId())
                .headers(h -> { h.setBearerAuth(admin); h.setIfMatch("\"v1\""); })
                .contentType(MediaType.APPLICATION_JSON).bodyValue(replacement).exchange()
                .expectStatus().isEqualTo(412).expectBody().returnResult();

        http.delete().uri("/api/v1/accounts/{a}/policies/{p}", account, created.policyId()).headers(h -> h.setBearerAuth(admin))
                .exchange().expectStatus().isNoContent().expectBody().isEmpty();
        http.get().uri("/api/v1/accounts/{a}/policies/{p}", account, created.policyId()).headers(h -> h.setBearerAuth(admin))
                .exchange().expectStatus().isNotFound().expectBody().returnResult();

        List<AuditEvent> audit = TopicRecords.valuesFor(Topics.AUDIT.name(), account.toString());
        assertThat(audit).filteredOn(e -> created.policyId().toString().equals(e.getResourceId()))
                .extracting(AuditEvent::getAction).containsExactly("policy.create", "policy.update", "policy.delete");
        assertThat(audit).filteredOn(e -> "policy.update".equals(e.getAction())).singleElement().satisfies(e -> {
            assertThat(e.getBefore()).contains("casino.example");
            assertThat(e.getAfter()).contains("other.example").contains("ann@example.com");
        });
    }

    @Test
    void everyBadFieldIsReportedAndNothingIsWritten() {
        Map<String, Object> bad = Map.of("name", " ", "type", "BLOCK_ALLOW_LIST",
                "scope", Map.of("everyone", false, "profileGroups", List.of(UUID.randomUUID())),
                "blockAllowList", Map.of("blocked", List.of("ok.example", "bad..example", "x".repeat(64) + ".example"),
                        "allowed", List.of("ok.example")),
                "logSettings", Map.of("mode", "NOTHING"));
        create(bad).expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.errors[?(@.field == 'name')]").exists()
                .jsonPath("$.errors[?(@.field == 'scope.profileGroups[0]')]").exists()
                .jsonPath("$.errors[?(@.field == 'blockAllowList.blocked[1]')]").exists()
                .jsonPath("$.errors[?(@.field == 'blockAllowList.blocked[2]')]").exists()
                .jsonPath("$.errors[?(@.field == 'blockAllowList')]").exists()
                .jsonPath("$.errors[?(@.field == 'logSettings')]").exists();
        create(Map.of("name", "Nobody", "type", "LOG_SETTINGS", "scope", Map.of(), "logSettings", Map.of("mode", "loud")))
                .expectStatus().isBadRequest().expectBody()
                .jsonPath("$.errors[?(@.field == 'scope')]").exists()
                .jsonPath("$.errors[?(@.field == 'logSettings.mode')]").exists();
        http.get().uri("/api/v1/accounts/{a}/policies", account).headers(h -> h.setBearerAuth(admin)).exchange()
                .expectStatus().isOk().expectBody().jsonPath("$.length()").isEqualTo(0);
    }

    @Test
    void categoryFilteringAdvancedSecurityAndLogSettingsAreCheckedAgainstTheCatalogue() {
        create(Map.of("name", "Security", "type", "CATEGORY_FILTERING", "scope", Map.of("everyone", true),
                "categoryFiltering", Map.of("action", "BLOCK", "groups", List.of(
                        Map.of("groupId", "security", "mode", "ALL"),
                        Map.of("groupId", "legal-liability", "mode", "CUSTOM", "categories", List.of("gambling", "drugs"))))))
                .expectStatus().isCreated().expectBody()
                .jsonPath("$.categoryFiltering.groups[1].categories[0]").isEqualTo("gambling");
        create(Map.of("name", "Wrong", "type", "CATEGORY_FILTERING", "scope", Map.of("everyone", true),
                "categoryFiltering", Map.of("action", "WARN", "groups", List.of(
                        Map.of("groupId", "security", "mode", "CUSTOM", "categories", List.of("gambling")),
                        Map.of("groupId", "no-such-group", "mode", "ALL")))))
                .expectStatus().isBadRequest().expectBody()
                .jsonPath("$.errors[?(@.field == 'categoryFiltering.groups[0].categories[0]')]").exists()
                .jsonPath("$.errors[?(@.field == 'categoryFiltering.groups[1].groupId')]").exists();
        create(Map.of("name", "Safe", "type", "ADVANCED_SECURITY", "scope", Map.of("everyone", true),
                "advancedSecurity", Map.of("enforceSafeSearch", true, "blockAnonymizers", true)))
                .expectStatus().isCreated().expectBody().jsonPath("$.advancedSecurity.enforceSafeSearch").isEqualTo(true)
                .jsonPath("$.advancedSecurity.blockDetectedTunnels").isEqualTo(false);
        create(Map.of("name", "No tunnels", "type", "ADVANCED_SECURITY", "scope", Map.of("everyone", true),
                "advancedSecurity", Map.of("blockDetectedTunnels", true)))
                .expectStatus().isCreated().expectBody().jsonPath("$.advancedSecurity.blockDetectedTunnels").isEqualTo(true)
                .jsonPath("$.advancedSecurity.blockAnonymizers").isEqualTo(false);
        create(Map.of("name", "Privacy", "type", "LOG_SETTINGS", "scope", Map.of("everyone", true),
                "logSettings", Map.of("mode", "BLOCKED_ONLY")))
                .expectStatus().isCreated().expectBody().jsonPath("$.logSettings.mode").isEqualTo("BLOCKED_ONLY");
    }

    private static Flux<DataBuffer> lines(int good, List<String> extra) {
        DefaultDataBufferFactory buffers = DefaultDataBufferFactory.sharedInstance;
        Flux<String> domains = Flux.range(0, good).map(i -> "site-" + i + ".bulk.example\n");
        return Flux.concat(Flux.just("# a comment\n", "0.0.0.0 hosts-style.example\n"), domains,
                        Flux.fromIterable(extra).map(line -> line + "\n"))
                .buffer(1000).map(chunk -> buffers.wrap(String.join("", chunk).getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aBulkImportOfOneHundredThousandDomainsKeepsTheGoodOnesAndReportsBadLines() {
        PolicyJson.View policy = blockList(List.of("already.example"));
        PolicyJson.ImportReport report = http.post().uri("/api/v1/accounts/{a}/policies/{p}/domains?list=blocked", account, policy.policyId())
                .headers(h -> h.setBearerAuth(admin)).contentType(MediaType.TEXT_PLAIN)
                .body(lines(100_000, List.of("bad..example", "site-7.bulk.example", "two words", "ALREADY.example")), DataBuffer.class)
                .exchange().expectStatus().isOk().expectBody(PolicyJson.ImportReport.class).returnResult().getResponseBody();
        assertThat(report.domainsAccepted()).isEqualTo(100_002);
        assertThat(report.duplicates()).isEqualTo(1);
        assertThat(report.rejectedCount()).isEqualTo(2);
        assertThat(report.rejected()).extracting(PolicyJson.ReportedLine::line).containsExactly(100_003L, 100_005L);
        assertThat(report.version()).isEqualTo(2);

        http.get().uri("/api/v1/accounts/{a}/policies", account).headers(h -> h.setBearerAuth(admin)).exchange()
                .expectBody().jsonPath("$[0].blockedCount").isEqualTo(100_002);

        http.post().uri("/api/v1/accounts/{a}/policies/{p}/domains?list=blocked&mode=replace&strict=true", account, policy.policyId())
                .headers(h -> h.setBearerAuth(admin)).contentType(MediaType.TEXT_PLAIN)
                .body(lines(10, List.of("bad..example")), DataBuffer.class)
                .exchange().expectStatus().isBadRequest().expectBody()
                .jsonPath("$.errors[0].field").isEqualTo("line 13");
        http.post().uri("/api/v1/accounts/{a}/policies/{p}/domains?list=blocked&mode=replace", account, policy.policyId())
                .headers(h -> h.setBearerAuth(admin)).contentType(MediaType.TEXT_PLAIN)
                .body(lines(10, List.of()), DataBuffer.class)
                .exchange().expectStatus().isOk().expectBody().jsonPath("$.version").isEqualTo(3);
        http.get().uri("/api/v1/accounts/{a}/policies/{p}", account, policy.policyId()).headers(h -> h.setBearerAuth(admin))
                .exchange().expectBody().jsonPath("$.blockAllowList.blocked.length()").isEqualTo(11);
        http.post().uri("/api/v1/accounts/{a}/policies/{p}/domains?list=allowed", account, policy.policyId())
                .headers(h -> h.setBearerAuth(admin)).contentType(MediaType.TEXT_PLAIN).bodyValue("hosts-style.example\n")
                .exchange().expectStatus().isBadRequest().expectBody()
                .jsonPath("$.detail").value(detail -> assertThat((String) detail).contains("both blocked and allowed"));
        http.post().uri("/api/v1/accounts/{a}/policies/{p}/domains?list=blocked", account, policy.policyId())
                .headers(h -> h.setBearerAuth(admin)).contentType(MediaType.TEXT_PLAIN)
                .bodyValue("fine.example\nalso-fine.example\n" + "x".repeat(5_000) + "\n")
                .exchange().expectStatus().isBadRequest().expectBody()
                .jsonPath("$.detail").value(detail -> assertThat((String) detail).contains("Line 3 is longer than 4096 bytes"));
    }

    private WebTestClient.ResponseSpec importInto(UUID policyId, String query, String body) {
        WebTestClient.RequestBodySpec request = http.post().uri("/api/v1/accounts/{a}/policies/{p}/domains?list=blocked" + query,
                account, policyId).headers(h -> h.setBearerAuth(admin)).contentType(MediaType.TEXT_PLAIN);
        return (body == null ? request : request.bodyValue(body)).exchange();
    }

    private List<String> blocked(UUID policyId) {
        return http.get().uri("/api/v1/accounts/{a}/policies/{p}", account, policyId).headers(h -> h.setBearerAuth(admin))
                .exchange().expectStatus().isOk().expectBody(PolicyJson.View.class).returnResult().getResponseBody()
                .blockAllowList().blocked();
    }

    @Test
    void anImportedListNeverBlocksAWholeTopLevelDomainByAccident() {
        UUID policy = blockList(List.of("already.example")).policyId();
        PolicyJson.ImportReport report = importInto(policy, "", """
                casino-14.example
                com
                127.0.0.1 localhost
                0.0.0.0 0.0.0.0
                0.0.0.0 ads-14.example tracker-14.example # trackers
                example
                """).expectStatus().isOk().expectBody(PolicyJson.ImportReport.class).returnResult().getResponseBody();

        assertThat(report.linesRead()).isEqualTo(6);
        assertThat(report.domainsAccepted()).isEqualTo(3);
        assertThat(report.rejected()).extracting(PolicyJson.ReportedLine::line, PolicyJson.ReportedLine::text)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(2L, "com"), org.assertj.core.groups.Tuple.tuple(6L, "example"));
        assertThat(report.rejected().get(0).reason()).startsWith("is a public suffix (com): it would block every name under it");
        assertThat(report.skipped()).extracting(PolicyJson.ReportedLine::line).containsExactly(3L, 4L);
        assertThat(report.skipped().get(0).reason()).contains("'localhost'");
        assertThat(report.confirmedSuffixes()).isEmpty();
        List<String> stored = blocked(policy);
        assertThat(stored).containsExactly("already.example", "casino-14.example", "ads-14.example", "tracker-14.example");
        assertThat(stored).as("nothing that lists www.google.com or a parent of it, so it is not blocked")
                .doesNotContain("www.google.com", "google.com", "com");

        importInto(policy, "&confirmSuffix=google.com", "example\n").expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.errors[0].field").isEqualTo("confirmSuffix[0]");
        PolicyJson.ImportReport confirmed = importInto(policy, "&confirmSuffix=example", "example\ncom\n").expectStatus().isOk()
                .expectBody(PolicyJson.ImportReport.class).returnResult().getResponseBody();
        assertThat(confirmed.domainsAccepted()).isEqualTo(1);
        assertThat(confirmed.confirmedSuffixes()).containsExactly("example");
        assertThat(confirmed.rejected()).extracting(PolicyJson.ReportedLine::text).containsExactly("com");
        assertThat(blocked(policy)).contains("example").doesNotContain("com");
        assertThat(TopicRecords.<AuditEvent>valuesFor(Topics.AUDIT.name(), account.toString()))
                .filteredOn(e -> "policy.import".equals(e.getAction())).last()
                .satisfies(e -> assertThat(e.getAfter()).contains("\"confirmedSuffixes\":[\"example\"]"));

        for (String empty : new String[] {null, "", "\n  \n"}) {
            importInto(policy, "", empty).expectStatus().isBadRequest()
                    .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody().jsonPath("$.detail").isEqualTo("The body is empty: send the list as text/plain, one domain per line.");
        }
        http.get().uri("/api/v1/accounts/{a}/policies/{p}", account, policy).headers(h -> h.setBearerAuth(admin)).exchange()
                .expectHeader().valueEquals("ETag", "\"v3\"").expectBody().returnResult();
    }

    @Test
    void aPolicyEditNamesTheEntryThatIsAPublicSuffixAndKeepsItOnlyWhenConfirmed() {
        Map<String, Object> broad = Map.of("name", "Broad", "type", "BLOCK_ALLOW_LIST", "scope", Map.of("everyone", true),
                "blockAllowList", Map.of("blocked", List.of("casino.example", "example"), "allowed", List.of("github.io")));
        create(broad).expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.errors.length()").isEqualTo(1)
                .jsonPath("$.errors[0].field").isEqualTo("blockAllowList.blocked[1]")
                .jsonPath("$.errors[0].reason").value(reason -> assertThat((String) reason)
                        .startsWith("'example' is a single label (example): it would block every name under it")
                        .contains("confirmSuffix=example"));
        create(Map.of("name", "Com", "type", "BLOCK_ALLOW_LIST", "scope", Map.of("everyone", true),
                "blockAllowList", Map.of("allowed", List.of("co.uk")))).expectStatus().isBadRequest().expectBody()
                .jsonPath("$.errors[0].field").isEqualTo("blockAllowList.allowed[0]")
                .jsonPath("$.errors[0].reason").value(reason -> assertThat((String) reason)
                        .contains("public suffix (co.uk): it would allow every name under it"));

        PolicyJson.View created = http.post().uri("/api/v1/accounts/{a}/policies?confirmSuffix=example", account)
                .headers(h -> h.setBearerAuth(admin)).contentType(MediaType.APPLICATION_JSON).bodyValue(broad).exchange()
                .expectStatus().isCreated().expectBody(PolicyJson.View.class).returnResult().getResponseBody();
        assertThat(created.blockAllowList().blocked()).containsExactly("casino.example", "example");
        assertThat(created.warnings()).extracting(Problems.FieldError::field).containsExactly("blockAllowList.allowed[0]");
        assertThat(created.warnings().get(0).reason()).contains("github.io").contains("private section");
        assertThat(TopicRecords.<AuditEvent>valuesFor(Topics.AUDIT.name(), account.toString()))
                .filteredOn(e -> created.policyId().toString().equals(e.getResourceId())).singleElement()
                .satisfies(e -> assertThat(e.getAfter()).contains("\"confirmedSuffixes\":[\"example\"]"));
        http.get().uri("/api/v1/accounts/{a}/policies/{p}", account, created.policyId()).headers(h -> h.setBearerAuth(admin))
                .exchange().expectBody().jsonPath("$.warnings").doesNotExist();

        http.put().uri("/api/v1/accounts/{a}/policies/{p}", account, created.policyId()).headers(h -> h.setBearerAuth(admin))
                .contentType(MediaType.APPLICATION_JSON).bodyValue(broad).exchange()
                .expectStatus().isBadRequest().expectBody().jsonPath("$.errors[0].field").isEqualTo("blockAllowList.blocked[1]");
    }

    @Test
    void anotherAccountsTokenAndAReadOnlyRoleCannotChangePolicies() {
        PolicyJson.View policy = blockList(List.of("x.example"));
        String stranger = RealInfrastructure.get().tokens().adminToken("eve@example.com", UUID.randomUUID(), "SUPER_ADMIN", Duration.ofMinutes(5));
        String reader = RealInfrastructure.get().tokens().customRoleToken("ro@example.com", account, List.of("web-security:read"), Duration.ofMinutes(5));
        http.get().uri("/api/v1/accounts/{a}/policies/{p}", account, policy.policyId()).headers(h -> h.setBearerAuth(stranger))
                .exchange().expectStatus().isForbidden().expectBody().returnResult();
        http.get().uri("/api/v1/accounts/{a}/policies/{p}", account, policy.policyId()).headers(h -> h.setBearerAuth(reader))
                .exchange().expectStatus().isOk().expectBody().returnResult();
        http.delete().uri("/api/v1/accounts/{a}/policies/{p}", account, policy.policyId()).headers(h -> h.setBearerAuth(reader))
                .exchange().expectStatus().isForbidden().expectBody().returnResult();
        http.post().uri("/api/v1/accounts/{a}/policies/{p}/domains", account, policy.policyId()).headers(h -> h.setBearerAuth(stranger))
                .contentType(MediaType.TEXT_PLAIN).bodyValue("y.example\n")
                .exchange().expectStatus().isForbidden().expectBody().returnResult();
    }
}
