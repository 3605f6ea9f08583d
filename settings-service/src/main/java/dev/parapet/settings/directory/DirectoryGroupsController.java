package dev.parapet.settings.directory;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import dev.parapet.kit.problem.Problems;
import dev.parapet.kit.security.Admin;
import dev.parapet.kit.security.Permission;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The directory groups an account's users can belong to, listed from the identity provider that federates
 * its directory (Keycloak's admin API, read with a client that may only query groups), for administrators
 * with the {@code directory-groups:read} permission: the names profile groups refer to in
 * {@code directoryGroups}. An account without a connected directory gets 404.
 */
@RestController
@EnableConfigurationProperties(DirectoryGroupsController.Properties.class)
public class DirectoryGroupsController {

    /**
     * @param account      the account whose directory the identity provider federates
     * @param adminUrl     the realm's admin API, e.g. {@code https://id.example.com/admin/realms/parapet}
     * @param tokenUrl     its token endpoint
     * @param clientId     a confidential client whose service account may query groups
     * @param clientSecret its secret
     */
    @ConfigurationProperties("parapet.settings.directory")
    public record Properties(UUID account, URI adminUrl, URI tokenUrl, String clientId, String clientSecret) {

        boolean configured() {
            return account != null && adminUrl != null && tokenUrl != null && clientId != null && clientSecret != null;
        }
    }

    /** A directory group as administrators see it. */
    public record DirectoryGroup(String id, String name, String path) {
    }

    static final int MAX_GROUPS = 1_000;
    static final int MAX_BODY = 4 * 1024 * 1024;

    private record Token(String value, Instant expires) {
    }

    private final Properties properties;
    private final JsonMapper json;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private volatile Token token;

    public DirectoryGroupsController(Properties properties, JsonMapper json) {
        this.properties = properties;
        this.json = json;
    }

    @GetMapping("/api/v1/accounts/{accountId}/directory-groups")
    public Mono<List<DirectoryGroup>> list(@PathVariable UUID accountId, @AuthenticationPrincipal Admin admin) {
        admin.require(accountId, Permission.DIRECTORY_GROUPS_READ);
        if (!properties.configured() || !properties.account().equals(accountId)) {
            return Mono.error(Problems.notFound("No directory is connected to this account (docs/identity.md: bringing your own directory)."));
        }
        return Mono.fromCallable(this::groups).subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic());
    }

    private List<DirectoryGroup> groups() throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(properties.adminUrl()
                        + "/groups?briefRepresentation=true&max=" + MAX_GROUPS)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token()).header("Accept", "application/json").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200 || response.body().length() > MAX_BODY) {
            throw unavailable("the identity provider answered " + response.statusCode());
        }
        List<DirectoryGroup> groups = new ArrayList<>();
        JsonNode array = json.readTree(response.body());
        if (!array.isArray()) {
            throw unavailable("the identity provider's group list is not a list");
        }
        for (JsonNode group : array) {
            String name = group.path("name").asString("");
            if (!name.isEmpty()) {
                groups.add(new DirectoryGroup(group.path("id").asString(""), name, group.path("path").asString("/" + name)));
            }
        }
        groups.sort(Comparator.comparing(DirectoryGroup::name));
        return groups;
    }

    /** A client-credentials token, kept until half a minute before it expires. */
    private String token() throws IOException, InterruptedException {
        Token current = token;
        if (current != null && current.expires().isAfter(Instant.now().plusSeconds(30))) {
            return current.value();
        }
        String form = "grant_type=client_credentials&client_id=" + URLEncoder.encode(properties.clientId(), StandardCharsets.UTF_8)
                + "&client_secret=" + URLEncoder.encode(properties.clientSecret(), StandardCharsets.UTF_8);
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(properties.tokenUrl()).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw unavailable("the identity provider refused the directory reader (" + response.statusCode() + ")");
        }
        JsonNode answer = json.readTree(response.body());
        token = new Token(answer.path("access_token").asString(""), Instant.now().plusSeconds(answer.path("expires_in").asLong(60)));
        return token.value();
    }

    private static RuntimeException unavailable(String why) {
        return Problems.of(HttpStatus.BAD_GATEWAY, "Bad Gateway", "Directory groups cannot be listed now: " + why + ".");
    }
}
