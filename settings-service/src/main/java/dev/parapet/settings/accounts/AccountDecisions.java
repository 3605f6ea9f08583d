package dev.parapet.settings.accounts;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import dev.parapet.kit.audit.AuditJson;
import dev.parapet.kit.security.Role;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.accounts.Account;
import dev.parapet.schemas.v1.accounts.AccountAdministrator;
import dev.parapet.schemas.v1.accounts.AccountStatus;
import dev.parapet.schemas.v1.accounts.CreateAccount;
import dev.parapet.schemas.v1.accounts.RemoveAccountAdministrator;
import dev.parapet.schemas.v1.accounts.ResumeAccount;
import dev.parapet.schemas.v1.accounts.SetAccountAdministrator;
import dev.parapet.schemas.v1.accounts.SuspendAccount;
import dev.parapet.schemas.v1.audit.AuditEvent;
import dev.parapet.schemas.v1.settings.SettingsCommand;
import dev.parapet.schemas.v1.settings.SettingsRejection;
import dev.parapet.settings.commands.Decision;
import dev.parapet.settings.commands.Feature;
import dev.parapet.settings.commands.SettingsCommandTopology;
import dev.parapet.settings.commands.StateStores;

/**
 * The account registry, decided by the one global writer, which sees every account: so that no two
 * accounts share a name or an administrator's address even when two operators create them at once.
 * The command's account is the account the command is about; the operator's own account gets an
 * audit event too.
 *
 * <p>A command that would change nothing (the same creation repeated, suspending a suspended
 * account, setting a role an administrator already has) is accepted with the current version, publishes
 * nothing and says {@link #UNCHANGED}, so that a client may retry after a lost answer.
 */
public final class AccountDecisions {

    /**
     * The built-in roles an administrator of the registry may have, as a token's role claim spells them
     * ({@link Role}, but {@link Role#CUSTOM}: a custom role's permissions live in the identity provider).
     */
    public static final Set<String> ROLES = Arrays.stream(Role.values()).filter(role -> role != Role.CUSTOM).map(Role::name)
            .collect(Collectors.toUnmodifiableSet());

    /** The most administrators one account lists. */
    public static final int MAX_ADMINISTRATORS = 100;

    /** The detail of an accepted command that changed nothing. */
    public static final String UNCHANGED = "unchanged";

    /** The account registry: the global writer, which sees every account's name and administrators. */
    public static final Feature FEATURE = Feature.of("account registry", Feature.Writer.GLOBAL)
            .store(SettingsCommandTopology.ACCOUNTS_STORE, Topics.ACCOUNTS)
            .command(CreateAccount.class, (command, create, stores, now, rules) -> decide(stores, command, now))
            .command(SuspendAccount.class, (command, suspend, stores, now, rules) -> decide(stores, command, now))
            .command(ResumeAccount.class, (command, resume, stores, now, rules) -> decide(stores, command, now))
            .command(SetAccountAdministrator.class, (command, set, stores, now, rules) -> decide(stores, command, now))
            .command(RemoveAccountAdministrator.class, (command, remove, stores, now, rules) -> decide(stores, command, now))
            .build();

    private AccountDecisions() {
    }

    /** Whether this is a command on the account registry (the global writer's). */
    public static boolean isAccountCommand(Object action) {
        return action != null && FEATURE.commandTypes().contains(action.getClass());
    }

    public static Decision decide(StateStores stores, SettingsCommand command, Instant now) {
        Object action = command.getAction();
        Account stored = stores.get(SettingsCommandTopology.ACCOUNTS_STORE, command.getAccountId().toString());
        if (action instanceof CreateAccount create) {
            return create(stores, stored, command, create, now);
        }
        if (stored == null) {
            return Decision.refused(command, SettingsRejection.NOT_FOUND, 0,
                    "account " + command.getAccountId() + " is not in the registry");
        }
        if (action instanceof SuspendAccount suspend) {
            return status(stored, command, AccountStatus.SUSPENDED, suspend.getReason(), suspend.getOperatorAccountId(), now);
        }
        if (action instanceof ResumeAccount resume) {
            return status(stored, command, AccountStatus.ACTIVE, null, resume.getOperatorAccountId(), now);
        }
        if (action instanceof SetAccountAdministrator set) {
            return setAdministrator(stores, stored, command, set, now);
        }
        if (action instanceof RemoveAccountAdministrator remove) {
            return removeAdministrator(stored, command, remove, now);
        }
        return Decision.refused(command, SettingsRejection.OTHER, 0, "unknown account command");
    }

    private static Decision create(StateStores stores, Account stored, SettingsCommand command, CreateAccount create, Instant now) {
        UUID accountId = command.getAccountId();
        AccountAdministrator administrator = create.getAdministrator();
        if (stored != null) {
            return sameCreation(stored, create) ? unchanged(command, stored)
                    : Decision.refused(command, SettingsRejection.ALREADY_EXISTS, stored.getVersion(),
                    "account " + accountId + " already exists (named '" + stored.getName() + "')");
        }
        if (!ROLES.contains(administrator.getRole())) {
            return unknownRole(command, 0, administrator);
        }
        List<String> conflicts = new ArrayList<>();
        String name = folded(create.getName());
        stores.<Account>forEach(SettingsCommandTopology.ACCOUNTS_STORE, other -> {
            if (folded(other.getName()).equals(name)) {
                conflicts.add("the name '" + create.getName() + "' is taken by account " + other.getAccountId());
            }
            if (administers(other, administrator.getEmail())) {
                conflicts.add(administrator.getEmail() + " already administers account " + other.getAccountId());
            }
        });
        if (!conflicts.isEmpty()) {
            return Decision.refused(command, SettingsRejection.CONFLICT, 0, String.join("; ", conflicts));
        }
        UUID partnerId = create.getPartnerAccountId();
        if (partnerId != null) {
            Account partner = stores.get(SettingsCommandTopology.ACCOUNTS_STORE, partnerId.toString());
            if (partner == null) {
                return Decision.refused(command, SettingsRejection.INVALID, 0, "partner account " + partnerId + " is not in the registry");
            }
            if (partner.getStatus() != AccountStatus.ACTIVE) {
                return Decision.refused(command, SettingsRejection.CONFLICT, 0, "partner account " + partnerId + " is suspended");
            }
        }
        String operator = dev.parapet.kit.audit.Actors.name(command.getActor());
        Account created = Account.newBuilder().setAccountId(accountId).setName(create.getName()).setStatus(AccountStatus.ACTIVE)
                .setStatusReason(null).setPartnerAccountId(partnerId).setAdministrators(List.of(administrator)).setVersion(1)
                .setCreatedAt(now).setCreatedBy(operator).setUpdatedAt(now).setUpdatedBy(operator).build();
        return accepted(command, null, created, "account.create", create.getOperatorAccountId(), now);
    }

    /** The same id, name, partner and first administrator as the stored account: a retry of its creation. */
    private static boolean sameCreation(Account stored, CreateAccount create) {
        return stored.getName().equals(create.getName())
                && java.util.Objects.equals(stored.getPartnerAccountId(), create.getPartnerAccountId())
                && !stored.getAdministrators().isEmpty() && stored.getAdministrators().get(0).equals(create.getAdministrator());
    }

    private static Decision status(Account stored, SettingsCommand command, AccountStatus status, String reason, UUID operatorAccountId,
                                   Instant now) {
        if (stored.getStatus() == status) {
            return unchanged(command, stored);
        }
        Account next = Account.newBuilder(stored).setStatus(status).setStatusReason(reason).build();
        return accepted(command, stored, next, status == AccountStatus.SUSPENDED ? "account.suspend" : "account.resume",
                operatorAccountId, now);
    }

    private static Decision setAdministrator(StateStores stores, Account stored, SettingsCommand command, SetAccountAdministrator set,
                                             Instant now) {
        AccountAdministrator wanted = set.getAdministrator();
        if (!ROLES.contains(wanted.getRole())) {
            return unknownRole(command, stored.getVersion(), wanted);
        }
        List<String> elsewhere = new ArrayList<>();
        stores.<Account>forEach(SettingsCommandTopology.ACCOUNTS_STORE, other -> {
            if (!other.getAccountId().equals(stored.getAccountId()) && administers(other, wanted.getEmail())) {
                elsewhere.add(wanted.getEmail() + " already administers account " + other.getAccountId());
            }
        });
        if (!elsewhere.isEmpty()) {
            return Decision.refused(command, SettingsRejection.CONFLICT, stored.getVersion(), String.join("; ", elsewhere));
        }
        List<AccountAdministrator> administrators = new ArrayList<>(stored.getAdministrators());
        int index = indexOf(administrators, wanted.getEmail());
        if (index >= 0 && administrators.get(index).getRole().equals(wanted.getRole())) {
            return unchanged(command, stored);
        }
        if (index >= 0) {
            administrators.set(index, wanted);
        } else if (administrators.size() >= MAX_ADMINISTRATORS) {
            return Decision.quotaExceeded(command, stored.getVersion(), "administrators-per-account", MAX_ADMINISTRATORS,
                    administrators.size(), "the account has " + administrators.size() + " administrators, the most it may have");
        } else {
            administrators.add(wanted);
        }
        Account next = Account.newBuilder(stored).setAdministrators(administrators).build();
        return accepted(command, stored, next, "account.administrator.set", set.getOperatorAccountId(), now);
    }

    private static Decision removeAdministrator(Account stored, SettingsCommand command, RemoveAccountAdministrator remove, Instant now) {
        List<AccountAdministrator> administrators = new ArrayList<>(stored.getAdministrators());
        int index = indexOf(administrators, remove.getEmail());
        if (index < 0) {
            return Decision.refused(command, SettingsRejection.NOT_FOUND, stored.getVersion(),
                    remove.getEmail() + " is not an administrator of account " + stored.getAccountId());
        }
        if (administrators.size() == 1) {
            return Decision.refused(command, SettingsRejection.CONFLICT, stored.getVersion(),
                    "the last administrator of an account cannot be removed: add another first");
        }
        administrators.remove(index);
        Account next = Account.newBuilder(stored).setAdministrators(administrators).build();
        return accepted(command, stored, next, "account.administrator.remove", remove.getOperatorAccountId(), now);
    }

    /**
     * The new state (version one more, changed now by the command's actor) on the registry topic, audited in
     * the account and in the operator's account.
     */
    private static Decision accepted(SettingsCommand command, Account before, Account next, String action, UUID operatorAccountId,
                                     Instant now) {
        if (before != null) {
            next = Account.newBuilder(next).setVersion(before.getVersion() + 1).setUpdatedAt(now)
                    .setUpdatedBy(dev.parapet.kit.audit.Actors.name(command.getActor())).build();
        }
        String key = next.getAccountId().toString();
        String beforeJson = AuditJson.describe(before);
        String afterJson = AuditJson.describe(next);
        Decision decision = Decision.accepted(command, Topics.ACCOUNTS.name(), key, next, next.getVersion(),
                Decision.audit(command, action, "account", key, beforeJson, afterJson, now));
        if (operatorAccountId.equals(command.getAccountId())) {
            return decision;
        }
        List<Decision.Output> outputs = new ArrayList<>(decision.outputs());
        outputs.add(new Decision.Output(Topics.AUDIT.name(), operatorAccountId.toString(),
                AuditEvent.newBuilder(Decision.audit(command, "operator." + action, "account", key, beforeJson, afterJson, now))
                        .setAccountId(operatorAccountId).build()));
        return new Decision(decision.result(), outputs);
    }

    private static Decision unknownRole(SettingsCommand command, long version, AccountAdministrator administrator) {
        return Decision.refused(command, SettingsRejection.INVALID, version, "role " + administrator.getRole()
                + " is not one of " + ROLES.stream().sorted().toList());
    }

    private static Decision unchanged(SettingsCommand command, Account stored) {
        return new Decision(Decision.result(command, true, null, stored.getVersion(), UNCHANGED), List.of());
    }

    private static boolean administers(Account account, String email) {
        return indexOf(account.getAdministrators(), email) >= 0;
    }

    private static int indexOf(List<AccountAdministrator> administrators, String email) {
        for (int i = 0; i < administrators.size(); i++) {
            if (administrators.get(i).getEmail().equals(email)) {
                return i;
            }
        }
        return -1;
    }

    /** Names compare without case and surrounding space: "Acme" and "ACME " are one name. */
    static String folded(String name) {
        return name.strip().toLowerCase(Locale.ROOT);
    }
}
