package dev.parapet.kit.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.parapet.kit.security.Admin;
import dev.parapet.kit.security.Permission;
import dev.parapet.kit.security.Role;

class AccountSuspensionTest {

    static final UUID OWN = UUID.randomUUID();
    static final UUID CUSTOMER = UUID.randomUUID();
    static final UUID OTHER = UUID.randomUUID();

    static Admin admin(Role role, Set<UUID> managed) {
        return new Admin("ann@example.com", OWN, role, EnumSet.allOf(Permission.class), managed);
    }

    @Test
    void anAdministratorOfASuspendedAccountIsRefusedOnEveryPathEvenThoseOfAccountsTheyManage() {
        Admin partner = admin(Role.PARTNER_ADMIN, Set.of(CUSTOMER));
        assertThat(AccountSuspension.refusal(partner, "/api/v1/accounts/" + OWN + "/policies", Set.of(OWN)::contains))
                .hasValueSatisfying(why -> assertThat(why).contains(OWN.toString()).contains("suspended"));
        assertThat(AccountSuspension.refusal(partner, "/api/v1/accounts/" + CUSTOMER + "/policies", Set.of(OWN)::contains)).isPresent();
        assertThat(AccountSuspension.refusal(partner, "/api/v1/categories", Set.of(OWN)::contains)).isPresent();
    }

    @Test
    void aPartnerCannotActInASuspendedCustomerAccountButStillInItsOwnAndOtherCustomers() {
        Admin partner = admin(Role.PARTNER_ADMIN, Set.of(CUSTOMER, OTHER));
        assertThat(AccountSuspension.refusal(partner, "/api/v1/accounts/" + CUSTOMER + "/key", Set.of(CUSTOMER)::contains))
                .hasValueSatisfying(why -> assertThat(why).contains(CUSTOMER.toString()));
        assertThat(AccountSuspension.refusal(partner, "/api/v1/accounts/" + CUSTOMER, Set.of(CUSTOMER)::contains)).isPresent();
        assertThat(AccountSuspension.refusal(partner, "/api/v1/accounts/" + OTHER + "/key", Set.of(CUSTOMER)::contains)).isEmpty();
        assertThat(AccountSuspension.refusal(partner, "/api/v1/accounts/" + OWN + "/managed-accounts", Set.of(CUSTOMER)::contains)).isEmpty();
    }

    @Test
    void accountsTheRegistryDoesNotListAreNeverSuspended() {
        assertThat(AccountSuspension.refusal(admin(Role.SUPER_ADMIN, Set.of()), "/api/v1/accounts/" + OWN + "/policies",
                account -> false)).isEmpty();
    }

    @Test
    void theOperatorsPathsNameNoAccountSoASuspendedOneCanBeResumed() {
        Admin operator = admin(Role.SUPER_ADMIN, Set.of());
        assertThat(AccountSuspension.refusal(operator, "/api/v1/operator/accounts/" + CUSTOMER + "/resume", Set.of(CUSTOMER)::contains))
                .isEmpty();
    }

    @Test
    void onlyAnAccountIdRightAfterAccountsIsTheAccountOfAPath() {
        assertThat(AccountSuspension.accountInPath("/api/v1/accounts/" + CUSTOMER)).contains(CUSTOMER);
        assertThat(AccountSuspension.accountInPath("/api/v1/accounts/" + CUSTOMER + "/diagnostics/live")).contains(CUSTOMER);
        assertThat(AccountSuspension.accountInPath("/api/v1/accounts/" + CUSTOMER.toString().toUpperCase())).contains(CUSTOMER);
        assertThat(AccountSuspension.accountInPath("/api/v1/accounts/" + CUSTOMER + "x/policies")).isEmpty();
        assertThat(AccountSuspension.accountInPath("/api/v1/accounts/not-a-uuid-not-a-uuid-not-a-uuid-12345")).isEmpty();
        assertThat(AccountSuspension.accountInPath("/api/v1/operator/accounts/" + CUSTOMER)).isEmpty();
        assertThat(AccountSuspension.accountInPath("/api/v2/accounts/" + CUSTOMER)).isEmpty();
    }

    @Test
    void everySpellingOfAnAccountsPathThatReachesItsControllerNamesTheAccount() {
        String id = CUSTOMER.toString();
        assertThat(AccountSuspension.accountInPath("/api/v1/accounts/" + id + ";jsessionid=x/policies")).contains(CUSTOMER);
        assertThat(AccountSuspension.accountInPath("/api/v1/accounts/" + id.replace("-", "%2D") + "/policies")).contains(CUSTOMER);
        assertThat(AccountSuspension.accountInPath("/api/v1/%61ccounts/" + id + "/policies")).contains(CUSTOMER);
        assertThat(AccountSuspension.accountInPath("//api/v1//accounts/" + id + "/")).contains(CUSTOMER);
        assertThat(AccountSuspension.accountInPath("/api/v1/accounts/0-0-0-0-1/policies"))
                .contains(UUID.fromString("00000000-0000-0000-0000-000000000001"));
        Admin partner = admin(Role.PARTNER_ADMIN, Set.of(CUSTOMER));
        assertThat(AccountSuspension.refusal(partner, "/api/v1/accounts/" + id + ";a=b/key", Set.of(CUSTOMER)::contains)).isPresent();
    }
}
