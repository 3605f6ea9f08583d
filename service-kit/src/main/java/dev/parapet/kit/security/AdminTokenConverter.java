package dev.parapet.kit.security;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.springframework.core.convert.converter.Converter;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.jwt.Jwt;

import reactor.core.publisher.Mono;

/**
 * Reads an administrator from a validated token: {@code account} (UUID), {@code role} (one of
 * {@link Role}), {@code permissions} (for custom roles) and {@code managed_accounts} (Partner
 * Administrators). A token without a usable account or role is refused, not guessed at.
 */
public final class AdminTokenConverter implements Converter<Jwt, Mono<AbstractAuthenticationToken>> {

    @Override
    public Mono<AbstractAuthenticationToken> convert(Jwt jwt) {
        return Mono.fromCallable(() -> new AdminAuthentication(admin(jwt), jwt));
    }

    static Admin admin(Jwt jwt) {
        UUID account = uuid(jwt.getClaimAsString("account"), "account");
        Role role = Role.fromClaim(jwt.getClaimAsString("role"))
                .orElseThrow(() -> invalid("the token has no known 'role' claim"));
        Set<Permission> permissions = EnumSet.noneOf(Permission.class);
        permissions.addAll(role.impliedPermissions());
        List<String> listed = jwt.hasClaim("permissions") ? jwt.getClaimAsStringList("permissions") : List.of();
        if (role == Role.CUSTOM) {
            listed.forEach(value -> Permission.fromClaim(value).ifPresent(permissions::add));
        }
        Set<UUID> managed = new HashSet<>();
        if (jwt.hasClaim("managed_accounts")) {
            jwt.getClaimAsStringList("managed_accounts").forEach(value -> managed.add(uuid(value, "managed_accounts")));
        }
        String subject = jwt.getSubject();
        if (subject == null || subject.isBlank()) {
            throw invalid("the token has no subject");
        }
        return new Admin(subject, account, role, permissions, managed, email(jwt.getClaimAsString("email")));
    }

    /** The token's email claim when it is one (for people to read; never an identity), else null. */
    static String email(String claim) {
        if (claim == null || claim.isBlank() || claim.length() > 254 || claim.indexOf('@') < 1
                || claim.chars().anyMatch(c -> Character.isISOControl(c) || Character.isWhitespace(c))) {
            return null;
        }
        return claim.toLowerCase(java.util.Locale.ROOT);
    }

    private static UUID uuid(String value, String claim) {
        if (value == null) {
            throw invalid("the token has no '" + claim + "' claim");
        }
        try {
            return UUID.fromString(value);
        } catch (IllegalArgumentException e) {
            throw invalid("the token's '" + claim + "' claim is not a UUID");
        }
    }

    private static OAuth2AuthenticationException invalid(String description) {
        return new OAuth2AuthenticationException(new OAuth2Error("invalid_token", description, null), description);
    }
}
