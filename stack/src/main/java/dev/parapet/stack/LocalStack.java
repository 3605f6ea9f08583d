package dev.parapet.stack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The whole of Parapet on this machine, on loopback: a Kafka broker (KRaft), Apicurio Registry
 * (storing its schemas in that broker) and the four services, each its own process. Data lives in
 * a data directory ({@code .data/} in the repository unless {@code PARAPET_DATA} says otherwise), so a
 * restart keeps everything. Ctrl-C stops it all.
 */
public final class LocalStack {

    /** The local stack's fixed ports; docs/operations.md lists them. */
    public record StackPorts(int kafka, int kafkaController, int registry, int registryManagement,
                             int keyService, int settingsService, int dnsService, int dnsPort,
                             int diagnosticsService) {
        public static StackPorts defaults() {
            return new StackPorts(19092, 19093, 18080, 18090, 18101, 18102, 18103, 10053, 18104);
        }
    }


    /** DNS over HTTPS with TLS, DNS over TLS (with the same certificate), and the block-page server, in the local stack. */
    static final int DOH_PORT = 18443;
    static final int DOT_PORT = 10853;
    static final int BLOCK_PAGE_HTTP_PORT = 18180;
    static final int BLOCK_PAGE_HTTPS_PORT = 18543;
    /** The identity provider (Keycloak: HTTP, management) and the demo organisation's directory (slapd). */
    static final int IDENTITY_PORT = 18110;
    static final int IDENTITY_MANAGEMENT_PORT = 18111;
    static final int DIRECTORY_PORT = 18389;
    static final int CONSOLE_PORT = 18120;

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public static void main(String[] args) throws Exception {
        long started = System.nanoTime();
        Path root = ServiceProcesses.repositoryRoot();
        Path data = Path.of(System.getenv().getOrDefault("PARAPET_DATA", root.resolve(".data").toString())).toAbsolutePath();
        StackPorts ports = StackPorts.defaults();
        for (int port : List.of(ports.kafka(), ports.kafkaController(), ports.registry(), ports.registryManagement(),
                ports.keyService(), ports.settingsService(), ports.dnsService(), ports.diagnosticsService(), DOH_PORT,
                DOT_PORT, BLOCK_PAGE_HTTP_PORT, BLOCK_PAGE_HTTPS_PORT, IDENTITY_PORT, IDENTITY_MANAGEMENT_PORT, DIRECTORY_PORT)) {
            if (Ports.isListening(port)) {
                System.err.println("Port " + port + " on 127.0.0.1 is taken: is another Parapet stack running?");
                System.exit(1);
            }
        }
        StackDistribution distribution = StackDistribution.locate();
        say("Data directory: " + data);

        Supervisor supervisor = new Supervisor(RestartPolicy::standard, LocalStack::say, reason -> {
            // Not on the thread that noticed: exiting runs the shutdown hook, which stops the supervisor.
            Thread exit = new Thread(() -> System.exit(1), "parapet-give-up");
            exit.start();
        }, java.time.Clock.systemUTC());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            say("Stopping Parapet…");
            supervisor.close();
            say("Stopped.");
            stopped.countDown();
        }, "parapet-stack-stop"));

        // The registry starts beside the broker (it spends its first seconds starting its JVM, then waits
        // for the broker), and the services as soon as the broker listens: a service that reads a record
        // before the registry answers fails that read as transient and reads it again (StreamsDeadLetters),
        // and none is healthy before the registry is.
        say("Starting Kafka (KRaft) on 127.0.0.1:" + ports.kafka() + " and Apicurio Registry on 127.0.0.1:" + ports.registry() + " …");
        Supplier<SchemaRegistry> startRegistry = () -> SchemaRegistry.start(distribution, data.resolve("registry"), ports.registry(),
                ports.registryManagement(), new SchemaRegistry.Storage.KafkaSql(
                        KafkaCluster.bootstrapServers(ports.kafka())), true);
        AtomicReference<SchemaRegistry> registry = new AtomicReference<>();
        CompletableFuture<Void> registryReady = CompletableFuture.runAsync(() -> {
            registry.set(startRegistry.get());
            say("Apicurio Registry is ready.");
        });
        // The directory and the identity provider (Keycloak spends its first half minute starting) beside them.
        UUID demoAccount = demoAccount(data);
        UUID managedAccount = accountId(data.resolve("managed-account"));
        AtomicReference<Directory> directory = new AtomicReference<>();
        AtomicReference<IdentityProvider> identity = new AtomicReference<>();
        Supplier<IdentityProvider> startIdentity = () -> IdentityProvider.start(distribution, data.resolve("identity"), IDENTITY_PORT,
                IDENTITY_MANAGEMENT_PORT, demoAccount, managedAccount, directory.get());
        say("Starting the directory (OpenLDAP) on 127.0.0.1:" + DIRECTORY_PORT + " and the identity provider (Keycloak) on 127.0.0.1:"
                + IDENTITY_PORT + " …");
        CompletableFuture<Void> identityReady = CompletableFuture.runAsync(() -> {
            directory.set(Directory.start(data.resolve("directory"), DIRECTORY_PORT));
            identity.set(startIdentity.get());
            say("The identity provider is ready (realm " + IdentityProvider.REALM + ", directory federated).");
        });
        KafkaCluster kafka = KafkaCluster.single(distribution, data.resolve("kafka"), ports.kafka(), ports.kafkaController(),
                kafkaJavaOptions(distribution, data.resolve("kafka")));
        int kafkaNode = kafka.nodes().get(0).nodeId();
        supervisor.watch(Supervisor.Child.of("kafka", () -> kafka.nodes().get(0).process(), () -> kafka.restart(kafkaNode), kafka::close));
        say("Kafka is ready.");

        // The deployment's own key: the stack's setup (the demo account, its feeds) and the operator's break-glass
        // access (deploy/admin-token). Administrators and users sign in at the identity provider.
        TokenIssuer tokens = TokenIssuer.inDirectory(data.resolve("issuer"));
        Infrastructure infrastructure = Infrastructure.at(kafka.bootstrapServers(), SchemaRegistry.url(ports.registry()), tokens);
        String identityIssuer = "http://127.0.0.1:" + IDENTITY_PORT + "/realms/" + IdentityProvider.REALM;
        String identityKeys = identityIssuer + "/protocol/openid-connect/certs";

        Path keySecrets = ServiceProcesses.secrets(data, "key-service", "parapet.keys",
                // Every region's agents use this stack's key-service.
                "parapet.keys.api-url=http://127.0.0.1:" + ports.keyService() + "\n");
        Path settingsSecrets = ServiceProcesses.secrets(data, "settings-service", "parapet.settings", "");
        // settings-service lists the demo directory's groups through the identity provider (a client that may only query them).
        Path directorySettings = data.resolve("settings-service").resolve("directory.properties");
        ServiceProcesses.writePrivate(directorySettings, "parapet.settings.directory.account=" + demoAccount + "\n"
                + "parapet.settings.directory.admin-url=http://127.0.0.1:" + IDENTITY_PORT + "/admin/realms/" + IdentityProvider.REALM + "\n"
                + "parapet.settings.directory.token-url=http://127.0.0.1:" + IDENTITY_PORT + "/realms/" + IdentityProvider.REALM
                + "/protocol/openid-connect/token\n"
                + "parapet.settings.directory.client-id=parapet-directory-reader\n"
                + "parapet.settings.directory.client-secret=" + IdentityProvider.directoryReaderSecret(data.resolve("identity")) + "\n");
        byte[] caSecret = new byte[32];
        new java.security.SecureRandom().nextBytes(caSecret);
        Path dnsSecrets = ServiceProcesses.secrets(data, "dns-service", "parapet.dns",
                "parapet.dns.pages.ca-secret=" + java.util.Base64.getEncoder().encodeToString(caSecret) + "\n");
        // settings-service holds every agent's configuration stream (10 000 measured in 768 MiB).
        List<ServiceProcesses.Spec> services = List.of(
                new ServiceProcesses.Spec("key-service", ports.keyService(), "384m", List.of(
                        "--spring.config.import=optional:file:" + keySecrets,
                        "--parapet.keys.state-directory=" + data.resolve("key-service").resolve("streams"))),
                new ServiceProcesses.Spec("settings-service", ports.settingsService(), "768m", List.of(
                        "--spring.config.import=optional:file:" + settingsSecrets + ",optional:file:" + directorySettings,
                        "--parapet.settings.state-directory=" + data.resolve("settings-service").resolve("streams"),
                        // Local only: offices here are loopback ranges, and the demo account operates the platform.
                        "--parapet.settings.allow-private-ranges=true",
                        // Agents' users sign in at the stack's identity provider: the configuration stream names it.
                        "--parapet.settings.agent-sign-in.issuer=" + identityIssuer,
                        "--parapet.settings.operator-accounts=" + demoAccount,
                        // The demo category feeds are file sources under the clone.
                        "--parapet.settings.feeds.allowed-directories=" + root.resolve("demo").resolve("feeds").toAbsolutePath(),
                        // Policy previews are replayed by dns-service, over diagnostics-service's query log.
                        "--parapet.settings.preview.dns-url=http://127.0.0.1:" + ports.dnsService())),
                new ServiceProcesses.Spec("dns-service", ports.dnsService(), "384m", dnsArguments(ports, data, dnsSecrets)),
                new ServiceProcesses.Spec("diagnostics-service", ports.diagnosticsService(), "384m", List.of(
                        "--parapet.diagnostics.state-directory=" + data.resolve("diagnostics-service").resolve("streams"),
                        "--parapet.diagnostics.query-log.directory=" + data.resolve("diagnostics-service").resolve("query-log"),
                        // Local only: an administrator's SIEM destination may be a receiver on this machine.
                        "--parapet.diagnostics.siem.allow-private-addresses=true")),
                // The Administration Console: signs administrators in at the identity provider, relays to the services.
                new ServiceProcesses.Spec("console", CONSOLE_PORT, "192m", consoleArguments(ports, identityIssuer)));
        Map<String, String> springProperties = new java.util.LinkedHashMap<>(infrastructure.springProperties());
        // Administrators' tokens from the identity provider beside the deployment's key; users' tokens (DoH) from it only.
        springProperties.put("parapet.security.jwt.identity-provider.issuer", identityIssuer);
        springProperties.put("parapet.security.jwt.identity-provider.jwk-set-uri", identityKeys);
        springProperties.put("parapet.dns.users.issuer", identityIssuer);
        springProperties.put("parapet.dns.users.jwk-set-uri", identityKeys);
        springProperties.remove("parapet.dns.users.public-key");
        List<AtomicReference<ManagedProcess>> processes = new ArrayList<>();
        // Side by side: each start first checks its class-data archive with a short JVM of its own.
        List<CompletableFuture<ManagedProcess>> starting = new ArrayList<>();
        for (ServiceProcesses.Spec service : services) {
            say("Starting " + service.name() + " on 127.0.0.1:" + service.port() + " …");
            // A thread each, not the common pool, which the registry's and the identity provider's long starts may hold.
            starting.add(CompletableFuture.supplyAsync(() -> ServiceProcesses.start(distribution, data, service, springProperties,
                    service.name(), true), task -> new Thread(task, "parapet-start-" + service.name()).start()));
        }
        for (CompletableFuture<ManagedProcess> service : starting) {
            processes.add(new AtomicReference<>(service.join()));
        }
        try {
            registryReady.join();
        } catch (CompletionException e) {
            say("Apicurio Registry did not start: " + e.getCause().getMessage());
            System.exit(1);
        }
        supervisor.watch(Supervisor.Child.of("apicurio-registry", () -> registry.get().process(), () -> registry.set(startRegistry.get()),
                () -> registry.get().close()));
        // The operator's first token cannot come from the registry, which is empty until the operator fills it.
        String superAdmin = tokens.adminToken("parapet-local-stack", demoAccount, "SUPER_ADMIN", Duration.ofHours(12));
        // The demo account and its feeds need settings-service only: set up while the others finish starting.
        AtomicReference<ManagedProcess> settingsService = processes.get(services.stream().map(ServiceProcesses.Spec::name).toList()
                .indexOf("settings-service"));
        CompletableFuture<Void> demoReady = CompletableFuture.runAsync(() -> {
            ServiceProcesses.awaitHealthy(settingsService.get(), ports.settingsService(), Duration.ofMinutes(3));
            try {
                registerDemoAccount(ports.settingsService(), demoAccount, managedAccount, superAdmin);
            } catch (IOException e) {
                say("Registering the demo account failed: " + e.getMessage());
            }
            subscribeCategoryFeeds(root, ports.settingsService(), superAdmin);
        });
        List<Supervisor.Child> serviceChildren = new ArrayList<>();
        for (int i = 0; i < services.size(); i++) {
            ServiceProcesses.Spec service = services.get(i);
            AtomicReference<ManagedProcess> process = processes.get(i);
            ServiceProcesses.awaitHealthy(process.get(), service.port(), Duration.ofMinutes(3));
            say(service.name() + " is healthy.");
            serviceChildren.add(Supervisor.Child.of(service.name(), process::get, () -> {
                process.set(ServiceProcesses.start(distribution, data, service, springProperties, service.name(), true));
                ServiceProcesses.awaitHealthy(process.get(), service.port(), Duration.ofMinutes(3));
            }, () -> process.get().close()));
        }
        // Stopped together at the end, before the registry and the broker they use.
        supervisor.watchTogether(serviceChildren);

        demoReady.join();
        try {
            identityReady.join();
        } catch (CompletionException e) {
            say("The identity provider did not start: " + e.getCause().getMessage());
            System.exit(1);
        }
        supervisor.watch(Supervisor.Child.of("slapd", () -> directory.get().process(),
                () -> directory.set(Directory.start(data.resolve("directory"), DIRECTORY_PORT)), () -> directory.get().close()));
        supervisor.watch(Supervisor.Child.of("keycloak", () -> identity.get().process(), () -> identity.set(startIdentity.get()),
                () -> identity.get().close()));
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
        Files.writeString(data.resolve("demo-account"), demoAccount + "\n", StandardCharsets.US_ASCII);
        System.out.printf("""

                Parapet is up (%.1f s). Everything listens on 127.0.0.1 only.

                  Kafka broker         127.0.0.1:%d       (kcat -b 127.0.0.1:%d -L)
                  Schema registry      %s   (Confluent API: %s/apis/ccompat/v7)
                  key-service          http://127.0.0.1:%d
                  settings-service     http://127.0.0.1:%d
                  dns-service          http://127.0.0.1:%d   DNS on 127.0.0.1:%d (UDP and TCP)
                                       DoH https://127.0.0.1:%d/dns-query (self-signed)
                                       DoT 127.0.0.1:%d (the same certificate, %s)
                                       block pages http://127.0.0.1:%d  https://127.0.0.1:%d
                  diagnostics-service  http://127.0.0.1:%d   dashboard http://127.0.0.1:%d/dashboard
                  Console              http://127.0.0.1:%d   (the Administration Console: sign in as below)
                  Identity provider    %s   (Keycloak; admin console %s/admin, user bootstrap,
                                       password in %s)
                  Directory            ldap://127.0.0.1:%d   (OpenLDAP, %s: users ann, bob, carol)

                  Demo account         %s
                  Sign in              administrators admin@demo.parapet.local (Super), basic@… (Basic), custom@… (custom
                                       role), password in %s:
                                         bin/parapet-token            (opens a sign-in in your browser, prints the token)
                                       scripts: bin/parapet-token --client-credentials   (the demo account's automation client)
                                       users on the agent: parapet-agent login   (the configuration names %s)
                                         ann / ann-password (group engineering), bob / bob-password (group sales)

                  Logs                 %s/logs/
                Press Ctrl-C to stop.
                """, elapsed.toMillis() / 1000.0, ports.kafka(), ports.kafka(), registry.get().url(), registry.get().url(),
                ports.keyService(), ports.settingsService(), ports.dnsService(), ports.dnsPort(),
                DOH_PORT, DOT_PORT, data.resolve("dns-service").resolve("doh-certificate.pem"), BLOCK_PAGE_HTTP_PORT,
                BLOCK_PAGE_HTTPS_PORT, ports.diagnosticsService(), ports.diagnosticsService(), CONSOLE_PORT, identity.get().base(), identity.get().base(),
                data.resolve("identity").resolve("bootstrap-admin-password"), DIRECTORY_PORT, Directory.BASE_DN, demoAccount,
                data.resolve("identity").resolve("admin-password"), identityIssuer, data);
        stopped.await();
    }

    /**
     * DNS on the stack's port; upstream resolvers only if PARAPET_DNS_UPSTREAMS names them (host:port,
     * comma-separated): by default the local stack sends no query off this machine, so names that are
     * not blocked get SERVFAIL.
     */
    /**
     * The console's settings; with {@code PARAPET_CONSOLE_PAGES} (a directory, such as the clone's
     * {@code console/src/main/resources/static}) it serves its pages from there, so that an edited page shows at the next
     * reload without a build.
     */
    private static List<String> consoleArguments(StackPorts ports, String identityIssuer) {
        List<String> arguments = new ArrayList<>(List.of(
                "--parapet.console.issuer=" + identityIssuer,
                "--parapet.console.keys=http://127.0.0.1:" + ports.keyService(),
                "--parapet.console.settings=http://127.0.0.1:" + ports.settingsService(),
                "--parapet.console.diagnostics=http://127.0.0.1:" + ports.diagnosticsService(),
                "--parapet.console.dns=http://127.0.0.1:" + ports.dnsService()));
        String pages = System.getenv("PARAPET_CONSOLE_PAGES");
        if (pages != null && !pages.isBlank()) {
            arguments.add("--spring.web.resources.static-locations=" + Path.of(pages).toAbsolutePath().toUri());
        }
        return arguments;
    }

    private static List<String> dnsArguments(StackPorts ports, Path data, Path secrets) throws IOException, InterruptedException {
        List<String> arguments = new ArrayList<>(List.of("--parapet.dns.port=" + ports.dnsPort(),
                "--spring.config.import=optional:file:" + secrets,
                "--parapet.dns.pages.http-port=" + BLOCK_PAGE_HTTP_PORT, "--parapet.dns.pages.https-port=" + BLOCK_PAGE_HTTPS_PORT,
                "--parapet.dns.preview.query-log-url=http://127.0.0.1:" + ports.diagnosticsService()));
        Path certificate = data.resolve("dns-service").resolve("doh-certificate.pem");
        Path key = data.resolve("dns-service").resolve("doh-key.pem");
        if (!Files.exists(certificate) || !Files.exists(key)) {
            // A self-signed certificate for DNS over HTTPS and over TLS on loopback; production configures its own.
            Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(), "-out", certificate.toString(),
                    "-days", "825", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (openssl.waitFor() != 0) {
                say("openssl failed: DNS over HTTPS only on dns-service's HTTP port (/dns-query), no DNS over TLS.");
                return arguments;
            }
        }
        arguments.addAll(List.of("--parapet.dns.doh.port=" + DOH_PORT, "--parapet.dns.doh.certificate=" + certificate,
                "--parapet.dns.doh.private-key=" + key, "--parapet.dns.dot.port=" + DOT_PORT));
        String upstreams = System.getenv("PARAPET_DNS_UPSTREAMS");
        if (upstreams != null && !upstreams.isBlank()) {
            arguments.add("--parapet.dns.upstreams=" + upstreams.strip());
        }
        return arguments;
    }

    /**
     * Subscribes each category to its demo feed ({@code demo/feeds/*.txt.gz}, see its README) as a file source, then
     * asks for a fetch and reads what is in force: a restart finds the subscriptions there and the files unchanged,
     * so it costs a file check each. A missing feed is said out loud, never skipped silently.
     */
    private static void subscribeCategoryFeeds(Path root, int settingsPort, String operatorToken) {
        Path feedsDirectory = root.resolve("demo").resolve("feeds").toAbsolutePath();
        // Each demo file and the category it feeds.
        List<Map.Entry<String, String>> feeds = List.of(Map.entry("phishing", "phishing"), Map.entry("ransomware", "ransomware"),
                Map.entry("scam", "scam"), Map.entry("crypto", "cryptomining"), Map.entry("drugs", "drugs"),
                Map.entry("piracy", "piracy"), Map.entry("torrent", "p2p"));
        // Side by side: each is a subscription and a refresh, which reads and hashes its file.
        List<String> loaded = feeds.parallelStream().map(feed -> subscribeCategoryFeed(feedsDirectory, feed.getKey(), feed.getValue(),
                settingsPort, operatorToken)).flatMap(java.util.Optional::stream).toList();
        if (!loaded.isEmpty()) {
            say("Category feeds (demo/feeds, checked hourly), domains: " + String.join(", ", loaded));
        }
    }

    /** Subscribes a category to a demo file and refreshes it: its name and domains in force, or empty (said why). */
    private static java.util.Optional<String> subscribeCategoryFeed(Path feedsDirectory, String fileName, String category, int settingsPort,
                                                                    String operatorToken) {
        Path file = feedsDirectory.resolve(fileName + ".txt.gz");
        if (!Files.isRegularFile(file)) {
            say("Category feed " + file + " is missing: category " + category + " keeps what it had, if anything "
                    + "(restore it with git checkout -- demo/feeds, or subscribe another source: docs/settings.md).");
            return java.util.Optional.empty();
        }
        String base = "http://127.0.0.1:" + settingsPort + "/api/v1/operator/category-feeds/" + category;
        try {
            HttpResponse<String> subscribed = HTTP.send(HttpRequest.newBuilder(URI.create(base)).timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + operatorToken).header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"source\":\"" + file.toUri() + "\",\"refreshMinutes\":60}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (subscribed.statusCode() != 200) {
                say("Subscribing category " + category + " to " + file.getFileName() + " failed: "
                        + subscribed.statusCode() + " " + subscribed.body());
                return java.util.Optional.empty();
            }
            HttpResponse<String> refreshed = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/refresh"))
                    .timeout(Duration.ofMinutes(2)).header("Authorization", "Bearer " + operatorToken)
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            String error = text(refreshed.body(), "lastError");
            if (refreshed.statusCode() != 200 || error != null) {
                say("Category feed " + file.getFileName() + " failed: " + (error != null ? error : refreshed.statusCode() + " " + refreshed.body()));
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(category + " " + field(refreshed.body(), "domainsInForce"));
        } catch (IOException e) {
            say("Subscribing category " + category + " failed: " + e.getMessage());
            return java.util.Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.Optional.empty();
        }
    }

    /** A JSON string field's value, or null when absent or null. */
    private static String text(String json, String name) {
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("\"" + name + "\":\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
        return matcher.find() ? matcher.group(1) : null;
    }

    /**
     * Puts the demo account in the account registry through the operator API, with its two administrators,
     * at every start: creating it again with the same id, name and first administrator changes nothing, and
     * so does giving an administrator the role they have. A refusal (someone took the name) is said, not fatal.
     */
    private static void registerDemoAccount(int settingsPort, UUID demoAccount, UUID managedAccount, String operatorToken)
            throws IOException {
        String accounts = "http://127.0.0.1:" + settingsPort + "/api/v1/operator/accounts";
        List<HttpRequest> requests = List.of(
                HttpRequest.newBuilder(URI.create(accounts)).POST(HttpRequest.BodyPublishers.ofString("{\"accountId\":\"" + demoAccount
                        + "\",\"name\":\"Demo\",\"administrator\":{\"email\":\"admin@demo.parapet.local\",\"role\":\"SUPER_ADMIN\"}}"))
                        .header("Content-Type", "application/json").header("Authorization", "Bearer " + operatorToken)
                        .timeout(Duration.ofSeconds(30)).build(),
                HttpRequest.newBuilder(URI.create(accounts + "/" + demoAccount + "/administrators/basic@demo.parapet.local"))
                        .PUT(HttpRequest.BodyPublishers.ofString("{\"role\":\"BASIC_ADMIN\"}"))
                        .header("Content-Type", "application/json").header("Authorization", "Bearer " + operatorToken)
                        .timeout(Duration.ofSeconds(30)).build(),
                HttpRequest.newBuilder(URI.create(accounts + "/" + demoAccount + "/administrators/partner@demo.parapet.local"))
                        .PUT(HttpRequest.BodyPublishers.ofString("{\"role\":\"PARTNER_ADMIN\"}"))
                        .header("Content-Type", "application/json").header("Authorization", "Bearer " + operatorToken)
                        .timeout(Duration.ofSeconds(30)).build(),
                // A second account the demo account manages as a partner (its Partner Administrator switches to it).
                HttpRequest.newBuilder(URI.create(accounts)).POST(HttpRequest.BodyPublishers.ofString("{\"accountId\":\"" + managedAccount
                        + "\",\"name\":\"Demo Branch\",\"partnerAccountId\":\"" + demoAccount
                        + "\",\"administrator\":{\"email\":\"admin@branch.parapet.local\",\"role\":\"SUPER_ADMIN\"}}"))
                        .header("Content-Type", "application/json").header("Authorization", "Bearer " + operatorToken)
                        .timeout(Duration.ofSeconds(30)).build());
        for (HttpRequest request : requests) {
            try {
                HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() / 100 != 2) {
                    say("Registering the demo account failed: " + response.statusCode() + " " + response.body());
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        say("Demo account " + demoAccount + " is in the account registry (Super Administrator admin@demo.parapet.local, "
                + "Basic Administrator basic@demo.parapet.local, Partner Administrator partner@demo.parapet.local who also manages "
                + "account " + managedAccount + ", Demo Branch).");
    }

    private static String field(String json, String name) {
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("\"" + name + "\":(\\d+)").matcher(json);
        return matcher.find() ? matcher.group(1) : "?";
    }

    private static UUID demoAccount(Path data) throws IOException {
        return accountId(data.resolve("demo-account"));
    }

    /** An account id kept in the data directory: the same at every start. */
    private static UUID accountId(Path file) throws IOException {
        if (Files.exists(file)) {
            return UUID.fromString(Files.readString(file, StandardCharsets.US_ASCII).trim());
        }
        UUID account = UUID.randomUUID();
        Files.createDirectories(file.getParent());
        Files.writeString(file, account + "\n", StandardCharsets.US_ASCII);
        return account;
    }

    /**
     * The broker's JVM: quick to start unless PARAPET_KAFKA_JAVA_OPTS says otherwise (e.g. -XX:+UseG1GC
     * under load), with a class-data sharing archive as the services have: recorded when the broker
     * stops cleanly, mapped at later starts. The archive is named after the Java and the classpath, so
     * an upgrade of either records a new one instead of running without; one the JVM cannot map (a stop
     * that did not finish writing it) is said and recorded again ({@link ClassDataArchive}).
     */
    private static List<String> kafkaJavaOptions(StackDistribution distribution, Path directory) {
        List<String> options = new ArrayList<>(ServiceProcesses.javaOptions("PARAPET_KAFKA_JAVA_OPTS", KafkaNode.Spec.QUICK_START));
        String identity = distribution.java() + "\n" + distribution.kafkaClasspath();
        Path archive = directory.resolve("kafka-" + Integer.toHexString(identity.hashCode()) + ".jsa");
        ClassDataArchive.Decision decision = ClassDataArchive.decide(distribution.java(), archive, distribution.kafkaClasspath());
        options.addAll(decision.javaOptions());
        ServiceProcesses.note(directory.resolve("kafka.log"), "kafka", decision.note());
        return options;
    }

    private static void say(String line) {
        System.out.println("[parapet] " + line);
    }
}
