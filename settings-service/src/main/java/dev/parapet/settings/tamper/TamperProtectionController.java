package dev.parapet.settings.tamper;

import java.time.Instant;
import java.util.UUID;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.parapet.kit.audit.AdminAudit;
import dev.parapet.kit.problem.Problems;
import dev.parapet.kit.secrets.Secrets;
import dev.parapet.kit.security.Admin;
import dev.parapet.kit.security.Permission;
import dev.parapet.schemas.v1.common.EncryptedSecret;
import dev.parapet.schemas.v1.settings.AgentSettings;
import dev.parapet.schemas.v1.settings.GenerateTamperPassword;
import dev.parapet.schemas.v1.settings.TamperProtection;
import dev.parapet.settings.agentsettings.AgentSettingsController;
import dev.parapet.settings.agentsettings.SettingsState;
import dev.parapet.settings.commands.Commands;
import reactor.core.publisher.Mono;

/**
 * Tamper protection: Generate Password (the current one becomes the previous one), and the two
 * passwords, hidden unless revealed; revealing needs write permission and is audited. Agents only
 * ever receive PBKDF2 verifiers.
 */
@RestController
public class TamperProtectionController {

    /** Current and previous password, masked unless revealed. */
    public record TamperProtectionView(boolean enabled, String currentPassword, String previousPassword,
                                       boolean revealed, Instant generatedAt, long settingsVersion) {
    }

    private static final String HIDDEN = "•••••-•••••-•••••-•••••-•••••";

    private final SettingsState state;
    private final Secrets secrets;
    private final KafkaTemplate<String, Object> kafka;

    public TamperProtectionController(SettingsState state, Secrets secrets, KafkaTemplate<String, Object> kafka) {
        this.state = state;
        this.secrets = secrets;
        this.kafka = kafka;
    }

    @PostMapping("/api/v1/accounts/{accountId}/tamper-protection/password")
    public Mono<ResponseEntity<TamperProtectionView>> generate(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin,
                                                               ServerHttpRequest http) {
        admin.require(accountId, Permission.WEB_SECURITY_WRITE);
        String password = TamperPasswords.generate();
        GenerateTamperPassword generate = new GenerateTamperPassword(Secrets.passwordVerifier(password),
                secrets.encrypt(password, accountId.toString()));
        return AgentSettingsController.sendCommand(state, accountId, admin, http, generate)
                .map(settings -> ResponseEntity.status(HttpStatus.CREATED).body(view(settings, false)));
    }

    @GetMapping("/api/v1/accounts/{accountId}/tamper-protection")
    public Mono<TamperProtectionView> read(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin,
                                           @RequestParam(defaultValue = "false") boolean reveal, ServerHttpRequest http) {
        admin.require(accountId, reveal ? Permission.WEB_SECURITY_WRITE : Permission.WEB_SECURITY_READ);
        AgentSettings settings = state.of(accountId);
        if (settings.getTamperProtection() == null) {
            if (reveal) {
                return Mono.error(Problems.notFound("No tamper-protection password has been generated for this account."));
            }
            return Mono.just(view(settings, false));
        }
        if (!reveal) {
            return Mono.just(view(settings, false));
        }
        return AdminAudit.record(kafka, AdminAudit.event(admin, accountId, "tamper-password.reveal", "tamper-protection",
                        accountId.toString(), null, null, http))
                .thenReturn(view(settings, true));
    }

    private TamperProtectionView view(AgentSettings settings, boolean reveal) {
        TamperProtection tamper = settings.getTamperProtection();
        if (tamper == null) {
            return new TamperProtectionView(false, null, null, false, null, settings.getVersion());
        }
        String account = settings.getAccountId().toString();
        EncryptedSecret previous = tamper.getEncryptedPrevious();
        return new TamperProtectionView(true,
                reveal ? secrets.decrypt(tamper.getEncryptedCurrent(), account) : HIDDEN,
                previous == null ? null : reveal ? secrets.decrypt(previous, account) : HIDDEN,
                reveal, tamper.getGeneratedAt(), settings.getVersion());
    }
}
