package dev.parapet.kit.accounts;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import com.nimbusds.jwt.JWTClaimsSet;

import dev.parapet.kit.KitTestApplication;
import dev.parapet.schemas.AvroSerdes;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.accounts.Account;
import dev.parapet.schemas.v1.accounts.AccountAdministrator;
import dev.parapet.schemas.v1.accounts.AccountStatus;
import dev.parapet.stack.RealInfrastructure;
import dev.parapet.stack.RealInfrastructure.WithRealInfrastructure;
import dev.parapet.stack.Waits;

/**
 * A service made of the kit alone refuses the administrators of an account that the registry topic
 * says is suspended, as every Parapet service does: the kit follows the topic and its security chain
 * consults it.
 */
@WithRealInfrastructure
@SpringBootTest(classes = KitTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SuspendedAccountTest {

    @LocalServerPort
    int port;

    @Autowired
    AccountRegistry registry;

    WebTestClient http;

    @BeforeEach
    void connect() {
        http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).build();
    }

    static String token(UUID account, String role, List<UUID> managed) {
        var tokens = RealInfrastructure.get().tokens();
        JWTClaimsSet claims = tokens.claims("ann@example.com", account, role, List.of(), Duration.ofMinutes(5))
                .claim("managed_accounts", managed.stream().map(UUID::toString).toList()).build();
        return tokens.sign(claims);
    }

    static void publish(UUID accountId, AccountStatus status, long version) throws Exception {
        Account account = Account.newBuilder().setAccountId(accountId).setName("Account " + accountId).setStatus(status)
                .setAdministrators(List.of(new AccountAdministrator(accountId + "@example.com", "SUPER_ADMIN"))).setVersion(version)
                .setCreatedAt(Instant.now()).setCreatedBy("operator").setUpdatedAt(Instant.now()).setUpdatedBy("operator").build();
        try (KafkaProducer<String, SpecificRecord> producer = new KafkaProducer<>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfrastructure.get().bootstrapServers()),
                new StringSerializer(), AvroSerdes.serializer(RealInfrastructure.get().registryUrl(), false))) {
            producer.send(new ProducerRecord<>(Topics.ACCOUNTS.name(), accountId.toString(), account)).get(30, TimeUnit.SECONDS);
        }
    }

    WebTestClient.ResponseSpec widgets(UUID account, String token) {
        return http.get().uri("/api/v1/accounts/{a}/widgets", account).headers(h -> h.setBearerAuth(token)).exchange();
    }

    @Test
    void aSuspendedAccountsTokensAreRefusedWith403UntilItIsResumedAndAnUnlistedAccountIsAccepted() throws Exception {
        UUID suspended = UUID.randomUUID();
        UUID unlisted = UUID.randomUUID();
        publish(suspended, AccountStatus.SUSPENDED, 2);
        Waits.until("the registry shows the suspension", Duration.ofSeconds(30), () -> registry.isSuspended(suspended));

        widgets(suspended, token(suspended, "SUPER_ADMIN", List.of())).expectStatus().isForbidden()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.title").isEqualTo("Account suspended")
                .jsonPath("$.status").isEqualTo(403)
                .jsonPath("$.detail").value(detail -> org.assertj.core.api.Assertions.assertThat((String) detail)
                        .contains(suspended.toString()));
        // Not even the access check, which every service answers from the kit.
        http.get().uri("/api/v1/accounts/{a}/access", suspended).headers(h -> h.setBearerAuth(token(suspended, "BASIC_ADMIN", List.of())))
                .exchange().expectStatus().isForbidden();
        widgets(unlisted, token(unlisted, "SUPER_ADMIN", List.of())).expectStatus().isOk();

        publish(suspended, AccountStatus.ACTIVE, 3);
        Waits.until("the registry shows the account resumed", Duration.ofSeconds(30), () -> !registry.isSuspended(suspended));
        widgets(suspended, token(suspended, "SUPER_ADMIN", List.of())).expectStatus().isOk();
    }

    @Test
    void aPartnerIsRefusedInASuspendedCustomerAccountOnlyAndAWrongTokenIsStill401() throws Exception {
        UUID partner = UUID.randomUUID();
        UUID customer = UUID.randomUUID();
        UUID otherCustomer = UUID.randomUUID();
        publish(partner, AccountStatus.ACTIVE, 1);
        publish(customer, AccountStatus.SUSPENDED, 2);
        Waits.until("the registry shows the suspension", Duration.ofSeconds(30), () -> registry.isSuspended(customer));
        String partnerToken = token(partner, "PARTNER_ADMIN", List.of(customer, otherCustomer));

        widgets(customer, partnerToken).expectStatus().isForbidden().expectBody().jsonPath("$.title").isEqualTo("Account suspended");
        // Other spellings of the customer's path: refused by the suspension (403) or, before it, by Spring Security's firewall (400).
        for (String spelling : java.util.List.of(customer + ";x=y", customer.toString().replace("-", "%2D"),
                customer.toString().toUpperCase())) {
            http.get().uri(java.net.URI.create("http://127.0.0.1:" + port + "/api/v1/accounts/" + spelling + "/widgets"))
                    .headers(h -> h.setBearerAuth(partnerToken)).exchange().expectStatus()
                    .value(status -> org.assertj.core.api.Assertions.assertThat(status).as(spelling).isIn(400, 403));
        }
        widgets(otherCustomer, partnerToken).expectStatus().isOk();
        widgets(partner, partnerToken).expectStatus().isOk();
        http.get().uri("/api/v1/accounts/{a}/widgets", customer).exchange().expectStatus().isUnauthorized();
    }
}
