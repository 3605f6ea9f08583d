package dev.parapet.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class SignInDecisionsTest {

    static final UUID ACCOUNT = UUID.randomUUID();
    static final UUID CUSTOMER = UUID.randomUUID();

    static Map<String, Object> account(UUID id, String status, String email, String role) {
        return Map.of("accountId", id.toString(), "status", status,
                "administrators", List.of(Map.of("email", "someone@else.example", "role", "SUPER_ADMIN"), Map.of("email", email, "role", role)));
    }

    @Test
    void anAdministratorOfAnActiveAccountIsSignedInWithTheRoleTheRegistryLists() {
        SignInDecisions.Outcome outcome = SignInDecisions.decide("ann@acme.example",
                List.of(account(ACCOUNT, "ACTIVE", "ann@acme.example", "FULL_ADMIN")), partner -> List.of());
        assertThat(outcome.grant()).contains(new SignInDecisions.Grant("ann@acme.example", ACCOUNT, "FULL_ADMIN", List.of()));
        assertThat(outcome.refusal()).isEmpty();
    }

    @Test
    void anAddressTheRegistryDoesNotListOrOfASuspendedAccountIsRefused() {
        assertThat(SignInDecisions.decide("eve@evil.example", List.of(), partner -> List.of()).refusal())
                .hasValueSatisfying(refusal -> {
                    assertThat(refusal.error()).isEqualTo("invalid_grant");
                    assertThat(refusal.description()).contains("not an administrator");
                });
        assertThat(SignInDecisions.decide("ann@acme.example", List.of(account(ACCOUNT, "SUSPENDED", "ann@acme.example", "SUPER_ADMIN")),
                partner -> List.of()).refusal()).hasValueSatisfying(refusal -> assertThat(refusal.description()).contains("suspended"));
        assertThat(SignInDecisions.decide("ann@acme.example", List.of(account(ACCOUNT, "ACTIVE", "bob@acme.example", "SUPER_ADMIN")),
                partner -> List.of()).refusal()).isPresent();
    }

    @Test
    void aPartnerAdministratorsTokenNamesTheAccountsTheirAccountManagesAndOnlyTheirs() {
        SignInDecisions.Outcome partner = SignInDecisions.decide("pat@reseller.example",
                List.of(account(ACCOUNT, "ACTIVE", "pat@reseller.example", "PARTNER_ADMIN")),
                id -> id.equals(ACCOUNT) ? List.of(Map.of("accountId", CUSTOMER.toString())) : List.of());
        assertThat(partner.grant().orElseThrow().managedAccounts()).containsExactly(CUSTOMER);
        SignInDecisions.Outcome superAdmin = SignInDecisions.decide("ann@acme.example",
                List.of(account(ACCOUNT, "ACTIVE", "ann@acme.example", "SUPER_ADMIN")),
                id -> List.of(Map.of("accountId", CUSTOMER.toString())));
        assertThat(superAdmin.grant().orElseThrow().managedAccounts()).isEmpty();
    }

    @Test
    void anAddressIsComparedAsTheRegistryKeepsIt() {
        assertThat(SignInDecisions.address("  Ann@Acme.Example ")).contains("ann@acme.example");
        assertThat(SignInDecisions.address("not an address")).isEmpty();
        assertThat(SignInDecisions.address(null)).isEmpty();
        assertThat(SignInDecisions.address("a@" + "b".repeat(260))).isEmpty();
    }
}
