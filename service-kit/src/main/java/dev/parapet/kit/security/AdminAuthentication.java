package dev.parapet.kit.security;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.jwt.Jwt;

/** An authenticated administrator; {@link #getPrincipal()} is the {@link Admin}. */
public final class AdminAuthentication extends AbstractAuthenticationToken {

    private final Admin admin;
    private final Jwt token;

    public AdminAuthentication(Admin admin, Jwt token) {
        super(authorities(admin));
        this.admin = admin;
        this.token = token;
        setAuthenticated(true);
    }

    private static Collection<? extends GrantedAuthority> authorities(Admin admin) {
        List<GrantedAuthority> authorities = new ArrayList<>();
        authorities.add(new SimpleGrantedAuthority("ROLE_" + admin.role().name()));
        admin.permissions().forEach(p -> authorities.add(new SimpleGrantedAuthority("PERMISSION_" + p.claimValue())));
        return authorities;
    }

    @Override
    public Object getCredentials() {
        return token;
    }

    @Override
    public Admin getPrincipal() {
        return admin;
    }

    @Override
    public String getName() {
        return admin.subject();
    }
}
