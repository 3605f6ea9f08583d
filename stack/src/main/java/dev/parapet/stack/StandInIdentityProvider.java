package dev.parapet.stack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;

import com.nimbusds.jose.util.JSONArrayUtils;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The local stack's stand-in for an identity provider's sign-in (Keycloak replaces it): an OAuth 2.0
 * token endpoint on loopback, {@code POST /token} with {@code grant_type=password&username=<email>},
 * that issues a token only for an address the account registry lists as an administrator of an
 * active account, with the role it lists there ({@link SignInDecisions}). It reads the registry
 * through settings-service's operator API with a short operator token of its own.
 *
 * <p>Administrators have no passwords here: the client authenticates instead (HTTP Basic, client
 * {@value #CLIENT_ID}, the secret in {@code <data>/sign-in-secret}, readable by its owner only), so
 * that signing in needs what reading the printed Super Administrator token needs.
 */
public final class StandInIdentityProvider implements AutoCloseable {

    public static final String CLIENT_ID = "parapet-local";

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final int MAX_BODY = 4096;

    private final HttpServer server;
    private final TokenIssuer tokens;
    private final URI settingsService;
    private final UUID operatorAccount;
    private final Duration lifetime;
    private final byte[] clientSecret;

    private StandInIdentityProvider(HttpServer server, TokenIssuer tokens, URI settingsService, UUID operatorAccount,
                                    Duration lifetime, String clientSecret) {
        this.server = server;
        this.tokens = tokens;
        this.settingsService = settingsService;
        this.operatorAccount = operatorAccount;
        this.lifetime = lifetime;
        this.clientSecret = clientSecret.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Serves {@code POST /token} on 127.0.0.1 (port 0: any free port).
     *
     * @param settingsService settings-service's base URL, whose operator API lists the registry
     * @param operatorAccount the platform operator's account, whose Super Administrator the stand-in reads as
     * @param clientSecret    what the client must send as its Basic password ({@link #clientSecret(Path)})
     */
    public static StandInIdentityProvider start(int port, TokenIssuer tokens, URI settingsService, UUID operatorAccount,
                                                Duration lifetime, String clientSecret) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        StandInIdentityProvider provider = new StandInIdentityProvider(server, tokens, settingsService, operatorAccount, lifetime,
                clientSecret);
        server.createContext("/token", provider::token);
        server.setExecutor(Executors.newFixedThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "stand-in-identity-provider");
            thread.setDaemon(true);
            return thread;
        }));
        server.start();
        return provider;
    }

    /** The client secret kept in the file (made once, mode 0600). */
    public static String clientSecret(Path file) throws IOException {
        if (!Files.exists(file)) {
            byte[] random = new byte[24];
            new SecureRandom().nextBytes(random);
            ServiceProcesses.writePrivate(file, Base64.getUrlEncoder().withoutPadding().encodeToString(random) + "\n");
        }
        return Files.readString(file, StandardCharsets.US_ASCII).strip();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Signs the address in, as the endpoint does; for the stack itself (its printed tokens) and tests. */
    public SignInDecisions.Outcome signIn(String username) throws IOException, InterruptedException {
        var email = SignInDecisions.address(username);
        if (email.isEmpty()) {
            return new SignInDecisions.Outcome(java.util.Optional.empty(), java.util.Optional.of(
                    new SignInDecisions.Refusal("invalid_request", "username must be an administrator's email address")));
        }
        List<Object> listing = registry("administrator=" + URLEncoder.encode(email.get(), StandardCharsets.UTF_8));
        return SignInDecisions.decide(email.get(), listing, account -> {
            try {
                return registry("partner=" + account);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
    }

    /** The token for a grant. */
    public String token(SignInDecisions.Grant grant) {
        JWTClaimsSet claims = tokens.claims(grant.subject(), grant.accountId(), grant.role(), List.of(), lifetime)
                .claim("managed_accounts", grant.managedAccounts().stream().map(UUID::toString).toList()).build();
        return tokens.sign(claims);
    }

    private List<Object> registry(String query) throws IOException, InterruptedException {
        String operator = tokens.adminToken("stand-in-identity-provider@parapet.local", operatorAccount, "SUPER_ADMIN",
                Duration.ofMinutes(1));
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(settingsService.resolve("/api/v1/operator/accounts?" + query))
                .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + operator).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("the account registry answered " + response.statusCode() + ": " + response.body());
        }
        try {
            return JSONArrayUtils.parse(response.body());
        } catch (ParseException e) {
            throw new IOException("the account registry's answer is not a JSON array", e);
        }
    }

    private void token(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("POST")) {
                exchange.getResponseHeaders().set("Allow", "POST");
                answer(exchange, 405, error("invalid_request", "POST a form: grant_type=password&username=<email>"));
            } else if (!clientAuthenticated(exchange.getRequestHeaders().getFirst("Authorization"))) {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"parapet-local\"");
                answer(exchange, 401, error("invalid_client", "authenticate as client " + CLIENT_ID
                        + " with HTTP Basic and the secret in the data directory's sign-in-secret"));
            } else {
                Map<String, String> form = form(exchange.getRequestBody());
                if (form == null) {
                    answer(exchange, 400, error("invalid_request", "the form is larger than " + MAX_BODY + " bytes"));
                } else if (!"password".equals(form.get("grant_type"))) {
                    answer(exchange, 400, error("unsupported_grant_type", "only grant_type=password is served here"));
                } else {
                    answer(exchange, tokenResponse(form.get("username")));
                }
            }
        }
    }

    /** The status and body for a sign-in: the token, an OAuth refusal, or 503 when the registry cannot be read. */
    private Map.Entry<Integer, String> tokenResponse(String username) {
        SignInDecisions.Outcome outcome;
        try {
            outcome = signIn(username);
        } catch (IOException | RuntimeException e) {
            return Map.entry(503, error("temporarily_unavailable", "the account registry could not be read: " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Map.entry(503, error("temporarily_unavailable", "interrupted"));
        }
        if (outcome.refusal().isPresent()) {
            return Map.entry(400, error(outcome.refusal().get().error(), outcome.refusal().get().description()));
        }
        SignInDecisions.Grant grant = outcome.grant().orElseThrow();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("access_token", token(grant));
        body.put("token_type", "Bearer");
        body.put("expires_in", lifetime.toSeconds());
        body.put("account", grant.accountId().toString());
        body.put("role", grant.role());
        return Map.entry(200, JSONObjectUtils.toJSONString(body));
    }

    private boolean clientAuthenticated(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        String credentials;
        try {
            credentials = new String(Base64.getDecoder().decode(authorization.substring(6).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        int colon = credentials.indexOf(':');
        return colon > 0 && credentials.substring(0, colon).equals(CLIENT_ID)
                && MessageDigest.isEqual(credentials.substring(colon + 1).getBytes(StandardCharsets.US_ASCII), clientSecret);
    }

    /** The form's fields, or null if it is larger than {@link #MAX_BODY}. */
    private static Map<String, String> form(InputStream in) throws IOException {
        byte[] body = in.readNBytes(MAX_BODY + 1);
        if (body.length > MAX_BODY) {
            return null;
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (String pair : new String(body, StandardCharsets.UTF_8).split("&")) {
            int equals = pair.indexOf('=');
            if (equals > 0) {
                try {
                    fields.putIfAbsent(URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
                } catch (IllegalArgumentException malformed) {
                    // a field that is not URL-encoded is left out
                }
            }
        }
        return fields;
    }

    private static String error(String error, String description) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("error_description", description);
        return JSONObjectUtils.toJSONString(body);
    }

    private static void answer(HttpExchange exchange, Map.Entry<Integer, String> response) throws IOException {
        answer(exchange, response.getKey(), response.getValue());
    }

    private static void answer(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
