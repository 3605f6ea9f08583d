package dev.parapet.kit.security;

import java.util.Set;
import java.util.UUID;

import dev.parapet.kit.problem.Problems;

/**
 * The administrator behind a request, as its token says.
 *
 * @param subject         who (the token's {@code sub})
 * @param accountId       the account the token is for
 * @param role            the role
 * @param permissions     the role's permissions, or a custom role's listed ones
 * @param managedAccounts further accounts a Partner Administrator manages
 * @param email           their email address as the token names it (to show people), or null
 */
public record Admin(String subject, UUID accountId, Role role, Set<Permission> permissions, Set<UUID> managedAccounts,
                    String email) {

    public Admin {
        permissions = Set.copyOf(permissions);
        managedAccounts = Set.copyOf(managedAccounts);
    }

    /** An administrator whose token names no email address. */
    public Admin(String subject, UUID accountId, Role role, Set<Permission> permissions, Set<UUID> managedAccounts) {
        this(subject, accountId, role, permissions, managedAccounts, null);
    }

    public boolean mayAccess(UUID account) {
        return accountId.equals(account) || (role == Role.PARTNER_ADMIN && managedAccounts.contains(account));
    }

    public boolean has(Permission permission) {
        return permissions.contains(permission);
    }

    /** Refuses (403) unless this administrator may act on the account with the permission. */
    public Admin require(UUID account, Permission permission) {
        requireAccount(account);
        if (!has(permission)) {
            throw Problems.forbidden("This action needs the permission '" + permission.claimValue() + "'.");
        }
        return this;
    }

    /** Refuses (403) unless this administrator may act on the account. */
    public Admin requireAccount(UUID account) {
        if (!mayAccess(account)) {
            throw Problems.forbidden("This token is not for account " + account + ".");
        }
        return this;
    }

    /** Refuses (403) unless this is a Super, Full or Partner Administrator of the account. */
    public Admin requirePrivileged(UUID account) {
        requireAccount(account);
        if (!role.privileged()) {
            throw Problems.forbidden("Only a Super, Full or Partner Administrator may do this; this token's role is "
                    + role + ".");
        }
        return this;
    }
}
