package dev.parapet.settings.policies;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.parapet.kit.problem.Problems;
import dev.parapet.kit.security.Admin;
import dev.parapet.kit.security.Permission;
import dev.parapet.schemas.v1.policies.Policy;
import dev.parapet.settings.agentsettings.SettingsState;
import reactor.core.publisher.Mono;

/**
 * A policy change previewed before it is saved: the same body a create or replace takes, validated and normalised by
 * the same code ({@link PolicyInput}), is sent to dns-service, which replays the account's last days of traffic
 * through it with the resolver's own decisions and answers what would change (see docs/policies.md "Preview").
 * Nothing is saved. Needs {@code web-security:read}: it changes nothing, and shows what the query log shows.
 */
@RestController
@EnableConfigurationProperties(PolicyPreviewController.Properties.class)
public class PolicyPreviewController {

    /**
     * @param dnsUrl  dns-service's base URL; blank: previews are not offered
     * @param timeout how long dns-service may take (it reads up to a week of the query log)
     */
    @ConfigurationProperties("parapet.settings.preview")
    public record Properties(@DefaultValue("") String dnsUrl, @DefaultValue("3m") Duration timeout) {
    }

    static final String AVRO = "application/vnd.parapet.policy+avro";

    private final SettingsState state;
    private final Properties properties;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1).build();

    public PolicyPreviewController(SettingsState state, Properties properties) {
        this.state = state;
        this.properties = properties;
    }

    /** The preview of creating this policy. */
    @PostMapping("/api/v1/accounts/{accountId}/policies/preview")
    public Mono<ResponseEntity<String>> previewCreate(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin,
                                                      @RequestBody PolicyJson.Write body,
                                                      @RequestParam(name = "confirmSuffix", required = false) List<String> confirmSuffix,
                                                      @RequestParam(defaultValue = "7") int days, ServerHttpRequest request) {
        admin.require(accountId, Permission.WEB_SECURITY_READ);
        Policy policy = PolicyInput.toPolicy(body, confirmSuffix, accountId, UUID.randomUUID(), admin.subject(), state).policy();
        return send(accountId, policy, null, days, request);
    }

    /** The preview of replacing a policy with this one ({@code delete=true}, and no body: of deleting it). */
    @PostMapping("/api/v1/accounts/{accountId}/policies/{policyId}/preview")
    public Mono<ResponseEntity<String>> previewChange(@PathVariable UUID accountId, @PathVariable UUID policyId,
                                                      @AuthenticationPrincipal Admin admin,
                                                      @RequestBody(required = false) PolicyJson.Write body,
                                                      @RequestParam(name = "confirmSuffix", required = false) List<String> confirmSuffix,
                                                      @RequestParam(defaultValue = "false") boolean delete,
                                                      @RequestParam(defaultValue = "7") int days, ServerHttpRequest request) {
        admin.require(accountId, Permission.WEB_SECURITY_READ);
        if (state.policies().get(accountId, policyId).isEmpty()) {
            throw Problems.notFound("There is no policy " + policyId + " in this account.");
        }
        if (delete) {
            if (body != null) {
                throw Problems.badRequest("A preview of deleting a policy takes no body.");
            }
            return send(accountId, null, policyId, days, request);
        }
        Policy policy = PolicyInput.toPolicy(body, confirmSuffix, accountId, policyId, admin.subject(), state).policy();
        return send(accountId, policy, null, days, request);
    }

    private Mono<ResponseEntity<String>> send(UUID accountId, Policy policy, UUID removes, int days, ServerHttpRequest request) {
        if (days < 1 || days > 7) {
            throw Problems.invalid("days", "must be from 1 to 7");
        }
        if (properties.dnsUrl().isBlank()) {
            throw Problems.unavailable("Policy previews are not configured here: set parapet.settings.preview.dns-url "
                    + "to dns-service's address.");
        }
        byte[] encoded;
        try {
            encoded = policy == null ? new byte[0] : bytes(policy.toByteBuffer());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        URI uri = URI.create(properties.dnsUrl()).resolve("/api/v1/accounts/" + accountId + "/dns/policy-preview?days=" + days
                + (removes == null ? "" : "&removes=" + removes));
        HttpRequest.Builder call = HttpRequest.newBuilder(uri).timeout(properties.timeout())
                .header(HttpHeaders.CONTENT_TYPE, AVRO).header(HttpHeaders.ACCEPT, MediaType.APPLICATION_JSON_VALUE)
                .POST(HttpRequest.BodyPublishers.ofByteArray(encoded));
        String authorization = request.getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
        if (authorization != null) {
            call.header(HttpHeaders.AUTHORIZATION, authorization);
        }
        return Mono.fromFuture(() -> http.sendAsync(call.build(), HttpResponse.BodyHandlers.ofString()))
                .onErrorMap(e -> !(e instanceof org.springframework.web.ErrorResponseException),
                        e -> Problems.of(HttpStatus.BAD_GATEWAY, "Preview unavailable",
                                "dns-service could not be reached for the preview; try again shortly."))
                .map(answer -> ResponseEntity.status(answer.statusCode())
                        .contentType(answer.statusCode() == 200 ? MediaType.APPLICATION_JSON : MediaType.APPLICATION_PROBLEM_JSON)
                        .body(answer.body()));
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }
}
