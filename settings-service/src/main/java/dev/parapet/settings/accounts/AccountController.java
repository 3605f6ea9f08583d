package dev.parapet.settings.accounts;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;

import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.parapet.kit.accounts.AccountRegistry;
import dev.parapet.kit.problem.Problems;
import dev.parapet.kit.security.Admin;
import dev.parapet.schemas.v1.accounts.Account;
import dev.parapet.schemas.v1.accounts.AccountAdministrator;
import dev.parapet.schemas.v1.accounts.AccountStatus;
import dev.parapet.schemas.v1.accounts.CreateAccount;
import dev.parapet.schemas.v1.accounts.RemoveAccountAdministrator;
import dev.parapet.schemas.v1.accounts.ResumeAccount;
import dev.parapet.schemas.v1.accounts.SetAccountAdministrator;
import dev.parapet.schemas.v1.accounts.SuspendAccount;
import dev.parapet.schemas.v1.settings.SettingsCommandResult;
import dev.parapet.settings.Inputs;
import dev.parapet.settings.SettingsProperties;
import dev.parapet.settings.agentsettings.SettingsState;
import dev.parapet.settings.commands.Commands;
import reactor.core.publisher.Mono;

/**
 * The account registry: the platform operator (the Super and Full Administrators of
 * {@code parapet.settings.operator-accounts}) creates accounts with their first administrator, lists,
 * suspends and resumes them and manages their administrators; a Partner Administrator lists the accounts
 * their account manages. Every change is decided by the global writer and audited in the account and in
 * the operator's. docs/accounts.md has the rules and what suspension does.
 */
@RestController
public class AccountController {

    /** An administrator as the API shows and takes them. */
    public record AdministratorView(String email, String role) {
    }

    /** An account as the operator sees it. */
    public record AccountView(UUID accountId, String name, AccountStatus status, String statusReason, UUID partnerAccountId,
                              List<AdministratorView> administrators, long version, Instant createdAt, String createdBy,
                              Instant updatedAt, String updatedBy) {
    }

    /** A creation: the id is optional (a new one is chosen), the partner too. */
    public record AccountCreate(UUID accountId, String name, AdministratorView administrator, UUID partnerAccountId) {
    }

    /** Why an account is suspended (optional). */
    public record Suspension(String reason) {
    }

    /** An administrator's role. */
    public record RoleWrite(String role) {
    }

    /** An account as the Partner Administrators who manage it see it. */
    public record ManagedAccount(UUID accountId, String name, AccountStatus status, Instant createdAt, Instant updatedAt) {
    }

    private final SettingsState state;
    private final AccountRegistry registry;
    private final SettingsProperties properties;

    public AccountController(SettingsState state, AccountRegistry registry, SettingsProperties properties) {
        this.state = state;
        this.registry = registry;
        this.properties = properties;
    }

    /** 201 with the new account; 200 with it when the same creation is repeated (a retry); 409 when the id, name or address is taken. */
    @PostMapping("/api/v1/operator/accounts")
    public Mono<ResponseEntity<AccountView>> create(@AuthenticationPrincipal Admin admin, @RequestBody(required = false) AccountCreate body,
                                                    ServerHttpRequest http) {
        properties.requireOperator(admin, "create accounts");
        AccountInput.NewAccount account = AccountInput.newAccount(body);
        CreateAccount command = new CreateAccount(account.name(), account.partnerAccountId(), account.administrator(), admin.accountId());
        return send(admin, account.accountId(), command, http).map(result -> {
            AccountView view = view(registry.get(account.accountId()).orElseThrow());
            ResponseEntity.BodyBuilder answer = unchanged(result) ? ResponseEntity.ok()
                    : ResponseEntity.created(URI.create("/api/v1/operator/accounts/" + account.accountId()));
            return answer.eTag(Commands.etag(view.version())).body(view);
        });
    }

    /**
     * Every account, by name: {@code status} all (the default), active or suspended; {@code partner} the accounts a
     * partner manages; {@code administrator} the account an address administers.
     */
    @GetMapping("/api/v1/operator/accounts")
    public List<AccountView> list(@AuthenticationPrincipal Admin admin, @RequestParam(required = false) String status,
                                  @RequestParam(required = false) UUID partner, @RequestParam(required = false) String administrator) {
        properties.requireOperator(admin, "list accounts");
        Optional<AccountStatus> wanted = AccountInput.status(status);
        Predicate<Account> selected = account -> wanted.map(account.getStatus()::equals).orElse(true)
                && (partner == null || partner.equals(account.getPartnerAccountId()));
        if (administrator != null) {
            String email = Inputs.email(administrator).value().orElseThrow(() -> Problems.invalid("administrator", "is not an email address"));
            selected = selected.and(account -> account.getAdministrators().stream().anyMatch(a -> a.getEmail().equals(email)));
        }
        return registry.all().stream().filter(selected).map(AccountController::view).toList();
    }

    @GetMapping("/api/v1/operator/accounts/{accountId}")
    public ResponseEntity<AccountView> read(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin) {
        properties.requireOperator(admin, "read accounts");
        AccountView view = view(registry.get(accountId).orElseThrow(() -> Problems.notFound("Account " + accountId + " is not in the registry.")));
        return ResponseEntity.ok().eTag(Commands.etag(view.version())).body(view);
    }

    /** Its administrators' tokens are refused on every service until it is resumed; its agents and DNS go on (docs/accounts.md). */
    @PostMapping("/api/v1/operator/accounts/{accountId}/suspend")
    public Mono<ResponseEntity<AccountView>> suspend(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin,
                                                     @RequestBody(required = false) Suspension body, ServerHttpRequest http) {
        properties.requireOperator(admin, "suspend accounts");
        if (properties.operatorAccounts().contains(accountId)) {
            throw Problems.conflict("Account " + accountId + " operates the platform: suspending it would lock its administrators "
                    + "out of this API. Remove it from parapet.settings.operator-accounts first.");
        }
        String reason = AccountInput.reason(body == null ? null : body.reason());
        return change(admin, accountId, new SuspendAccount(reason, admin.accountId()), http);
    }

    @PostMapping("/api/v1/operator/accounts/{accountId}/resume")
    public Mono<ResponseEntity<AccountView>> resume(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin,
                                                    ServerHttpRequest http) {
        properties.requireOperator(admin, "resume accounts");
        return change(admin, accountId, new ResumeAccount(admin.accountId()), http);
    }

    /** Adds the administrator, or changes their role; an address administers at most one account (409). */
    @PutMapping("/api/v1/operator/accounts/{accountId}/administrators/{email}")
    public Mono<ResponseEntity<AccountView>> setAdministrator(@PathVariable UUID accountId, @PathVariable String email,
                                                              @AuthenticationPrincipal Admin admin,
                                                              @RequestBody(required = false) RoleWrite body, ServerHttpRequest http) {
        properties.requireOperator(admin, "manage accounts' administrators");
        List<Problems.FieldError> errors = new ArrayList<>();
        AccountAdministrator administrator = AccountInput.administrator(email, body == null ? null : body.role(), "", errors);
        if (!errors.isEmpty()) {
            throw Problems.invalid(errors);
        }
        return change(admin, accountId, new SetAccountAdministrator(administrator, admin.accountId()), http);
    }

    /** Removes an administrator; never the account's last one (409). */
    @DeleteMapping("/api/v1/operator/accounts/{accountId}/administrators/{email}")
    public Mono<ResponseEntity<AccountView>> removeAdministrator(@PathVariable UUID accountId, @PathVariable String email,
                                                                 @AuthenticationPrincipal Admin admin, ServerHttpRequest http) {
        properties.requireOperator(admin, "manage accounts' administrators");
        String address = Inputs.email(email).value().orElseThrow(() -> Problems.invalid("email", "is not an email address"));
        return change(admin, accountId, new RemoveAccountAdministrator(address, admin.accountId()), http);
    }

    /** The accounts this account manages as a partner, by name; for its Super, Full and Partner Administrators. */
    @GetMapping("/api/v1/accounts/{accountId}/managed-accounts")
    public List<ManagedAccount> managed(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin) {
        admin.requirePrivileged(accountId);
        return registry.all().stream().filter(account -> accountId.equals(account.getPartnerAccountId()))
                .map(account -> new ManagedAccount(account.getAccountId(), account.getName(), account.getStatus(),
                        account.getCreatedAt(), account.getUpdatedAt()))
                .toList();
    }

    private Mono<ResponseEntity<AccountView>> change(Admin admin, UUID accountId, Object command, ServerHttpRequest http) {
        return send(admin, accountId, command, http).map(result -> {
            AccountView view = view(registry.get(accountId).orElseThrow());
            return ResponseEntity.ok().eTag(Commands.etag(view.version())).body(view);
        });
    }

    private Mono<SettingsCommandResult> send(Admin admin, UUID accountId, Object command, ServerHttpRequest http) {
        return Commands.send(state, accountId, admin, http, command, registry.follower(), version -> registry.version(accountId) >= version);
    }

    private static boolean unchanged(SettingsCommandResult result) {
        return AccountDecisions.UNCHANGED.equals(result.getDetail());
    }

    static AccountView view(Account account) {
        return new AccountView(account.getAccountId(), account.getName(), account.getStatus(), account.getStatusReason(),
                account.getPartnerAccountId(),
                account.getAdministrators().stream().map(a -> new AdministratorView(a.getEmail(), a.getRole())).toList(),
                account.getVersion(), account.getCreatedAt(), account.getCreatedBy(), account.getUpdatedAt(), account.getUpdatedBy());
    }
}
