package dev.parapet.kit.accounts;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.specific.SpecificRecord;
import org.springframework.boot.health.contributor.Health;

import dev.parapet.kit.state.FollowedState;
import dev.parapet.kit.state.TopicFollower;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.accounts.Account;
import dev.parapet.schemas.v1.accounts.AccountStatus;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The account registry as this instance has read it from {@code parapet.accounts.v1}: every account,
 * its status, its partner and its administrators. Every service follows it so that a suspended
 * account's administrators are refused everywhere ({@link AccountSuspensionFilter}); settings-service,
 * which writes it, also answers the operator's reads from it.
 */
public class AccountRegistry extends FollowedState {

    private final Map<UUID, Account> accounts = new ConcurrentHashMap<>();
    private final TopicFollower follower;

    public AccountRegistry(Map<String, Object> consumerConfig, String registryUrl, MeterRegistry meters) {
        this.follower = new TopicFollower("account-registry", consumerConfig, registryUrl, meters, List.of(
                new TopicFollower.Subscription(Topics.ACCOUNTS.name(), true, this::apply)));
    }

    /** One record of the topic: an account's latest state, or a tombstone that removes it. */
    void apply(String key, SpecificRecord value) {
        if (value instanceof Account account) {
            accounts.put(account.getAccountId(), account);
        } else if (value == null && key != null) {
            try {
                accounts.remove(UUID.fromString(key));
            } catch (IllegalArgumentException notAnAccountId) {
                // a key that is not an account id names nothing held here
            }
        }
    }

    /** The account, if the registry lists it. */
    public Optional<Account> get(UUID accountId) {
        return Optional.ofNullable(accounts.get(accountId));
    }

    /** Whether the registry lists the account as SUSPENDED; an account it does not list is not. */
    public boolean isSuspended(UUID accountId) {
        Account account = accounts.get(accountId);
        return account != null && account.getStatus() == AccountStatus.SUSPENDED;
    }

    /** Every account, by name. */
    public List<Account> all() {
        return accounts.values().stream().sorted(Comparator.comparing((Account account) -> account.getName().toLowerCase(java.util.Locale.ROOT))
                .thenComparing(account -> account.getAccountId().toString())).toList();
    }

    /** The account's version, 0 if the registry does not list it (for read-your-writes waits). */
    public long version(UUID accountId) {
        Account account = accounts.get(accountId);
        return account == null ? 0 : account.getVersion();
    }

    @Override
    public TopicFollower follower() {
        return follower;
    }

    @Override
    protected void describe(Health.Builder builder) {
        builder.withDetail("accounts", accounts.size())
                .withDetail("suspended", accounts.values().stream().filter(a -> a.getStatus() == AccountStatus.SUSPENDED).count());
    }
}
