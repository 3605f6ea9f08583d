package dev.parapet.kit.accounts;

import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.parapet.kit.security.Admin;

/**
 * Whether an administrator's request is refused because an account is suspended: the token's own
 * account (its administrators are refused everywhere, even on accounts they manage as a partner), or
 * the account the request acts on ({@code /api/v1/accounts/{accountId}/…}: a partner cannot act in a
 * suspended customer account either). Accounts the registry does not list are never suspended, so
 * tokens of accounts made before the registry keep working. The operator's own paths
 * ({@code /api/v1/operator/…}) name no account here: the operator must be able to resume one.
 */
public final class AccountSuspension {

    private static final Pattern ACCOUNT_PATH = Pattern.compile("^/api/v1/accounts/([0-9a-fA-F-]{36})(?:/.*)?$");

    private AccountSuspension() {
    }

    /** Why the request is refused, or empty if no account it involves is suspended. */
    public static Optional<String> refusal(Admin admin, String path, Predicate<UUID> suspended) {
        if (suspended.test(admin.accountId())) {
            return Optional.of("Account " + admin.accountId() + " is suspended: its administrators' tokens are refused "
                    + "until the platform operator resumes it.");
        }
        return accountInPath(path).filter(account -> !account.equals(admin.accountId())).filter(suspended)
                .map(account -> "Account " + account + " is suspended: nobody may act in it until the platform operator resumes it.");
    }

    /** The account a path acts on, {@code /api/v1/accounts/{accountId}/…}; empty for any other path. */
    static Optional<UUID> accountInPath(String path) {
        Matcher matcher = ACCOUNT_PATH.matcher(path);
        if (!matcher.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(UUID.fromString(matcher.group(1)));
        } catch (IllegalArgumentException notAUuid) {
            return Optional.empty();
        }
    }
}
