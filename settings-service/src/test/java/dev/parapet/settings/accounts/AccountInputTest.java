package dev.parapet.settings.accounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.web.ErrorResponseException;

import dev.parapet.schemas.v1.accounts.AccountAdministrator;
import dev.parapet.schemas.v1.accounts.AccountStatus;
import dev.parapet.settings.accounts.AccountController.AccountCreate;
import dev.parapet.settings.accounts.AccountController.AdministratorView;

class AccountInputTest {

    @Test
    void aCreationIsNormalisedAndGetsAnIdWhenItNamesNone() {
        AccountInput.NewAccount account = AccountInput.newAccount(new AccountCreate(null, "  Acme Ltd ",
                new AdministratorView(" Ann@Acme.Example ", "super_admin"), null));
        assertThat(account.accountId()).isNotNull();
        assertThat(account.name()).isEqualTo("Acme Ltd");
        assertThat(account.administrator()).isEqualTo(new AccountAdministrator("ann@acme.example", "SUPER_ADMIN"));
        UUID chosen = UUID.randomUUID();
        assertThat(AccountInput.newAccount(new AccountCreate(chosen, "Acme", new AdministratorView("a@acme.example", "FULL_ADMIN"), null))
                .accountId()).isEqualTo(chosen);
    }

    @Test
    void everyBadFieldIsNamed() {
        assertThatThrownBy(() -> AccountInput.newAccount(new AccountCreate(null, "x".repeat(101),
                new AdministratorView("not an address", "CUSTOM"), null)))
                .isInstanceOfSatisfying(ErrorResponseException.class, problem -> {
                    assertThat(problem.getStatusCode().value()).isEqualTo(400);
                    assertThat(problem.getBody().getProperties().get("errors").toString())
                            .contains("field=name").contains("field=administrator.email").contains("field=administrator.role");
                });
        assertThatThrownBy(() -> AccountInput.newAccount(new AccountCreate(null, "Acme", null, null)))
                .isInstanceOfSatisfying(ErrorResponseException.class, problem -> assertThat(problem.getBody().getDetail())
                        .startsWith("administrator: is required"));
        assertThatThrownBy(() -> AccountInput.newAccount(new AccountCreate(null, "Acme\u0007", new AdministratorView("a@b.example", "BASIC_ADMIN"),
                null))).isInstanceOf(ErrorResponseException.class);
        assertThatThrownBy(() -> AccountInput.newAccount(null)).isInstanceOf(ErrorResponseException.class);
        UUID same = UUID.randomUUID();
        assertThatThrownBy(() -> AccountInput.newAccount(new AccountCreate(same, "Acme", new AdministratorView("a@b.example", "BASIC_ADMIN"),
                same))).isInstanceOfSatisfying(ErrorResponseException.class, problem -> assertThat(problem.getBody().getDetail())
                        .contains("its own partner"));
    }

    @Test
    void aReasonIsOptionalShortAndPrintable() {
        assertThat(AccountInput.reason(null)).isNull();
        assertThat(AccountInput.reason("  ")).isNull();
        assertThat(AccountInput.reason(" unpaid ")).isEqualTo("unpaid");
        assertThatThrownBy(() -> AccountInput.reason("x".repeat(501))).isInstanceOf(ErrorResponseException.class);
        assertThatThrownBy(() -> AccountInput.reason("a\nb")).isInstanceOf(ErrorResponseException.class);
    }

    @Test
    void theStatusFilterIsAllActiveOrSuspended() {
        assertThat(AccountInput.status(null)).isEmpty();
        assertThat(AccountInput.status("ALL")).isEmpty();
        assertThat(AccountInput.status("suspended")).contains(AccountStatus.SUSPENDED);
        assertThat(AccountInput.status("active")).contains(AccountStatus.ACTIVE);
        assertThatThrownBy(() -> AccountInput.status("closed")).isInstanceOf(ErrorResponseException.class);
    }
}
