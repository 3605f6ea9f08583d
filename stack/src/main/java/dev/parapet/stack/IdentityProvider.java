package dev.parapet.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parapet's identity provider: Keycloak's server distribution (from Maven Central, unpacked by
 * stack-dist) on loopback over plain HTTP, with Parapet's realm provisioned from the checked-in
 * description {@code deploy/identity/parapet-realm.json} through Keycloak's admin API the first time
 * (clients, the administrators' claims, the demo organisation's administrators, and the demo
 * directory federated over LDAP). Its state (an H2 database, its build, the bootstrap administrator's
 * and the realm's secrets) lives in its own directory, so one unpacked Keycloak serves every instance.
 */
public final class IdentityProvider implements AutoCloseable {

    public static final String REALM = "parapet";
    /** The audience of administrators' tokens (what services require) and of users' tokens (what dns-service requires). */
    public static final String ADMIN_AUDIENCE = "parapet-api";
    public static final String USER_AUDIENCE = "parapet-dns";
    /** The demo organisation's administrators, local to the identity provider (their roles are their claims). */
    public static final List<String> DEMO_ADMINISTRATORS = List.of("admin@demo.parapet.local", "basic@demo.parapet.local",
            "custom@demo.parapet.local");

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z_]+)}");

    private final ManagedProcess process;
    private final int port;
    private final Path directory;

    private IdentityProvider(ManagedProcess process, int port, Path directory) {
        this.process = process;
        this.port = port;
        this.directory = directory;
    }

    /**
     * Starts Keycloak on 127.0.0.1:{@code port} (management, health, on {@code managementPort}) with its state
     * in {@code directory}, and provisions Parapet's realm unless it exists.
     *
     * @param demoAccount the account the demo organisation's administrators and directory users belong to
     * @param managedAccount the account the demo's Partner Administrator (partner@demo.parapet.local) also manages
     * @param directoryServer the directory the realm federates
     */
    public static IdentityProvider start(StackDistribution distribution, Path directory, int port, int managementPort,
                                         UUID demoAccount, UUID managedAccount, Directory directoryServer) {
        Path home = distribution.requireKeycloak();
        try {
            Files.createDirectories(directory);
            String bootstrapPassword = Directory.secret(directory.resolve("bootstrap-admin-password"));
            Map<String, String> environment = new LinkedHashMap<>();
            environment.put("JAVA_HOME", distribution.registryJava().getParent().getParent().toString());
            environment.put("KC_BOOTSTRAP_ADMIN_USERNAME", "bootstrap");
            environment.put("KC_BOOTSTRAP_ADMIN_PASSWORD", bootstrapPassword);
            // kc.sh's own defaults but quick to start and small, as the services are (C1 only, the serial collector,
            // 384 MB of heap: measured 7 s to a restart instead of 10, 285-350 MB), temporary files in the instance.
            environment.put("JAVA_OPTS", String.join(" ", "-XX:MetaspaceSize=96M", "-XX:MaxMetaspaceSize=256m",
                    "-Dfile.encoding=UTF-8", "-Dsun.stdout.encoding=UTF-8", "-Dsun.err.encoding=UTF-8", "-Dstdout.encoding=UTF-8",
                    "-Dstderr.encoding=UTF-8", "-XX:+ExitOnOutOfMemoryError", "-Djava.security.egd=file:/dev/urandom",
                    "-Djdk.tls.rejectClientInitiatedRenegotiation=true", "-XX:+UseSerialGC", "-Xms64m", "-Xmx384m",
                    "-XX:TieredStopAtLevel=1", "--add-opens=java.base/java.lang=ALL-UNNAMED",
                    // Class-data sharing as the registry has it: recorded at a stop, mapped at the next start, recorded
                    // again by the JVM itself (Java 19+) whenever Java or Keycloak changed.
                    "-XX:+AutoCreateSharedArchive", "-XX:SharedArchiveFile=" + directory.toAbsolutePath().resolve("keycloak.jsa"),
                    "-Djava.io.tmpdir=" + directory.toAbsolutePath().resolve("data").resolve("tmp")));
            // The instance's own home: its configuration, providers, data and temporary files here, the (built) libraries shared.
            for (String own : List.of("conf", "providers", "data/tmp", "db")) {
                Files.createDirectories(directory.resolve(own));
            }
            Path lib = directory.resolve("lib");
            if (!Files.exists(lib, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(lib, home.resolve("lib").toAbsolutePath());
            }
            build(home, environment);
            List<String> command = new ArrayList<>(List.of(home.resolve("bin/kc.sh").toString(), "start", "--optimized",
                    "-Dkc.home.dir=" + directory.toAbsolutePath(), "-Djboss.server.config.dir=" + directory.toAbsolutePath().resolve("conf"),
                    "--http-enabled=true", "--http-host=127.0.0.1", "--http-port=" + port, "--hostname=http://127.0.0.1:" + port,
                    "--http-management-port=" + managementPort,
                    // One node with local caches. In Keycloak 26 the cache is chosen at start, not at build: without this
                    // it formed an Infinispan cluster (JGroups on the machine's own address, JDBC_PING in H2, mTLS), which
                    // cost seconds at start and listened beyond loopback.
                    "--cache=local",
                    "--db-url=jdbc:h2:file:" + directory.toAbsolutePath().resolve("db/keycloakdb") + ";NON_KEYWORDS=VALUE"));
            ManagedProcess process = ManagedProcess.start("keycloak", command, environment, directory, directory.resolve("keycloak.log"));
            IdentityProvider provider = new IdentityProvider(process, port, directory);
            try {
                Waits.until("Keycloak answering on port " + port, Duration.ofMinutes(3), () -> {
                    process.ensureAlive();
                    return LoopbackHttp.status(provider.base() + "/realms/master/.well-known/openid-configuration") == 200;
                });
                provider.provision(bootstrapPassword, demoAccount, managedAccount, directoryServer);
            } catch (RuntimeException e) {
                process.close();
                throw e;
            }
            return provider;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The build-time options every instance shares (a dev-file database, a local cache, health on the management port). */
    static final List<String> BUILD_OPTIONS = List.of("--db=dev-file", "--cache=local", "--health-enabled=true");

    /**
     * Runs Keycloak's build once per unpacked home (and again if the options change), under a lock so that
     * instances starting together build once: {@code start --optimized} then skips the build at every start.
     */
    private static void build(Path home, Map<String, String> environment) throws IOException {
        Path marker = home.resolve("lib/quarkus/parapet-build");
        String wanted = String.join(" ", BUILD_OPTIONS);
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(home.resolve(".parapet-build.lock"),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
             java.nio.channels.FileLock ignored = channel.lock()) {
            if (Files.isRegularFile(marker) && Files.readString(marker).strip().equals(wanted)) {
                return;
            }
            List<String> command = new ArrayList<>(List.of(home.resolve("bin/kc.sh").toString(), "build"));
            command.addAll(BUILD_OPTIONS);
            ManagedProcess.runToCompletion("keycloak-build", command, environment, home, home.resolve("parapet-build.log"),
                    Duration.ofMinutes(5));
            Files.writeString(marker, wanted + "\n");
        }
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String base() {
        return "http://127.0.0.1:" + port;
    }

    /** The realm's issuer ({@code iss} of its tokens). */
    public String issuer() {
        return base() + "/realms/" + REALM;
    }

    public String jwkSetUri() {
        return issuer() + "/protocol/openid-connect/certs";
    }

    public String tokenEndpoint() {
        return issuer() + "/protocol/openid-connect/token";
    }

    public int port() {
        return port;
    }

    public ManagedProcess process() {
        return process;
    }

    /** The demo administrators' password (local stack only), kept owner-only in the provider's directory. */
    public String demoAdministratorPassword() {
        return read("admin-password");
    }

    /** The secret of the {@code parapet-automation} client, whose client-credentials tokens act as the demo account's Super Administrator. */
    public String automationSecret() {
        return read("automation-secret");
    }

    /**
     * The secret of {@code parapet-directory-reader}, which settings-service uses to list the directory's groups:
     * made (owner-only) in the provider's directory the first time it is asked for, before or after the start.
     */
    public static String directoryReaderSecret(Path providerDirectory) throws IOException {
        return Directory.secret(providerDirectory.resolve("directory-reader-secret"));
    }

    /** A token for scripts: client credentials of {@code parapet-automation}. */
    public String automationToken() {
        return accessToken(tokenEndpoint(), Map.of("grant_type", "client_credentials", "client_id", "parapet-automation",
                "client_secret", automationSecret()), "the automation client");
    }

    /** An access token from a token endpoint, or a failure naming whom Keycloak refused. */
    private static String accessToken(String endpoint, Map<String, String> form, String who) {
        try {
            HttpResponse<String> response = LoopbackHttp.HTTP.send(HttpRequest.newBuilder(URI.create(endpoint)).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form(form))).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("Keycloak refused " + who + ": HTTP " + response.statusCode());
            }
            return field(response.body(), "access_token");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }

    private void provision(String bootstrapPassword, UUID demoAccount, UUID managedAccount, Directory directoryServer) {
        try {
            String adminToken = adminToken(bootstrapPassword);
            Map<String, String> values = Map.of(
                    "LDAP_URL", directoryServer.url(),
                    "LDAP_BIND_CREDENTIAL", directoryServer.bindPassword(),
                    "DEMO_ACCOUNT", demoAccount.toString(),
                    "AUTOMATION_SECRET", Directory.secret(directory.resolve("automation-secret")),
                    "DIRECTORY_READER_SECRET", directoryReaderSecret(directory),
                    "ADMIN_PASSWORD", Directory.secret(directory.resolve("admin-password")),
                    // The console's address (a deployment's own; the local stack's is on loopback, which the realm allows anyway).
                    "PARAPET_CONSOLE_URL", "http://127.0.0.1:18120");
            String realm = substitute(Directory.resource("parapet-realm.json"), values);
            if (LoopbackHttp.status(HttpRequest.newBuilder(URI.create(base() + "/admin/realms/" + REALM))
                    .header("Authorization", "Bearer " + adminToken).GET().build()) == 200) {
                // A data directory from an earlier version: add what its realm lacks (a client, role or group added
                // since), keeping everything it has (partial import, existing resources skipped).
                int added = LoopbackHttp.status(HttpRequest.newBuilder(URI.create(base() + "/admin/realms/" + REALM + "/partialImport"))
                        .timeout(Duration.ofMinutes(2)).header("Authorization", "Bearer " + adminToken)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"ifResourceExists\":\"SKIP\"," + realm.strip().substring(1))).build());
                if (added != 200) {
                    throw new IllegalStateException("Keycloak refused to bring Parapet's realm up to date: HTTP " + added
                            + " (see " + process.logFile() + ")");
                }
            } else {
                int created = LoopbackHttp.status(HttpRequest.newBuilder(URI.create(base() + "/admin/realms")).timeout(Duration.ofMinutes(2))
                        .header("Authorization", "Bearer " + adminToken).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(realm)).build());
                if (created != 201) {
                    throw new IllegalStateException("Keycloak refused Parapet's realm: HTTP " + created + " (see " + process.logFile() + ")");
                }
            }
            // The local stack's own demo users, not the production realm's: a Partner Administrator of the demo account who
            // also manages a second one (the console's account switch).
            String localUsers = substitute(Directory.classpathText("/local-stack-users.json"), Map.of("DEMO_ACCOUNT", demoAccount.toString(),
                    "MANAGED_ACCOUNT", managedAccount.toString(), "ADMIN_PASSWORD", values.get("ADMIN_PASSWORD")));
            int usersAdded = LoopbackHttp.status(HttpRequest.newBuilder(URI.create(base() + "/admin/realms/" + REALM + "/partialImport"))
                    .timeout(Duration.ofMinutes(1)).header("Authorization", "Bearer " + adminToken)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(localUsers)).build());
            if (usersAdded != 200) {
                throw new IllegalStateException("Keycloak refused the local stack's demo users: HTTP " + usersAdded
                        + " (see " + process.logFile() + ")");
            }
            syncDirectoryGroups(adminToken);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Imports the directory's groups into the realm (its group mapper's sync, directory to Keycloak) at every start:
     * a user's groups are read from the directory at each sign-in and refresh anyway, but the groups administrators
     * list (settings-service's directory-groups) are the realm's, which know a group only once it was synced.
     */
    private void syncDirectoryGroups(String adminToken) {
        String admin = base() + "/admin/realms/" + REALM;
        try {
            String federation = componentId(get(admin + "/components?type=org.keycloak.storage.UserStorageProvider", adminToken),
                    "demo-directory");
            String mapper = componentId(get(admin + "/components?type=org.keycloak.storage.ldap.mappers.LDAPStorageMapper&parent="
                    + federation, adminToken), "groups");
            int synced = LoopbackHttp.status(HttpRequest.newBuilder(URI.create(admin + "/user-storage/" + federation + "/mappers/" + mapper
                            + "/sync?direction=fedToKeycloak")).timeout(Duration.ofMinutes(1))
                    .header("Authorization", "Bearer " + adminToken).POST(HttpRequest.BodyPublishers.noBody()).build());
            if (synced != 200) {
                throw new IllegalStateException("Keycloak could not sync the directory's groups: HTTP " + synced);
            }
        } catch (java.text.ParseException e) {
            throw new IllegalStateException("Keycloak's component list is not JSON", e);
        }
    }

    private static String componentId(String json, String name) throws java.text.ParseException {
        for (Object component : com.nimbusds.jose.util.JSONArrayUtils.parse(json)) {
            if (component instanceof Map<?, ?> fields && name.equals(fields.get("name"))) {
                return String.valueOf(fields.get("id"));
            }
        }
        throw new IllegalStateException("The realm has no component named " + name);
    }

    private static String get(String url, String token) {
        try {
            HttpResponse<String> response = LoopbackHttp.HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("Keycloak answered " + response.statusCode() + " to " + url);
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }

    /** Replaces every {@code ${NAME}} with its value; a placeholder without one is an error, never left in. */
    static String substitute(String template, Map<String, String> values) {
        Matcher matcher = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String value = values.get(matcher.group(1));
            if (value == null) {
                throw new IllegalStateException("No value for ${" + matcher.group(1) + "} in the realm description");
            }
            matcher.appendReplacement(out, Matcher.quoteReplacement(value.replace("\\", "\\\\").replace("\"", "\\\"")));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    private String adminToken(String bootstrapPassword) {
        return accessToken(base() + "/realms/master/protocol/openid-connect/token", Map.of("grant_type", "password",
                "client_id", "admin-cli", "username", "bootstrap", "password", bootstrapPassword), "its bootstrap administrator");
    }

    private String read(String name) {
        try {
            return Files.readString(directory.resolve(name), StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String form(Map<String, String> fields) {
        StringBuilder out = new StringBuilder();
        fields.forEach((name, value) -> out.append(out.isEmpty() ? "" : "&").append(URLEncoder.encode(name, StandardCharsets.UTF_8))
                .append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
        return out.toString();
    }

    static String field(String json, String name) {
        Matcher matcher = Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        if (!matcher.find()) {
            throw new IllegalStateException("No " + name + " in " + json);
        }
        return matcher.group(1);
    }

    @Override
    public void close() {
        process.close();
    }
}
