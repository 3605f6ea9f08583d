package dev.parapet.kit;

import java.util.Map;
import java.util.UUID;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import dev.parapet.kit.security.Admin;
import dev.parapet.kit.security.Permission;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotBlank;

/** A service made of the kit alone, with one account-scoped resource, to test what the kit gives. */
@SpringBootApplication
public class KitTestApplication {

    /** Agents' paths authenticate their callers themselves, as dns-service's DoH does. */
    @org.springframework.context.annotation.Bean
    @org.springframework.core.annotation.Order(org.springframework.core.Ordered.HIGHEST_PRECEDENCE)
    org.springframework.security.web.server.SecurityWebFilterChain agentPaths(
            org.springframework.security.config.web.server.ServerHttpSecurity http) {
        return dev.parapet.kit.security.AdminSecurityConfiguration.selfAuthenticated(http, "/dns-query/**");
    }

    public record Widget(@NotBlank String name, @Max(10) int size) {
    }

    @RestController
    @Validated
    static class WidgetController {

        @GetMapping("/api/v1/accounts/{accountId}/widgets")
        Map<String, Object> list(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin) {
            admin.require(accountId, Permission.WEB_SECURITY_READ);
            return Map.of("accountId", accountId, "widgets", java.util.List.of());
        }

        @PostMapping("/api/v1/accounts/{accountId}/widgets")
        Widget create(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin, @Valid @RequestBody Widget widget) {
            admin.require(accountId, Permission.WEB_SECURITY_WRITE);
            return widget;
        }

        /** Fails unexpectedly, with an agent credential in its path as DoH's {@code /dns-query/<credential>} has. */
        @GetMapping("/dns-query/{credential}")
        Map<String, Object> failing(@PathVariable String credential) {
            throw new IllegalStateException("a failure nobody expected");
        }

        @DeleteMapping("/api/v1/accounts/{accountId}/widgets")
        Map<String, Object> deleteAll(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin) {
            admin.requirePrivileged(accountId);
            return Map.of("deleted", true);
        }
    }
}
