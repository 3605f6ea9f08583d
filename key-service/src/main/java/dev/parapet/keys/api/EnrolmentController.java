package dev.parapet.keys.api;

import java.util.Locale;
import java.util.UUID;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import dev.parapet.keys.KeyServiceProperties;
import dev.parapet.keys.key.CustomerKeys;
import dev.parapet.kit.audit.AdminAudit;
import dev.parapet.kit.secrets.Secrets;
import dev.parapet.keys.view.KeyStateView;
import dev.parapet.kit.agents.AgentCredentials;
import dev.parapet.kit.problem.Problems;
import dev.parapet.schemas.v1.common.Actor;
import dev.parapet.schemas.v1.common.ActorKind;
import dev.parapet.schemas.v1.agents.AgentStatus;
import dev.parapet.schemas.v1.keys.AccountKeyState;
import dev.parapet.schemas.v1.keys.EnrolAgent;
import dev.parapet.schemas.v1.keys.KeyStatus;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import reactor.core.publisher.Mono;

/**
 * Agents enrol with the account key (no administrator token: the key is the credential) and get an
 * agent id and an agent credential. A wrong key is refused with a reason code that tells a mistyped
 * key (its checksum fails: nothing to ask the server) from one that is not accepted (unknown or
 * revoked, deliberately not told apart, so the answer never reveals which keys exist).
 */
@RestController
public class EnrolmentController {

    /** What an agent sends. */
    public record EnrolmentRequest(
            @NotBlank @Size(max = 200) String key,
            @NotBlank @Size(max = 128) @Pattern(regexp = "[A-Za-z0-9._:-]+", message = "letters, digits and . _ : - only") String deviceId,
            @NotBlank @Size(max = 253) String hostname,
            @NotBlank @Size(max = 64) String osName,
            @NotBlank @Size(max = 64) String osVersion,
            @NotBlank @Size(max = 32) @Pattern(regexp = "[0-9A-Za-z.+-]+", message = "a version such as 1.4.2") String agentVersion) {
    }

    /** What the agent keeps: its id and its credential (shown once, never stored in the clear). */
    public record Enrolment(UUID agentId, UUID accountId, String credential, long keyGeneration, String region,
                            String apiBaseUrl) {
    }

    public static final String KEY_MALFORMED = "KEY_MALFORMED";
    public static final String KEY_NOT_ACCEPTED = "KEY_NOT_ACCEPTED";

    private final KeyStateView view;
    private final KeyCommands commands;
    private final KeyServiceProperties properties;
    private final EnrolmentRateLimiter limiter;

    public EnrolmentController(KeyStateView view, KeyCommands commands, KeyServiceProperties properties,
                               EnrolmentRateLimiter limiter) {
        this.view = view;
        this.commands = commands;
        this.properties = properties;
        this.limiter = limiter;
    }

    @PostMapping("/agent/v1/enrolments")
    public Mono<ResponseEntity<Enrolment>> enrol(@Valid @RequestBody EnrolmentRequest request, ServerHttpRequest http) {
        // The client's address, also behind load balancers listed in parapet.web.trusted-proxies (service-kit's ClientAddressFilter).
        String address = AdminAudit.sourceAddress(http);
        long wait = limiter.retryAfterSeconds(http.getRemoteAddress() == null ? null : http.getRemoteAddress().getAddress(),
                Secrets.fingerprintOf(request.key().toUpperCase(Locale.ROOT).replaceAll("[\\s-]", "")), System.nanoTime());
        if (wait > 0) {
            ErrorResponseException limited = Problems.tooManyRequests("Too many enrolment attempts; retry in " + wait + " s.");
            limited.getHeaders().set("Retry-After", Long.toString(wait));
            return Mono.error(limited);
        }
        CustomerKeys.Result parsed = CustomerKeys.parse(request.key());
        if (parsed.key().isEmpty()) {
            return Mono.error(refused(KEY_MALFORMED, "This is not a Parapet key, or it was mistyped: check it against the CustomerKey file."));
        }
        String key = parsed.key().get().canonical();
        AccountKeyState accountKey = view.accountOfKeyFingerprint(Secrets.fingerprintOf(key))
                .flatMap(view::key)
                .filter(candidate -> candidate.getStatus() == KeyStatus.ACTIVE && Secrets.matches(key, candidate.getVerifier()))
                .orElse(null);
        if (accountKey == null) {
            return Mono.error(refused(KEY_NOT_ACCEPTED, "This key is not accepted. If the key was deleted, enrol with the account's new key."));
        }
        UUID accountId = accountKey.getAccountId();
        UUID proposedAgentId = UUID.randomUUID();
        String secret = Secrets.randomToken(32);
        EnrolAgent enrol = EnrolAgent.newBuilder()
                .setKeyId(accountKey.getKeyId())
                .setDeviceId(request.deviceId())
                .setHostname(request.hostname())
                .setOsName(request.osName())
                .setOsVersion(request.osVersion())
                .setAgentVersion(request.agentVersion())
                .setProposedAgentId(proposedAgentId)
                .setCredentialVerifier(Secrets.verifier(secret))
                .build();
        Actor actor = new Actor(request.deviceId(), "", ActorKind.AGENT, null);
        return commands.send(accountId, actor, address, enrol).flatMap(result -> {
            if (!result.getAccepted()) {
                return Mono.error(refused(KEY_NOT_ACCEPTED, "This key is not accepted. If the key was deleted, enrol with the account's new key."));
            }
            UUID agentId = result.getAgentId();
            String credential = AgentCredentials.format(agentId, secret);
            return view.when(v -> v.agent(agentId)
                            .filter(agent -> Secrets.matches(secret, agent.getCredentialVerifier())).isPresent())
                    .onErrorMap(e -> replacedByAnotherEnrolment(agentId, secret) ? Problems.conflict(
                            "Another enrolment of this device ran at the same time and replaced this one: its credential "
                                    + "is the one that works. Enrol again if this agent should be the one enrolled.") : e)
                    .thenReturn(ResponseEntity.status(HttpStatus.CREATED).body(new Enrolment(agentId, accountId, credential,
                            result.getKeyGeneration(), accountKey.getRegion().name().toLowerCase(Locale.ROOT),
                            properties.apiBaseUrl(accountKey.getRegion().name()))));
        });
    }

    /** Whether the device's agent now holds a credential other than the one this enrolment issued. */
    private boolean replacedByAnotherEnrolment(UUID agentId, String secret) {
        return view.agent(agentId).filter(agent -> agent.getStatus() == AgentStatus.ACTIVE
                && !Secrets.matches(secret, agent.getCredentialVerifier())).isPresent();
    }

    private static ErrorResponseException refused(String reason, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.UNAUTHORIZED, detail);
        problem.setTitle("Enrolment refused");
        problem.setProperty("reason", reason);
        return new ErrorResponseException(HttpStatus.UNAUTHORIZED, problem, null);
    }
}
