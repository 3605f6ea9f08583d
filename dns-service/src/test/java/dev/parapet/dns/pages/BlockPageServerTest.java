package dev.parapet.dns.pages;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

import dev.parapet.schemas.AvroSerdes;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.access.AccessRequestRaised;
import dev.parapet.dns.pages.BlockNotices.Kind;
import dev.parapet.dns.pages.BlockNotices.Notice;
import dev.parapet.stack.RealInfrastructure;
import dev.parapet.stack.RealInfrastructure.WithRealInfrastructure;
import dev.parapet.stack.TokenIssuer;

/**
 * The block-page server over real sockets, driven by curl and openssl (clients nobody here wrote),
 * with the CA certificate as administrators download it.
 */
@WithRealInfrastructure
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "parapet.dns.port=0", "parapet.dns.pages.allowance=5m",
        "parapet.dns.pages.ca-secret=" + BlockPageServerTest.SECRET})
class BlockPageServerTest {

    static final String SECRET = "cGFyYXBldC1ibG9jay1wYWdlLXRlc3Qtc2VjcmV0LTMyYnl0ZXMhIQ==";
    static final String CLIENT = "127.0.0.1";
    static final Pattern TOKEN = Pattern.compile("name=\"token\" value=\"([^\"]+)\"");

    @LocalServerPort
    int port;
    @Autowired
    BlockPageServer server;
    @Autowired
    BlockNotices notices;
    @Autowired
    Allowances allowances;
    @Autowired
    AccountCertificateAuthority authority;

    final UUID account = UUID.randomUUID();
    WebTestClient api;
    Path directory;

    record Result(int exit, String out, String err) {
        String body() {
            int end = out.indexOf("\r\n\r\n");
            return end < 0 ? out : out.substring(end + 4);
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        api = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).build();
        directory = Files.createDirectories(Path.of("target", "block-page-tests", account.toString()));
    }

    @Test
    void aBlockedNameShowsItsPageOverHttpsWithTheCertificateOfItsAccountsCa() throws Exception {
        notices.record(new Notice(Kind.BLOCKED, account, CLIENT, "blocked.example", "Listed in a Block List",
                "Block <gambling> & co", List.of("Gambling", "Lotteries"), Instant.now()));
        Path ca = download(account);

        Result page = curl("--include", "--cacert", ca.toString(), "--resolve", resolve("blocked.example"), https("blocked.example", "/any/path?q=1"));

        assertThat(page.exit()).as(page.err()).isZero();
        assertThat(page.out()).startsWith("HTTP/1.1 200")
                .containsIgnoringCase("content-security-policy: default-src 'none'")
                .containsIgnoringCase("cache-control: no-store")
                .containsIgnoringCase("content-type: text/html; charset=utf-8");
        assertThat(page.body()).contains("Blocked: blocked.example", "BLOCKED", "Listed in a Block List",
                "Gambling, Lotteries", "Block &lt;gambling&gt; &amp; co").doesNotContain("<gambling>", "name=\"token\"");

        Result otherAccountsCa = curl("--cacert", download(UUID.randomUUID()).toString(), "--resolve", resolve("blocked.example"),
                https("blocked.example", "/"));
        assertThat(otherAccountsCa.exit()).as("SSL certificate problem").isEqualTo(60);
    }

    @Test
    void theSamePageOverPlainHttpForAnyPathAndHostWithAPort() throws Exception {
        notices.record(new Notice(Kind.BLOCKED, account, CLIENT, "plain.example", "Listed", "Plain policy",
                List.of(), Instant.now()));

        Result page = curl("--header", "Host: www.plain.example:8080", "http://127.0.0.1:" + server.httpPort() + "/x/y.png");

        assertThat(page.exit()).as(page.err()).isZero();
        assertThat(page.body()).contains("Blocked: www.plain.example", "Plain policy", "None (a list decided)");
        Result head = curl("--head", "--header", "Host: plain.example", "http://127.0.0.1:" + server.httpPort() + "/");
        assertThat(head.out()).startsWith("HTTP/1.1 200").doesNotContain("<html");
    }

    @Test
    void aWarningPageLetsTheUserContinueForTheAllowance() throws Exception {
        notices.record(new Notice(Kind.WARNED, account, CLIENT, "warned.example", "Newly registered domain",
                "Warn on new domains", List.of("Newly Registered Domains"), Instant.now()));
        String ca = download(account).toString();

        Result page = curl("--cacert", ca, "--resolve", resolve("warned.example"), https("warned.example", "/"));
        assertThat(page.exit()).as(page.err()).isZero();
        assertThat(page.body()).contains("Warning: warned.example", "WARNED", "Newly registered domain",
                "Newly Registered Domains", "Warn on new domains", "Continue to warned.example");
        assertThat(allowances.allows(account, CLIENT, "warned.example")).isFalse();

        Result continued = curl("--include", "--cacert", ca, "--resolve", resolve("warned.example"),
                "--data-urlencode", "token=" + token(page), https("warned.example", "/continue"));

        assertThat(continued.exit()).as(continued.err()).isZero();
        assertThat(continued.out()).startsWith("HTTP/1.1 200");
        assertThat(header(continued, "set-cookie")).startsWith("parapet-continue=warned.example")
                .contains("Max-Age=300", "Path=/", "Secure", "HTTPOnly", "SameSite=Lax");
        assertThat(continued.body()).contains("Continuing to warned.example", "5 minutes");
        assertThat(allowances.allows(account, CLIENT, "warned.example")).isTrue();
        assertThat(allowances.allows(account, "127.0.0.2", "warned.example")).isFalse();

        Result again = curl("--cacert", ca, "--resolve", resolve("warned.example"), https("warned.example", "/"));
        assertThat(again.body()).as("the device still has the old answer").contains("Continuing to warned.example");
    }

    @Test
    void aBlockPageAsksForAccessWithAReasonAndTheRequestReachesTheAdministratorsTopicInTheUsersName() throws Exception {
        UUID laptop = UUID.randomUUID();
        notices.record(new Notice(Kind.BLOCKED, account, CLIENT, "asked.example", "Listed", "Blocked sites", List.of(), Instant.now(),
                "ann@example.com", laptop, null));
        String base = "http://127.0.0.1:" + server.httpPort();
        Result page = curl("--header", "Host: asked.example", base + "/");
        assertThat(page.body()).contains("Ask for access to asked.example", "name=\"reason\"", "maxlength=\"500\"");
        Matcher found = Pattern.compile("name=\"ticket\" value=\"([^\"]+)\"").matcher(page.body());
        assertThat(found.find()).isTrue();
        String ticket = found.group(1);

        // The ticket is for asking only: it does not continue past the block, nor serve another client.
        Result continued = curl("--include", "--header", "Host: asked.example", "--data-urlencode", "token=" + ticket, base + "/continue");
        assertThat(continued.out()).startsWith("HTTP/1.1 403");
        assertThat(allowances.allows(account, CLIENT, "asked.example")).isFalse();
        Result stolen = curl("--include", "--interface", "127.0.0.2", "--header", "Host: asked.example", "--data-urlencode",
                "ticket=" + ticket, "--data-urlencode", "reason=mine now", base + "/request-access");
        assertThat(stolen.out()).startsWith("HTTP/1.1 403");
        Result noReason = curl("--include", "--header", "Host: asked.example", "--data-urlencode", "ticket=" + ticket,
                "--data-urlencode", "reason=  ", base + "/request-access");
        assertThat(noReason.out()).startsWith("HTTP/1.1 400");
        assertThat(noReason.body()).contains("Write why you need asked.example");

        Result asked = curl("--include", "--header", "Host: asked.example", "--data-urlencode", "ticket=" + ticket,
                "--data-urlencode", "reason=Supplier portal for the <Leeds> tender", base + "/request-access");
        assertThat(asked.out()).startsWith("HTTP/1.1 200");
        assertThat(asked.body()).contains("Access requested: asked.example", "for you (and nobody else)");

        AccessRequestRaised raised = null;
        try (KafkaConsumer<String, SpecificRecord> consumer = new KafkaConsumer<>(java.util.Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfrastructure.get().bootstrapServers(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.GROUP_ID_CONFIG, "block-page-test-" + UUID.randomUUID()),
                new StringDeserializer(), AvroSerdes.deserializer(RealInfrastructure.get().registryUrl(), false))) {
            consumer.subscribe(List.of(Topics.ACCESS_REQUESTS_RAISED.name()));
            long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (raised == null && System.nanoTime() < until) {
                for (ConsumerRecord<String, SpecificRecord> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.value() instanceof AccessRequestRaised request && request.getAccountId().equals(account)) {
                        assertThat(record.key()).isEqualTo(account.toString());
                        raised = request;
                    }
                }
            }
        }
        assertThat(raised).as("the request on " + Topics.ACCESS_REQUESTS_RAISED.name()).isNotNull();
        assertThat(raised.getName()).isEqualTo("asked.example");
        assertThat(raised.getReason()).isEqualTo("Supplier portal for the <Leeds> tender");
        assertThat(raised.getPolicyName()).isEqualTo("Blocked sites");
        assertThat(raised.getRequester().getUserEmail()).isEqualTo("ann@example.com");
        assertThat(raised.getRequester().getAgentId()).isEqualTo(laptop);
        assertThat(raised.getRequester().getClientAddress()).isEqualTo(CLIENT);

        // One device asks at most five times an hour.
        int tooMany = 0;
        for (int i = 0; i < AccessRequestOutbox.PER_CLIENT_PER_HOUR; i++) {
            Result again = curl("--include", "--header", "Host: asked.example", "--data-urlencode", "ticket=" + ticket,
                    "--data-urlencode", "reason=again " + i, base + "/request-access");
            tooMany += again.out().startsWith("HTTP/1.1 429") ? 1 : 0;
        }
        assertThat(tooMany).isEqualTo(1);
    }

    @Test
    void aTokenFromAnotherClientOrAlteredOrMissingIsRefused() throws Exception {
        notices.record(new Notice(Kind.WARNED, account, CLIENT, "stolen.example", "Risky", "Warn", List.of(), Instant.now()));
        String ca = download(account).toString();
        String token = token(curl("--cacert", ca, "--resolve", resolve("stolen.example"), https("stolen.example", "/")));

        // No notice covers this client, so it gets a platform certificate: an attacker would not care.
        Result otherClient = curl("--include", "--interface", "127.0.0.2", "--insecure", "--resolve", resolve("stolen.example"),
                "--data-urlencode", "token=" + token, https("stolen.example", "/continue"));
        assertThat(otherClient.out()).as(otherClient.err()).startsWith("HTTP/1.1 403");
        assertThat(otherClient.body()).contains("Cannot continue", "not issued to this device");
        assertThat(allowances.allows(account, "127.0.0.2", "stolen.example")).isFalse();

        Result altered = curl("--include", "http://127.0.0.1:" + server.httpPort() + "/continue",
                "--data-urlencode", "token=" + token.substring(0, token.length() - 2) + "AA");
        assertThat(altered.out()).startsWith("HTTP/1.1 403");
        assertThat(curl("--include", "http://127.0.0.1:" + server.httpPort() + "/continue", "--data", "name=x").out())
                .startsWith("HTTP/1.1 400");
        assertThat(curl("--include", "http://127.0.0.1:" + server.httpPort() + "/continue", "--data", "token=%zz").out())
                .startsWith("HTTP/1.1 400");
        assertThat(curl("--include", "http://127.0.0.1:" + server.httpPort() + "/continue", "--json", "{}").out())
                .startsWith("HTTP/1.1 415");
        assertThat(allowances.allows(account, CLIENT, "stolen.example")).isFalse();
    }

    @Test
    void formsOverEightKibibytesAreRefusedWith413WhetherDeclaredOrChunked() throws Exception {
        Path large = Files.writeString(directory.resolve("large-form"), "token=" + "a".repeat(PageRequests.MAX_BODY_BYTES));
        String url = "http://127.0.0.1:" + server.httpPort() + "/continue";

        assertThat(curl("--include", url, "--data-binary", "@" + large).out()).startsWith("HTTP/1.1 413");
        assertThat(curl("--include", url, "--header", "Transfer-Encoding: chunked", "--data-binary", "@" + large).out())
                .startsWith("HTTP/1.1 413");
    }

    @Test
    void aNameNobodyBlockedGetsThePlatformCertificateAndTheGenericPage() throws Exception {
        Path platformCa = Files.writeString(directory.resolve("platform.pem"), AccountCertificateAuthority.pem(authority.platformCertificate()));

        assertThat(curl("--cacert", download(account).toString(), "--resolve", resolve("unknown.example"), https("unknown.example", "/")).exit())
                .isEqualTo(60);
        Result page = curl("--cacert", platformCa.toString(), "--resolve", resolve("unknown.example"), https("unknown.example", "/"));
        assertThat(page.exit()).as(page.err()).isZero();
        assertThat(page.body()).contains("Not available", "unknown.example");

        Result noServerName = curl("--insecure", "https://127.0.0.1:" + server.httpsPort() + "/");
        assertThat(noServerName.exit()).as(noServerName.err()).isZero();
        assertThat(noServerName.body()).contains("Not available");
    }

    @Test
    void hostileHostHeadersAndServerNamesGetTheGenericPageOrCertificateAndNeverStopTheServer() throws Exception {
        String http = "http://127.0.0.1:" + server.httpPort() + "/";
        for (String host : List.of("<script>alert(1)</script>", "[::1]:80", "a..b", "blocked.example:99999", "x".repeat(300))) {
            Result page = curl("--header", "Host: " + host, http);
            assertThat(page.exit()).as(page.err()).isZero();
            assertThat(page.body()).as(host).contains("Not available").doesNotContain("<script>");
        }
        assertThat(curl("--include", "--header", "Host: " + "x".repeat(20_000), http).out()).as("headers too large")
                .startsWith("HTTP/1.1 431");

        String tooLong = String.join(".", "a".repeat(63), "a".repeat(63), "a".repeat(63), "a".repeat(62));
        for (String serverName : List.of("bad_name.example", "a..b", tooLong)) {
            Process openssl = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + server.httpsPort(),
                    "-servername", serverName).redirectErrorStream(true).start();
            openssl.getOutputStream().close();
            String output = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(openssl.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(output).as(serverName).doesNotContain(account.toString()).satisfiesAnyOf(
                    refused -> assertThat(refused).contains("no peer certificate available"),
                    platform -> assertThat(platform).contains("subject=CN = " + BlockPageServer.NO_SERVER_NAME,
                            "issuer=O = Parapet, CN = Parapet block pages platform"));
            System.out.println("openssl -servername " + serverName + ": " + output.lines().filter(line -> line.startsWith("subject=")
                    || line.contains("alert") || line.startsWith("no peer")).toList());
        }

        notices.record(new Notice(Kind.BLOCKED, account, CLIENT, "still.example", "Listed", "P", List.of(), Instant.now()));
        Result page = curl("--cacert", download(account).toString(), "--resolve", resolve("still.example"), https("still.example", "/"));
        assertThat(page.exit()).as(page.err()).isZero();
        assertThat(page.body()).contains("Blocked: still.example");
    }

    @Test
    void theCaCertificateIsForTheAccountsAdministratorsOnly() {
        String uri = "/api/v1/accounts/{a}/block-page/ca-certificate";
        TokenIssuer tokens = RealInfrastructure.get().tokens();

        api.get().uri(uri, account).exchange().expectStatus().isUnauthorized();
        api.get().uri(uri, account)
                .headers(h -> h.setBearerAuth(tokens.adminToken("a@other.example", UUID.randomUUID(), "SUPER_ADMIN", Duration.ofMinutes(5))))
                .exchange().expectStatus().isForbidden();
        api.get().uri(uri, account)
                .headers(h -> h.setBearerAuth(tokens.customRoleToken("w@example.com", account, List.of("gateway-policies:write"), Duration.ofMinutes(5))))
                .exchange().expectStatus().isForbidden();
        api.get().uri("/api/v1/accounts/not-a-uuid/block-page/ca-certificate")
                .headers(h -> h.setBearerAuth(tokens.adminToken("b@example.com", account, "BASIC_ADMIN", Duration.ofMinutes(5))))
                .exchange().expectStatus().isBadRequest();

        api.get().uri(uri, account)
                .headers(h -> h.setBearerAuth(tokens.customRoleToken("r@example.com", account, List.of("web-security:read"), Duration.ofMinutes(5))))
                .exchange()
                .expectStatus().isOk()
                .expectHeader().contentType(MediaType.parseMediaType("application/x-pem-file"))
                .expectHeader().valueEquals("Content-Disposition", "attachment; filename=\"parapet-" + account + "-ca.pem\"")
                .expectBody(String.class).isEqualTo(AccountCertificateAuthority.pem(authority.certificate(account)));
    }

    private Path download(UUID accountId) throws IOException {
        String token = RealInfrastructure.get().tokens().adminToken("admin@example.com", accountId, "BASIC_ADMIN", Duration.ofMinutes(5));
        String pem = api.get().uri("/api/v1/accounts/{a}/block-page/ca-certificate", accountId)
                .headers(h -> h.setBearerAuth(token)).exchange()
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
        return Files.writeString(directory.resolve(accountId + ".pem"), pem);
    }

    private String resolve(String name) {
        return name + ":" + server.httpsPort() + ":127.0.0.1";
    }

    private String https(String name, String path) {
        return "https://" + name + ":" + server.httpsPort() + path;
    }

    private static String token(Result page) {
        Matcher matcher = TOKEN.matcher(page.body());
        assertThat(matcher.find()).as("a Continue form in %s", page.body()).isTrue();
        return matcher.group(1);
    }

    private static String header(Result result, String name) {
        return result.out().lines().takeWhile(line -> !line.isEmpty())
                .filter(line -> line.toLowerCase().startsWith(name + ":"))
                .map(line -> line.substring(name.length() + 1).strip()).findFirst().orElse("");
    }

    private static Result curl(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("curl", "--silent", "--show-error", "--max-time", "15"));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
        String out = read(process.getInputStream());
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), out, err.get());
    }

    private static String read(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
