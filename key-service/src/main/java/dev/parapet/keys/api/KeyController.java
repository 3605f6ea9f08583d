package dev.parapet.keys.api;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.parapet.keys.KeyServiceProperties;
import dev.parapet.keys.key.CustomerKeys;
import dev.parapet.kit.audit.AdminAudit;
import dev.parapet.kit.secrets.Secrets;
import dev.parapet.keys.view.KeyStateView;
import dev.parapet.kit.problem.Problems;
import dev.parapet.kit.security.Admin;
import dev.parapet.kit.security.Permission;
import dev.parapet.schemas.v1.agents.AgentState;
import dev.parapet.schemas.v1.agents.AgentStatus;
import dev.parapet.schemas.v1.common.Region;
import dev.parapet.schemas.v1.keys.AccountKeyState;
import dev.parapet.schemas.v1.keys.CreateKey;
import dev.parapet.schemas.v1.keys.DeleteKey;
import dev.parapet.schemas.v1.keys.KeyCommandRejection;
import dev.parapet.schemas.v1.keys.KeyStatus;
import reactor.core.publisher.Mono;

/** The Installation tab: the account's security agent key, and the agents enrolled with it. */
@RestController
@RequestMapping("/api/v1/accounts/{accountId}")
public class KeyController {

    /** The key as administrators see it; {@code key} is masked unless revealed. */
    public record KeyView(UUID keyId, long generation, String status, String region, String apiBaseUrl,
                          String key, boolean revealed, Instant createdAt, String createdBy,
                          Instant deletedAt, String deletedBy) {
    }

    /** An enrolled agent. */
    public record AgentView(UUID agentId, String deviceId, String hostname, String osName, String osVersion,
                            String agentVersion, Instant enrolledAt, Instant lastEnrolledAt, String status,
                            String revocationReason, Instant revokedAt) {
    }

    /** The optional body of a create: which region the account's agents use. */
    public record CreateKeyRequest(String region) {
    }

    private final KeyStateView view;
    private final KeyCommands commands;
    private final Secrets secrets;
    private final KeyServiceProperties properties;
    private final KafkaTemplate<String, Object> kafka;

    public KeyController(KeyStateView view, KeyCommands commands, Secrets secrets, KeyServiceProperties properties,
                         KafkaTemplate<String, Object> kafka) {
        this.view = view;
        this.commands = commands;
        this.secrets = secrets;
        this.properties = properties;
        this.kafka = kafka;
    }

    @PostMapping("/key")
    public Mono<ResponseEntity<KeyView>> create(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin,
                                                @RequestBody(required = false) CreateKeyRequest request,
                                                ServerHttpRequest http) {
        admin.require(accountId, Permission.WEB_SECURITY_WRITE);
        Region region = region(request == null || request.region() == null ? properties.defaultRegion() : request.region());
        if (view.key(accountId).filter(key -> key.getStatus() == KeyStatus.ACTIVE).isPresent()) {
            return Mono.error(alreadyExists());
        }
        String key = CustomerKeys.generate(region);
        CreateKey create = new CreateKey(UUID.randomUUID(), region, secrets.encrypt(key, accountId.toString()),
                Secrets.verifier(key));
        return commands.send(accountId, AdminAudit.actor(admin), AdminAudit.sourceAddress(http), create)
                .flatMap(result -> {
                    if (!result.getAccepted()) {
                        return Mono.error(alreadyExists());
                    }
                    return view.when(v -> v.key(accountId)
                                    .filter(k -> k.getKeyId().equals(create.getKeyId())).isPresent())
                            .then(Mono.fromSupplier(() -> ResponseEntity.status(HttpStatus.CREATED)
                                    .body(toView(view.key(accountId).orElseThrow(), false))));
                });
    }

    @GetMapping("/key")
    public Mono<KeyView> read(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin,
                              @RequestParam(defaultValue = "false") boolean reveal, ServerHttpRequest http) {
        admin.require(accountId, reveal ? Permission.WEB_SECURITY_WRITE : Permission.WEB_SECURITY_READ);
        AccountKeyState key = activeKey(accountId);
        if (!reveal) {
            return Mono.just(toView(key, false));
        }
        return audit(admin, accountId, "key.reveal", key, http).thenReturn(toView(key, true));
    }

    @GetMapping("/key/file")
    public Mono<ResponseEntity<byte[]>> download(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin,
                                                 ServerHttpRequest http) {
        admin.require(accountId, Permission.WEB_SECURITY_WRITE);
        AccountKeyState key = activeKey(accountId);
        String text = "# Parapet security agent key. Keep it secret: anyone holding it can enrol devices.\n"
                + "ParapetKey=" + secrets.decrypt(key.getEncryptedKey(), accountId.toString()) + "\n"
                + "ApiBaseUrl=" + apiBaseUrl(key.getRegion()) + "\n"
                + "Region=" + key.getRegion().name().toLowerCase(Locale.ROOT) + "\n";
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.TEXT_PLAIN);
        headers.setContentDisposition(ContentDisposition.attachment().filename("CustomerKey").build());
        headers.setCacheControl("no-store");
        return audit(admin, accountId, "key.download", key, http)
                .thenReturn(new ResponseEntity<>(text.getBytes(StandardCharsets.UTF_8), headers, HttpStatus.OK));
    }

    @DeleteMapping("/key")
    public Mono<ResponseEntity<KeyView>> delete(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin,
                                                @RequestParam(required = false) String confirm, ServerHttpRequest http) {
        admin.requirePrivileged(accountId);
        if (!"true".equals(confirm)) {
            return Mono.error(Problems.badRequest("Deleting the key ends every installation made with it: every agent "
                    + "enrolled with it stops operating until it is enrolled with a new key. To confirm, repeat the "
                    + "request with ?confirm=true."));
        }
        AccountKeyState key = activeKey(accountId);
        return commands.send(accountId, AdminAudit.actor(admin), AdminAudit.sourceAddress(http), new DeleteKey(key.getKeyId()))
                .flatMap(result -> {
                    if (!result.getAccepted()) {
                        return Mono.error(result.getRejection() == KeyCommandRejection.KEY_CHANGED
                                ? Problems.conflict("The key changed while it was being deleted; read it again.")
                                : Problems.notFound("This account has no active key."));
                    }
                    return view.when(v -> v.key(accountId)
                                    .filter(k -> k.getStatus() == KeyStatus.REVOKED && k.getKeyId().equals(key.getKeyId())).isPresent())
                            .then(Mono.fromSupplier(() -> ResponseEntity.ok(toView(view.key(accountId).orElseThrow(), false))));
                });
    }

    /** The total of a paged list, whatever the page holds. */
    static final String TOTAL_COUNT = "X-Total-Count";

    /**
     * Every enrolled agent, oldest enrolment first; with {@code page} (from 0) or {@code size} (1-500, default 50) one page
     * of them, newest enrolment first (what a console lists for tens of thousands of agents). Either way the total is in
     * {@value #TOTAL_COUNT}.
     */
    @GetMapping("/agents")
    public ResponseEntity<List<AgentView>> agents(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin,
                                                  @RequestParam(required = false) Integer page,
                                                  @RequestParam(required = false) Integer size) {
        admin.require(accountId, Permission.WEB_SECURITY_READ);
        AccountKeyState key = view.key(accountId).orElse(null);
        List<AgentState> agents = view.agents(accountId);
        int total = agents.size();
        if (page != null || size != null) {
            agents = page(agents, page == null ? 0 : page, size == null ? 50 : size);
        }
        return ResponseEntity.ok().header(TOTAL_COUNT, Integer.toString(total))
                .body(agents.stream().map(agent -> toView(agent, key)).toList());
    }

    /** One page of agents listed oldest first, newest first. */
    static List<AgentState> page(List<AgentState> oldestFirst, int page, int size) {
        if (page < 0) {
            throw Problems.invalid("page", "must be 0 or more");
        }
        if (size < 1 || size > 500) {
            throw Problems.invalid("size", "must be from 1 to 500");
        }
        int end = oldestFirst.size() - (int) Math.min((long) page * size, oldestFirst.size());
        List<AgentState> newestFirst = new java.util.ArrayList<>(oldestFirst.subList(Math.max(0, end - size), end));
        java.util.Collections.reverse(newestFirst);
        return newestFirst;
    }

    static AgentView toView(AgentState agent, AccountKeyState key) {
        boolean active = agent.getStatus() == AgentStatus.ACTIVE && key != null && key.getStatus() == KeyStatus.ACTIVE
                && key.getGeneration() == agent.getKeyGeneration();
        String reason = agent.getRevocationReason() != null ? agent.getRevocationReason().name()
                : active ? null : "KEY_DELETED";
        return new AgentView(agent.getAgentId(), agent.getDeviceId(), agent.getHostname(), agent.getOsName(),
                agent.getOsVersion(), agent.getAgentVersion(), agent.getEnrolledAt(), agent.getLastEnrolledAt(),
                active ? "ACTIVE" : "REVOKED", reason, agent.getRevokedAt());
    }

    private KeyView toView(AccountKeyState key, boolean reveal) {
        String text = secrets.decrypt(key.getEncryptedKey(), key.getAccountId().toString());
        return new KeyView(key.getKeyId(), key.getGeneration(), key.getStatus().name(),
                key.getRegion().name().toLowerCase(Locale.ROOT), apiBaseUrl(key.getRegion()),
                reveal ? text : mask(text), reveal, key.getIssuedAt(), key.getIssuedBy(), key.getRevokedAt(),
                key.getRevokedBy());
    }

    static String mask(String key) {
        return key.substring(0, 7) + "••••••••" + key.substring(key.length() - 4);
    }

    private AccountKeyState activeKey(UUID accountId) {
        return view.key(accountId).filter(key -> key.getStatus() == KeyStatus.ACTIVE)
                .orElseThrow(() -> Problems.notFound("This account has no active key; create one with POST."));
    }

    private String apiBaseUrl(Region region) {
        String url = properties.apiBaseUrl(region.name());
        if (url == null) {
            throw Problems.unavailable("No API base URL is configured for region " + region);
        }
        return url;
    }

    private Region region(String name) {
        try {
            Region region = Region.valueOf(name.toUpperCase(Locale.ROOT));
            apiBaseUrl(region);
            return region;
        } catch (IllegalArgumentException e) {
            throw Problems.invalid("region", "must be one of eu, de, us, usb, ca, za, au, jer");
        }
    }

    private Mono<Void> audit(Admin admin, UUID accountId, String action, AccountKeyState key, ServerHttpRequest http) {
        return AdminAudit.record(kafka, AdminAudit.event(admin, accountId, action, "key", key.getKeyId().toString(), null, null, http));
    }

    private static RuntimeException alreadyExists() {
        return Problems.conflict("This account already has an active key; delete it first to create a new one.");
    }
}
