package dev.parapet.kit.accounts;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;

import org.springframework.http.server.PathContainer;

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

    private static final List<String> ACCOUNT_PATH = List.of("api", "v1", "accounts");

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

    /**
     * The account a path acts on, {@code /api/v1/accounts/{accountId}/…}; empty for any other path. The
     * segments are read as Spring's request mapping reads them (decoded, without {@code ;} parameters,
     * the id parsed by {@link UUID#fromString} as Spring's converter does), so that no spelling of a
     * path reaches an account's controller without being seen here; empty segments are skipped, which
     * can only make this see an account where the mapping would not.
     */
    static Optional<UUID> accountInPath(String path) {
        List<String> segments = PathContainer.parsePath(path).elements().stream()
                .filter(PathContainer.PathSegment.class::isInstance).map(PathContainer.PathSegment.class::cast)
                .map(PathContainer.PathSegment::valueToMatch).filter(segment -> !segment.isEmpty()).toList();
        if (segments.size() < 4 || !segments.subList(0, 3).equals(ACCOUNT_PATH)) {
            return Optional.empty();
        }
        try {
            return Optional.of(UUID.fromString(segments.get(3)));
        } catch (IllegalArgumentException notAUuid) {
            return Optional.empty();
        }
    }
}
