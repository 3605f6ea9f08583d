package dev.parapet.settings.accounts;

import static dev.parapet.settings.commands.InMemoryStores.command;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

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
import dev.parapet.schemas.v1.settings.SettingsCommandResult;
import dev.parapet.schemas.v1.settings.SettingsRejection;
import dev.parapet.settings.commands.CommandDecisions;
import dev.parapet.settings.commands.Decision;
import dev.parapet.settings.commands.InMemoryStores;
import dev.parapet.settings.commands.SettingsCommandTopology;
import dev.parapet.settings.quotas.Quotas;

/** The global writer's account registry: uniqueness, idempotent repeats, suspension and administrators. */
class AccountDecisionsTest {

    private static final Quotas QUOTAS = new Quotas(100, 1_000_000, 1000, 2, 3, 4, 2, 10_000);
    private static final CommandDecisions.Rules RULES = new CommandDecisions.Rules(QUOTAS, false);
    private static final UUID OPERATOR = UUID.randomUUID();

    private final InMemoryStores stores = new InMemoryStores();

    private Decision decide(UUID account, Object action) {
        return stores.decide(command(account, action), true, RULES);
    }

    private Decision create(UUID account, String name, String email, String role, UUID partner) {
        return decide(account, new CreateAccount(name, partner, new AccountAdministrator(email, role), OPERATOR));
    }

    private Account stored(UUID account) {
        return stores.get(SettingsCommandTopology.ACCOUNTS_STORE, account.toString());
    }

    private static void refused(Decision decision, SettingsRejection why, String detail) {
        SettingsCommandResult result = decision.result();
        assertThat(result.getAccepted()).as(result.toString()).isFalse();
        assertThat(result.getRejection()).isEqualTo(why);
        assertThat(result.getDetail()).contains(detail);
        assertThat(decision.outputs()).isEmpty();
    }

    @Test
    void aCreatedAccountIsActiveWithItsFirstAdministratorAndAuditedInItsAccountAndTheOperators() {
        UUID account = UUID.randomUUID();
        Decision decision = create(account, "Acme Ltd", "ann@acme.example", "SUPER_ADMIN", null);
        assertThat(decision.result().getAccepted()).isTrue();
        assertThat(decision.result().getVersion()).isEqualTo(1);
        Account created = stored(account);
        assertThat(created.getStatus()).isEqualTo(AccountStatus.ACTIVE);
        assertThat(created.getAdministrators()).containsExactly(new AccountAdministrator("ann@acme.example", "SUPER_ADMIN"));
        assertThat(created.getCreatedBy()).isEqualTo("admin@example.com");
        assertThat(decision.outputs()).extracting(Decision.Output::topic)
                .containsExactly(Topics.ACCOUNTS.name(), Topics.AUDIT.name(), Topics.AUDIT.name());
        assertThat(decision.outputs().get(1).value()).isInstanceOfSatisfying(AuditEvent.class, audit -> {
            assertThat(audit.getAccountId()).isEqualTo(account);
            assertThat(audit.getAction()).isEqualTo("account.create");
            assertThat(audit.getAfter()).contains("ann@acme.example");
        });
        assertThat(decision.outputs().get(2).value()).isInstanceOfSatisfying(AuditEvent.class, audit -> {
            assertThat(audit.getAccountId()).isEqualTo(OPERATOR);
            assertThat(audit.getAction()).isEqualTo("operator.account.create");
        });
    }

    @Test
    void theOperatorCreatingItsOwnAccountIsAuditedOnce() {
        Decision decision = decide(OPERATOR, new CreateAccount("Operator", null, new AccountAdministrator("op@example.com", "SUPER_ADMIN"),
                OPERATOR));
        assertThat(decision.outputs()).extracting(Decision.Output::topic).containsExactly(Topics.ACCOUNTS.name(), Topics.AUDIT.name());
    }

    @Test
    void repeatingTheSameCreationChangesNothingAndADifferentOneWithTheSameIdIsRefused() {
        UUID account = UUID.randomUUID();
        create(account, "Acme Ltd", "ann@acme.example", "SUPER_ADMIN", null);
        Decision again = create(account, "Acme Ltd", "ann@acme.example", "SUPER_ADMIN", null);
        assertThat(again.result().getAccepted()).isTrue();
        assertThat(again.result().getDetail()).isEqualTo(AccountDecisions.UNCHANGED);
        assertThat(again.result().getVersion()).isEqualTo(1);
        assertThat(again.outputs()).isEmpty();
        refused(create(account, "Acme Limited", "ann@acme.example", "SUPER_ADMIN", null), SettingsRejection.ALREADY_EXISTS,
                "already exists");
        refused(create(account, "Acme Ltd", "ann@acme.example", "FULL_ADMIN", null), SettingsRejection.ALREADY_EXISTS, "already exists");
    }

    @Test
    void namesAreUniqueWhateverTheirCaseAndAnAddressAdministersOneAccountOnly() {
        UUID first = UUID.randomUUID();
        create(first, "Acme Ltd", "ann@acme.example", "SUPER_ADMIN", null);
        refused(create(UUID.randomUUID(), "ACME LTD", "bob@acme.example", "SUPER_ADMIN", null), SettingsRejection.CONFLICT,
                "taken by account " + first);
        refused(create(UUID.randomUUID(), "Other", "ann@acme.example", "SUPER_ADMIN", null), SettingsRejection.CONFLICT,
                "ann@acme.example already administers account " + first);
        UUID second = UUID.randomUUID();
        create(second, "Other", "bob@other.example", "SUPER_ADMIN", null);
        refused(decide(second, new SetAccountAdministrator(new AccountAdministrator("ann@acme.example", "BASIC_ADMIN"), OPERATOR)),
                SettingsRejection.CONFLICT, "already administers account " + first);
    }

    @Test
    void aPartnerMustBeAnActiveAccountOfTheRegistry() {
        UUID partner = UUID.randomUUID();
        refused(create(UUID.randomUUID(), "Customer", "c@customer.example", "SUPER_ADMIN", partner), SettingsRejection.INVALID,
                "not in the registry");
        create(partner, "Reseller", "p@reseller.example", "PARTNER_ADMIN", null);
        UUID customer = UUID.randomUUID();
        assertThat(create(customer, "Customer", "c@customer.example", "SUPER_ADMIN", partner).result().getAccepted()).isTrue();
        assertThat(stored(customer).getPartnerAccountId()).isEqualTo(partner);
        decide(partner, new SuspendAccount("unpaid", OPERATOR));
        refused(create(UUID.randomUUID(), "Customer 2", "d@customer.example", "SUPER_ADMIN", partner), SettingsRejection.CONFLICT,
                "is suspended");
    }

    @Test
    void onlyBuiltInRolesAreAccepted() {
        refused(create(UUID.randomUUID(), "Acme", "ann@acme.example", "CUSTOM", null), SettingsRejection.INVALID, "is not one of");
    }

    @Test
    void suspendingAndResumingChangeTheStatusOnceAndRepeatingChangesNothing() {
        UUID account = UUID.randomUUID();
        create(account, "Acme Ltd", "ann@acme.example", "SUPER_ADMIN", null);
        Decision suspended = decide(account, new SuspendAccount("unpaid invoices", OPERATOR));
        assertThat(suspended.result().getVersion()).isEqualTo(2);
        assertThat(stored(account).getStatus()).isEqualTo(AccountStatus.SUSPENDED);
        assertThat(stored(account).getStatusReason()).isEqualTo("unpaid invoices");
        assertThat(((AuditEvent) suspended.outputs().get(1).value()).getAction()).isEqualTo("account.suspend");
        Decision again = decide(account, new SuspendAccount("other", OPERATOR));
        assertThat(again.result().getDetail()).isEqualTo(AccountDecisions.UNCHANGED);
        assertThat(again.outputs()).isEmpty();
        assertThat(stored(account).getStatusReason()).isEqualTo("unpaid invoices");

        Decision resumed = decide(account, new ResumeAccount(OPERATOR));
        assertThat(resumed.result().getVersion()).isEqualTo(3);
        assertThat(stored(account).getStatus()).isEqualTo(AccountStatus.ACTIVE);
        assertThat(stored(account).getStatusReason()).isNull();
        assertThat(decide(account, new ResumeAccount(OPERATOR)).result().getDetail()).isEqualTo(AccountDecisions.UNCHANGED);
    }

    @Test
    void commandsOnAnAccountTheRegistryDoesNotListAreRefusedAsNotFound() {
        UUID unknown = UUID.randomUUID();
        refused(decide(unknown, new SuspendAccount(null, OPERATOR)), SettingsRejection.NOT_FOUND, "not in the registry");
        refused(decide(unknown, new ResumeAccount(OPERATOR)), SettingsRejection.NOT_FOUND, "not in the registry");
        refused(decide(unknown, new RemoveAccountAdministrator("a@example.com", OPERATOR)), SettingsRejection.NOT_FOUND, "not in the registry");
    }

    @Test
    void administratorsAreAddedTheirRoleChangedAndRemovedButNeverTheLastOne() {
        UUID account = UUID.randomUUID();
        create(account, "Acme Ltd", "ann@acme.example", "SUPER_ADMIN", null);
        decide(account, new SetAccountAdministrator(new AccountAdministrator("bob@acme.example", "BASIC_ADMIN"), OPERATOR));
        decide(account, new SetAccountAdministrator(new AccountAdministrator("bob@acme.example", "FULL_ADMIN"), OPERATOR));
        assertThat(stored(account).getAdministrators()).containsExactly(new AccountAdministrator("ann@acme.example", "SUPER_ADMIN"),
                new AccountAdministrator("bob@acme.example", "FULL_ADMIN"));
        assertThat(stored(account).getVersion()).isEqualTo(3);
        assertThat(decide(account, new SetAccountAdministrator(new AccountAdministrator("bob@acme.example", "FULL_ADMIN"), OPERATOR))
                .result().getDetail()).isEqualTo(AccountDecisions.UNCHANGED);
        refused(decide(account, new RemoveAccountAdministrator("carol@acme.example", OPERATOR)), SettingsRejection.NOT_FOUND,
                "is not an administrator");
        assertThat(decide(account, new RemoveAccountAdministrator("ann@acme.example", OPERATOR)).result().getAccepted()).isTrue();
        refused(decide(account, new RemoveAccountAdministrator("bob@acme.example", OPERATOR)), SettingsRejection.CONFLICT,
                "last administrator");
        assertThat(stored(account).getAdministrators()).containsExactly(new AccountAdministrator("bob@acme.example", "FULL_ADMIN"));
    }

    @Test
    void anAccountListsAtMostAHundredAdministrators() {
        UUID account = UUID.randomUUID();
        create(account, "Big", "a0@big.example", "SUPER_ADMIN", null);
        for (int i = 1; i < AccountDecisions.MAX_ADMINISTRATORS; i++) {
            decide(account, new SetAccountAdministrator(new AccountAdministrator("a" + i + "@big.example", "BASIC_ADMIN"), OPERATOR));
        }
        Decision refused = decide(account, new SetAccountAdministrator(new AccountAdministrator("more@big.example", "BASIC_ADMIN"), OPERATOR));
        assertThat(refused.result().getRejection()).isEqualTo(SettingsRejection.QUOTA_EXCEEDED);
        assertThat(refused.result().getQuota().getQuota()).isEqualTo("administrators-per-account");
    }

    @Test
    void accountCommandsBelongToTheGlobalWriterOnly() {
        UUID account = UUID.randomUUID();
        Decision wrongWriter = stores.decide(command(account, new CreateAccount("Acme", null,
                new AccountAdministrator("ann@acme.example", "SUPER_ADMIN"), OPERATOR)), false, RULES);
        assertThat(wrongWriter.result().getAccepted()).isFalse();
        assertThat(stored(account)).isNull();
        assertThat(List.of(new SuspendAccount(null, OPERATOR), new ResumeAccount(OPERATOR)))
                .allMatch(CommandDecisions::isGlobal);
    }
}
