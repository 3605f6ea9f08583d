package dev.parapet.diagnostics.querylog;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.parapet.kit.audit.AdminAudit;
import dev.parapet.kit.problem.Problems;
import dev.parapet.kit.security.Admin;
import dev.parapet.kit.security.Permission;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

/**
 * Whether an account's query log holds pseudonyms instead of its users' and clients' identities
 * ({@code web-security:read} to see it; a Super, Full or Partner Administrator with {@code web-security:write} to
 * change it), and the break-glass step that re-identifies one pseudonym: the same administrators only, with a
 * reason, and the audit log's record of who asked, for which pseudonym and why written (and acknowledged by
 * Kafka) before the identity is answered; if it cannot be written, nothing is answered.
 */
@RestController
@RequestMapping("/api/v1/accounts/{accountId}/query-log")
public class QueryLogPrivacyController {

    static final Pattern PSEUDONYM = Pattern.compile(Pattern.quote(QueryLogPrivacy.PREFIX) + "[0-9a-f]{20}");
    static final int MIN_REASON = 10;
    static final int MAX_REASON = 500;

    private final QueryLogPrivacy privacy;
    private final KafkaTemplate<String, Object> kafka;
    private final JsonMapper json;

    public QueryLogPrivacyController(QueryLogPrivacy privacy, KafkaTemplate<String, Object> kafka, JsonMapper json) {
        this.privacy = privacy;
        this.kafka = kafka;
        this.json = json;
    }

    /** The account's choice. */
    public record Privacy(Boolean pseudonymiseUsers) {
    }

    /** A break-glass request: which pseudonym, and why (kept in the audit log). */
    public record ReIdentify(String pseudonym, String reason) {
    }

    public record Identified(String pseudonym, String identity) {
    }

    @GetMapping("/privacy")
    public Mono<Privacy> privacy(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin) {
        admin.require(accountId, Permission.WEB_SECURITY_READ);
        return Mono.fromCallable(() -> new Privacy(privacy.pseudonymises(accountId))).subscribeOn(Schedulers.boundedElastic());
    }

    @PutMapping("/privacy")
    public Mono<Privacy> setPrivacy(@PathVariable UUID accountId, @RequestBody Privacy wanted, @AuthenticationPrincipal Admin admin,
                                    ServerHttpRequest request) {
        admin.requirePrivileged(accountId).require(accountId, Permission.WEB_SECURITY_WRITE);
        if (wanted.pseudonymiseUsers() == null) {
            throw Problems.invalid("pseudonymiseUsers", "must be true or false");
        }
        return Mono.fromCallable(() -> privacy.pseudonymises(accountId)).subscribeOn(Schedulers.boundedElastic())
                .flatMap(before -> audit(admin, accountId, "query-log.privacy.update", "query-log-privacy", accountId.toString(),
                        json.writeValueAsString(new Privacy(before)), json.writeValueAsString(wanted), request))
                .then(Mono.fromCallable(() -> {
                    privacy.set(accountId, wanted.pseudonymiseUsers());
                    return new Privacy(wanted.pseudonymiseUsers());
                }).subscribeOn(Schedulers.boundedElastic()));
    }

    @PostMapping("/re-identify")
    public Mono<Identified> reIdentify(@PathVariable UUID accountId, @RequestBody ReIdentify wanted, @AuthenticationPrincipal Admin admin,
                                       ServerHttpRequest request) {
        admin.requirePrivileged(accountId).require(accountId, Permission.WEB_SECURITY_WRITE);
        List<Problems.FieldError> errors = new ArrayList<>();
        if (wanted.pseudonym() == null || !PSEUDONYM.matcher(wanted.pseudonym()).matches()) {
            errors.add(new Problems.FieldError("pseudonym", "must be a pseudonym of the query log, such as anon-0123456789abcdef0123"));
        }
        String reason = wanted.reason() == null ? "" : wanted.reason().strip();
        if (reason.length() < MIN_REASON || reason.length() > MAX_REASON) {
            errors.add(new Problems.FieldError("reason", "must say why, in " + MIN_REASON + " to " + MAX_REASON + " characters"));
        }
        if (!errors.isEmpty()) {
            throw Problems.invalid(errors);
        }
        return audit(admin, accountId, "query-log.re-identify", "pseudonym", wanted.pseudonym(), null,
                json.writeValueAsString(java.util.Map.of("reason", reason)), request)
                .then(Mono.fromCallable(() -> privacy.identify(accountId, wanted.pseudonym())
                        .map(identity -> new Identified(wanted.pseudonym(), identity))
                        .orElseThrow(() -> Problems.notFound("No identity behind " + wanted.pseudonym() + " in this account's query log.")))
                        .subscribeOn(Schedulers.boundedElastic()));
    }

    private Mono<Void> audit(Admin admin, UUID accountId, String action, String resourceType, String resourceId, String before,
                             String after, ServerHttpRequest request) {
        return AdminAudit.record(kafka, AdminAudit.event(admin, accountId, action, resourceType, resourceId, before, after, request));
    }
}
