package dev.parapet.kit.security;

import java.util.Arrays;
import java.util.Optional;

/** The permissions a custom administrator role is built from (ARCHITECTURE.md, Identity). */
public enum Permission {
    GATEWAY_POLICIES_WRITE("gateway-policies:write"),
    WEB_SECURITY_WRITE("web-security:write"),
    WEB_SECURITY_READ("web-security:read"),
    PROFILE_GROUPS_READ("profile-groups:read"),
    DIRECTORY_GROUPS_READ("directory-groups:read");

    private final String claimValue;

    Permission(String claimValue) {
        this.claimValue = claimValue;
    }

    /** The spelling in a token's {@code permissions} claim. */
    public String claimValue() {
        return claimValue;
    }

    public static Optional<Permission> fromClaim(String value) {
        return Arrays.stream(values()).filter(p -> p.claimValue.equals(value)).findFirst();
    }
}
