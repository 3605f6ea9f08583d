package dev.parapet.kit.security;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * Administrator roles. Every built-in role administers web security (Basic Administrator or higher);
 * only Super, Full and Partner Administrators may do what ends an account's installations, such as
 * deleting the agent key. A custom role has exactly the permissions its token lists.
 */
public enum Role {
    SUPER_ADMIN(true), FULL_ADMIN(true), PARTNER_ADMIN(true), BASIC_ADMIN(false), CUSTOM(false);

    private final boolean privileged;

    Role(boolean privileged) {
        this.privileged = privileged;
    }

    /** Super, Full or Partner Administrator. */
    public boolean privileged() {
        return privileged;
    }

    public Set<Permission> impliedPermissions() {
        return this == CUSTOM ? EnumSet.noneOf(Permission.class) : EnumSet.allOf(Permission.class);
    }

    public static Optional<Role> fromClaim(String value) {
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(valueOf(value));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
