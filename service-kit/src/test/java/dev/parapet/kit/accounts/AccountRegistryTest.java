package dev.parapet.kit.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.parapet.schemas.v1.accounts.Account;
import dev.parapet.schemas.v1.accounts.AccountAdministrator;
import dev.parapet.schemas.v1.accounts.AccountStatus;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

class AccountRegistryTest {

    static Account account(UUID id, String name, AccountStatus status) {
        return Account.newBuilder().setAccountId(id).setName(name).setStatus(status)
                .setAdministrators(List.of(new AccountAdministrator("ann@example.com", "SUPER_ADMIN"))).setVersion(1)
                .setCreatedAt(Instant.EPOCH).setCreatedBy("operator").setUpdatedAt(Instant.EPOCH).setUpdatedBy("operator").build();
    }

    final AccountRegistry registry = new AccountRegistry(Map.of(), "http://127.0.0.1:1", new SimpleMeterRegistry());

    @Test
    void theLatestRecordOfAnAccountIsItsStateAndATombstoneRemovesIt() {
        UUID id = UUID.randomUUID();
        registry.apply(id.toString(), account(id, "Acme", AccountStatus.ACTIVE));
        assertThat(registry.isSuspended(id)).isFalse();
        registry.apply(id.toString(), account(id, "Acme", AccountStatus.SUSPENDED));
        assertThat(registry.isSuspended(id)).isTrue();
        assertThat(registry.version(id)).isEqualTo(1);
        registry.apply(id.toString(), null);
        assertThat(registry.get(id)).isEmpty();
        assertThat(registry.isSuspended(id)).isFalse();
        assertThat(registry.version(id)).isZero();
    }

    @Test
    void aTombstoneWhoseKeyIsNotAnAccountIdChangesNothing() {
        UUID id = UUID.randomUUID();
        registry.apply(id.toString(), account(id, "Acme", AccountStatus.SUSPENDED));
        registry.apply("not-an-account", null);
        assertThat(registry.isSuspended(id)).isTrue();
    }

    @Test
    void accountsAreListedByNameWhateverTheirCase() {
        registry.apply("b", account(UUID.randomUUID(), "beta", AccountStatus.ACTIVE));
        registry.apply("a", account(UUID.randomUUID(), "Alpha", AccountStatus.ACTIVE));
        registry.apply("c", account(UUID.randomUUID(), "Gamma", AccountStatus.SUSPENDED));
        assertThat(registry.all()).extracting(Account::getName).containsExactly("Alpha", "beta", "Gamma");
    }
}
