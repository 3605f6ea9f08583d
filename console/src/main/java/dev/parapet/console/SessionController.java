package dev.parapet.console;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.annotation.RegisteredOAuth2AuthorizedClient;
import org.springframework.security.oauth2.core.oidc.user.OidcUser;
import org.springframework.security.web.server.csrf.CsrfToken;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the pages need to know about the signed-in administrator: who they are, the account they act in, their role
 * and permissions (to shape what is offered; the services decide what is allowed), and the session's CSRF token,
 * which every state-changing call must send back in {@code X-CSRF-TOKEN}. Never a token of the provider's.
 */
@RestController
public class SessionController {

    private final JsonMapper json;

    public SessionController(JsonMapper json) {
        this.json = json;
    }

    @GetMapping("/console/session")
    public Mono<Map<String, Object>> session(@AuthenticationPrincipal OidcUser user,
                                             @RegisteredOAuth2AuthorizedClient(ConsoleSecurity.REGISTRATION) OAuth2AuthorizedClient client,
                                             ServerWebExchange exchange) {
        Mono<CsrfToken> csrf = exchange.getAttributeOrDefault(CsrfToken.class.getName(), Mono.empty());
        JsonNode claims = claims(client.getAccessToken().getTokenValue());
        return csrf.map(token -> {
            Map<String, Object> session = new LinkedHashMap<>();
            session.put("name", user.getFullName() != null ? user.getFullName() : user.getPreferredUsername());
            session.put("email", user.getEmail());
            session.put("account", text(claims, "account"));
            session.put("role", text(claims, "role"));
            session.put("permissions", list(claims, "permissions"));
            session.put("managedAccounts", list(claims, "managed_accounts"));
            session.put("csrfHeader", token.getHeaderName());
            session.put("csrfToken", token.getToken());
            return session;
        });
    }

    /**
     * The access token's claims, as the provider issued them to this server over TLS (the services verify it); none for a
     * token that is not a JWT (an opaque token: the pages then show no role, and the services still decide).
     */
    JsonNode claims(String accessToken) {
        String[] parts = accessToken.split("\\.");
        if (parts.length != 3) {
            return json.createObjectNode();
        }
        try {
            return json.readTree(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException | tools.jackson.core.JacksonException e) {
            return json.createObjectNode();
        }
    }

    private static String text(JsonNode claims, String name) {
        JsonNode value = claims.get(name);
        return value == null || value.isNull() ? null : value.asString();
    }

    private static List<String> list(JsonNode claims, String name) {
        JsonNode value = claims.get(name);
        if (value == null || value.isNull()) {
            return List.of();
        }
        if (!value.isArray()) {
            return List.of(value.asString());
        }
        return value.valueStream().map(JsonNode::asString).toList();
    }
}
