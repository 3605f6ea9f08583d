package dev.parapet.dns.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

import org.springframework.test.web.reactive.server.WebTestClient;

import dev.parapet.dns.explain.ExplainController;
import dev.parapet.stack.Dnsmasq;
import dev.parapet.stack.RealInfrastructure;
import dev.parapet.stack.TokenIssuer;
import dev.parapet.dns.policy.CategoryState;
import dev.parapet.dns.policy.ResolverState;
import dev.parapet.dns.transport.DohTlsServer;
import dev.parapet.dns.transport.UdpDnsServer;
import dev.parapet.kit.agents.AgentCredentialVerifier;
import dev.parapet.kit.testing.TestAgents;
import dev.parapet.kit.testing.TopicRecords;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.access.AccessRequest;
import dev.parapet.schemas.v1.access.AccessRequestStatus;
import dev.parapet.schemas.v1.access.AccessRequester;
import dev.parapet.schemas.v1.categories.Category;
import dev.parapet.schemas.v1.categories.CategoryAssignment;
import dev.parapet.schemas.v1.categories.CategoryCatalogue;
import dev.parapet.schemas.v1.categories.CategoryGroup;
import dev.parapet.schemas.v1.common.Scope;
import dev.parapet.schemas.v1.exceptions.AccountExceptions;
import dev.parapet.schemas.v1.keys.KeyStatus;
import dev.parapet.schemas.v1.locations.Location;
import dev.parapet.schemas.v1.policies.AdvancedSecurity;
import dev.parapet.schemas.v1.policies.BlockAllowList;
import dev.parapet.schemas.v1.policies.CategoryFiltering;
import dev.parapet.schemas.v1.policies.CategoryGroupSelection;
import dev.parapet.schemas.v1.policies.FilterAction;
import dev.parapet.schemas.v1.groups.ProfileGroup;
import dev.parapet.schemas.v1.policies.Policy;
import dev.parapet.schemas.v1.policies.PolicyType;
import dev.parapet.schemas.v1.policies.SelectionMode;
import dev.parapet.schemas.v1.tunnels.TunnelDetection;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;
import dev.parapet.stack.RealInfrastructure.WithRealInfrastructure;

/**
 * dns-service end to end: configured through the real topics, forwarding to a real dnsmasq, asked by
 * real clients nobody here wrote (dig, kdig over DoH, curl), over real sockets on loopback.
 */
@WithRealInfrastructure
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "parapet.dns.port=0", "parapet.dns.doh.port=0", "parapet.dns.dot.port=0", "parapet.dns.block-page-ipv4=192.0.2.100",
        "parapet.dns.block-page-ipv6=2001:db8::100", "parapet.dns.upstream-timeout=300ms",
        "parapet.dns.rate-limit.responses-per-second=200", "parapet.dns.rate-limit.slip=2"})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ResolverEndToEndTest {

    static final Path WORK = Path.of("target", "e2e-" + UUID.randomUUID()).toAbsolutePath();
    static final UUID ACCOUNT = UUID.randomUUID();
    static final UUID OFFICE = UUID.randomUUID();
    static final UUID BRANCH = UUID.randomUUID();
    static final UUID BUSY = UUID.randomUUID();
    static final String FROM_OFFICE = "127.0.41.5";
    static final String FROM_BRANCH = "127.0.43.5";
    static final String FROM_BUSY = "127.0.42.5";
    static final String BLOCK_PAGE = "192.0.2.100";

    static Dnsmasq dnsmasq;
    static int deadUpstreamPort;
    static TestAgents records;
    static String credential;
    static boolean configured;

    @Autowired
    UdpDnsServer udp;
    @Autowired
    DohTlsServer doh;
    @Autowired
    ResolverState state;
    @Autowired
    CategoryState categories;
    @Autowired
    AgentCredentialVerifier agents;
    @Autowired
    dev.parapet.dns.pages.BlockPageServer pages;
    @org.springframework.boot.test.web.server.LocalServerPort
    int httpPort;

    @BeforeAll
    static void startUpstream() throws Exception {
        String big = "x".repeat(200);
        dnsmasq = new Dnsmasq(WORK.resolve("dnsmasq"), List.of(
                "host-record=www.allowed.test,198.51.100.10",
                "host-record=www.cached.test,198.51.100.11",
                "host-record=www.fresh.test,198.51.100.12",
                "host-record=intranet.test,10.1.1.1",
                "host-record=blocked.test,198.51.100.66",
                "host-record=www.blocked.test,198.51.100.66",
                "host-record=tracker.blocked.test,198.51.100.67",
                "cname=alias.allowed.test,tracker.blocked.test",
                "host-record=intranet-app.blocked.test,10.20.30.40",
                "host-record=gamble.test,198.51.100.30",
                "host-record=social.test,198.51.100.20",
                "host-record=news.test,198.51.100.40",
                "host-record=later.test,198.51.100.41",
                "host-record=a1b2c3.t.tunnel.test,198.51.100.42",
                "host-record=xn--bcher-kva.test,198.51.100.50",
                "host-record=www.google.com,142.250.0.1",
                "host-record=forcesafesearch.google.com,216.239.38.120",
                "txt-record=big.allowed.test,\"" + big + "\",\"" + big + "\",\"" + big + "\""));
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            deadUpstreamPort = probe.getLocalPort();
        }
        records = new TestAgents();
    }

    @AfterAll
    static void stopUpstream() throws Exception {
        if (dnsmasq != null) {
            dnsmasq.close();
        }
        if (records != null) {
            records.close();
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        Files.createDirectories(WORK);
        Path key = WORK.resolve("doh-key.pem");
        Path certificate = WORK.resolve("doh-cert.pem");
        Cli.Result openssl = Cli.run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-keyout", key.toString(), "-out", certificate.toString(), "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1");
        assertThat(openssl.exitCode()).as(openssl.output()).isZero();
        registry.add("parapet.dns.doh.certificate", () -> certificate.toAbsolutePath().toString());
        registry.add("parapet.dns.doh.private-key", () -> key.toAbsolutePath().toString());
        // The first upstream answers nothing (no listener): every query fails over to dnsmasq.
        registry.add("parapet.dns.upstreams", () -> "127.0.0.1:" + deadUpstreamPort + ",127.0.0.1:" + dnsmasq.port());
    }

    private static Policy policy(String name, int priority, Scope scope, PolicyType type) {
        return Policy.newBuilder().setAccountId(ACCOUNT).setPolicyId(UUID.randomUUID()).setName(name).setVersion(1)
                .setPriority(priority).setScope(scope).setType(type).setUpdatedBy("test").setUpdatedAt(Instant.now()).build();
    }

    private static Scope everyone() {
        return new Scope(true, List.of(), List.of(), List.of());
    }

    private static void publishPolicy(Policy policy) throws Exception {
        records.publish(Topics.POLICIES.name(), ACCOUNT + "/" + policy.getPolicyId(), policy);
    }

    private static void location(UUID id, String name, String cidr) throws Exception {
        records.publish(Topics.LOCATIONS.name(), ACCOUNT + "/" + id, Location.newBuilder().setAccountId(ACCOUNT)
                .setLocationId(id).setName(name).setVersion(1).setCidrs(List.of(cidr)).setUpdatedBy("test")
                .setUpdatedAt(Instant.now()).build());
    }

    private static Category category(String id, String name, boolean security) {
        return new Category(id, name, "", security);
    }

    void configure() throws Exception {
        if (configured) {
            return;
        }
        records.publish(Topics.CATEGORY_CATALOGUE.name(), "catalogue", CategoryCatalogue.newBuilder().setVersion(1)
                .setGroups(List.of(
                        new CategoryGroup("security", "Security", "", List.of(category("phishing", "Phishing", true),
                                category("anonymizers", "Anonymizers", true))),
                        new CategoryGroup("liability", "Legal liability", "", List.of(category("gambling", "Gambling", false))),
                        new CategoryGroup("productivity", "Productivity", "", List.of(category("social-networking", "Social networking", false)))))
                .setUpdatedAt(Instant.now()).build());
        records.publish(Topics.DOMAIN_CATEGORIES.name(), "gamble.test", new CategoryAssignment("gamble.test", List.of("gambling"), Instant.now()));
        records.publish(Topics.DOMAIN_CATEGORIES.name(), "social.test", new CategoryAssignment("social.test", List.of("social-networking"), Instant.now()));
        location(OFFICE, "Office", "127.0.41.0/24");
        location(BRANCH, "Branch", "127.0.43.0/24");
        location(BUSY, "Busy", "127.0.42.0/24");
        Policy lists = policy("Blocked sites", 100, everyone(), PolicyType.BLOCK_ALLOW_LIST);
        lists.setBlockAllowList(new BlockAllowList(List.of("blocked.test", "xn--bcher-kva.test"), List.of()));
        publishPolicy(lists);
        Policy aliceOnly = policy("Alice's list", 100, new Scope(false, List.of("alice@corp.test"), List.of(), List.of()),
                PolicyType.BLOCK_ALLOW_LIST);
        aliceOnly.setBlockAllowList(new BlockAllowList(List.of("news.test"), List.of()));
        publishPolicy(aliceOnly);
        UUID newsroom = UUID.randomUUID();
        records.publish(Topics.PROFILE_GROUPS.name(), ACCOUNT + "/" + newsroom, ProfileGroup.newBuilder().setAccountId(ACCOUNT)
                .setGroupId(newsroom).setName("Editors").setVersion(1).setDirectoryGroups(List.of("newsroom"))
                .setUpdatedBy("test").setUpdatedAt(Instant.now()).build());
        Policy editors = policy("Editors' list", 100, new Scope(false, List.of(), List.of(newsroom), List.of()),
                PolicyType.BLOCK_ALLOW_LIST);
        editors.setBlockAllowList(new BlockAllowList(List.of("news.test"), List.of()));
        publishPolicy(editors);
        Policy gambling = policy("No gambling", 100, everyone(), PolicyType.CATEGORY_FILTERING);
        gambling.setCategoryFiltering(new CategoryFiltering(List.of(new CategoryGroupSelection("liability", SelectionMode.ALL, List.of())),
                FilterAction.BLOCK));
        publishPolicy(gambling);
        Policy warnSocial = policy("Think twice", 100, new Scope(false, List.of(), List.of(), List.of(BRANCH)),
                PolicyType.CATEGORY_FILTERING);
        warnSocial.setCategoryFiltering(new CategoryFiltering(List.of(
                new CategoryGroupSelection("productivity", SelectionMode.CUSTOM, List.of("social-networking"))), FilterAction.WARN));
        publishPolicy(warnSocial);
        Policy safe = policy("Safe search", 100, everyone(), PolicyType.ADVANCED_SECURITY);
        safe.setAdvancedSecurity(new AdvancedSecurity(true, true, true));
        publishPolicy(safe);
        records.publish(Topics.EXCEPTIONS.name(), ACCOUNT.toString(), AccountExceptions.newBuilder().setAccountId(ACCOUNT)
                .setVersion(1).setDomains(List.of("intranet.test")).setIpRanges(List.of("10.20.30.0/24"))
                .setUpdatedBy("test").setUpdatedAt(Instant.now()).build());
        records.key(ACCOUNT, 1, KeyStatus.ACTIVE);
        credential = records.agent(ACCOUNT, UUID.randomUUID(), 1);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!(dig(FROM_BRANCH, "social.test").contains(BLOCK_PAGE) && dig(FROM_OFFICE, "gamble.test").contains(BLOCK_PAGE)
                && agents.verify(credential).isPresent())) {
            assertThat(System.nanoTime()).as("configuration applied").isLessThan(deadline);
            Thread.sleep(100);
        }
        configured = true;
    }

    String dig(String from, String... query) throws Exception {
        return Cli.dig(from, udp.port(), query);
    }

    String shortA(String from, String name) throws Exception {
        return dig(from, "+short", name, "A").strip();
    }

    @Test
    @Order(1)
    void blockedSubdomainsExceptionsAndAllowedNames() throws Exception {
        configure();
        String blocked = dig(FROM_OFFICE, "blocked.test", "A");
        assertThat(blocked).contains("status: NOERROR").contains("blocked.test.\t\t60\tIN\tA\t" + BLOCK_PAGE)
                .contains("EDE: 15 (Blocked)").contains("Blocked sites");
        assertThat(shortA(FROM_OFFICE, "www.BLOCKED.test")).as("a subdomain, any case").isEqualTo(BLOCK_PAGE);
        assertThat(dig(FROM_OFFICE, "+short", "blocked.test", "AAAA").strip()).isEqualTo("2001:db8::100");
        String mx = dig(FROM_OFFICE, "blocked.test", "MX");
        assertThat(mx).as("other types: NODATA").contains("status: NOERROR").contains("ANSWER: 0");
        assertThat(dig(FROM_OFFICE, "+short", "+idnin", "bücher.test").strip()).as("an IDN, blocked by its punycode").isEqualTo(BLOCK_PAGE);
        assertThat(shortA(FROM_OFFICE, "www.allowed.test")).isEqualTo("198.51.100.10");
        assertThat(shortA(FROM_OFFICE, "intranet.test")).as("a domain exception").isEqualTo("10.1.1.1");
        assertThat(shortA(FROM_OFFICE, "intranet-app.blocked.test")).as("an IP exception lifts the block")
                .isEqualTo("10.20.30.40");
    }

    @Test
    @Order(2)
    void categoriesWarningsSafeSearchAndCnames() throws Exception {
        configure();
        assertThat(dig(FROM_OFFICE, "gamble.test", "A")).contains(BLOCK_PAGE).contains("EDE: 17 (Filtered)")
                .contains("Gambling").contains("No gambling");
        assertThat(shortA(FROM_OFFICE, "social.test")).as("WARN applies to the branch only").isEqualTo("198.51.100.20");
        assertThat(dig(FROM_BRANCH, "social.test", "A")).contains(BLOCK_PAGE).contains("Warned by Parapet policy 'Think twice'");
        // The user's browser, sent to the page's address, gets the warning page, and chooses Continue.
        String resolve = "social.test:" + pages.httpPort() + ":127.0.0.1";
        String page = Cli.run("curl", "--silent", "--interface", FROM_BRANCH, "--resolve", resolve,
                "http://social.test:" + pages.httpPort() + "/").output();
        assertThat(page).contains("social.test").contains("Think twice").contains("Social networking");
        java.util.regex.Matcher token = java.util.regex.Pattern.compile("name=\"token\" value=\"([^\"]+)\"").matcher(page);
        assertThat(token.find()).as(page).isTrue();
        Cli.Result continued = Cli.run("curl", "--silent", "--include", "--interface", FROM_BRANCH, "--resolve", resolve,
                "--data-urlencode", "token=" + token.group(1), "http://social.test:" + pages.httpPort() + "/continue");
        assertThat(continued.output()).startsWith("HTTP/1.1 200").containsIgnoringCase("set-cookie: parapet-continue=");
        assertThat(shortA(FROM_BRANCH, "social.test")).as("after Continue").isEqualTo("198.51.100.20");
        assertThat(shortA("127.0.43.6", "social.test")).as("another client is still warned").isEqualTo(BLOCK_PAGE);

        assertThat(dig(FROM_OFFICE, "+short", "www.google.com", "A").strip().lines().toList())
                .containsExactly("forcesafesearch.google.com.", "216.239.38.120");
        String viaCname = dig(FROM_OFFICE, "alias.allowed.test", "A");
        assertThat(viaCname).as("a CNAME to a blocked name").contains(BLOCK_PAGE).contains("via CNAME");
    }

    @Test
    @Order(3)
    void sourcesOutsideEveryLocationAreRefused() throws Exception {
        configure();
        assertThat(dig("127.0.99.1", "www.allowed.test", "A")).contains("status: REFUSED");
        assertThat(Cli.run("dig", "+tcp", "-b", "127.0.99.1", "@127.0.0.1", "-p", String.valueOf(udp.port()), "+tries=1",
                "www.allowed.test").output()).as("over TCP too").contains("status: REFUSED");
    }

    @Test
    @Order(4)
    void tcpTruncationAndFallback() throws Exception {
        configure();
        String truncated = dig(FROM_OFFICE, "+ignore", "+noedns", "big.allowed.test", "TXT");
        assertThat(truncated).contains("flags: qr tc");
        String full = dig(FROM_OFFICE, "+noedns", "big.allowed.test", "TXT");
        assertThat(full).as("dig retried over TCP").contains("Truncated, retrying in TCP mode").contains("ANSWER: 1")
                .contains("x".repeat(200));
        assertThat(Cli.run("dig", "+tcp", "-b", FROM_OFFICE, "@127.0.0.1", "-p", String.valueOf(udp.port()), "+short",
                "blocked.test").output().strip()).isEqualTo(BLOCK_PAGE);
    }

    @Test
    @Order(5)
    void answersAreCachedForTheirTtl() throws Exception {
        configure();
        long before = dnsmasq.queriesFor("www.cached.test");
        String first = dig(FROM_OFFICE, "+noall", "+answer", "www.cached.test", "A");
        Thread.sleep(1_100);
        String second = dig(FROM_OFFICE, "+noall", "+answer", "www.cached.test", "A");
        assertThat(dnsmasq.queriesFor("www.cached.test") - before).as("the second answer came from the cache").isEqualTo(1);
        assertThat(ttl(first)).isEqualTo(300);
        assertThat(ttl(second)).as("counted down").isLessThan(300).isGreaterThan(290);
        String otherCase = dig(FROM_OFFICE, "+noall", "+question", "+answer", "+noedns", "WWW.Cached.TEST", "A");
        assertThat(otherCase).as("a cached answer echoes this query's question, without EDNS as asked")
                .contains(";WWW.Cached.TEST.").contains("198.51.100.11");
        assertThat(dnsmasq.queriesFor("www.cached.test") - before).isEqualTo(1);
    }

    private static long ttl(String answerLine) {
        return Long.parseLong(answerLine.strip().split("\\s+")[1]);
    }

    @Test
    @Order(6)
    void dnsOverHttpsForAgentsAndTheirUsers() throws Exception {
        configure();
        String url = "/dns-query/" + credential;
        Cli.Result blocked = Cli.run("kdig", "@127.0.0.1", "-p", String.valueOf(doh.port()), "+https=" + url, "blocked.test", "A");
        assertThat(blocked.output()).as(blocked.output()).contains("HTTP/2").contains(BLOCK_PAGE);
        Cli.Result allowed = Cli.run("kdig", "@127.0.0.1", "-p", String.valueOf(doh.port()), "+https=" + url, "+https-get",
                "news.test", "A");
        assertThat(allowed.output()).contains("198.51.100.40");
        // Alice's own Block List applies when her identity provider's token says it is her; her name alone is not trusted.
        var tokens = RealInfrastructure.get().tokens();
        String alice = tokens.userToken("Alice@corp.test", ACCOUNT, List.of(), Duration.ofMinutes(5));
        assertThat(dohAnswer(url, "X-Parapet-User-Token: " + alice)).as("Alice's verified token").isEqualTo(BLOCK_PAGE);
        assertThat(dohAnswer(url, "X-Parapet-User: alice@corp.test")).as("a self-asserted user is ignored").isEqualTo("198.51.100.40");
        String foreign = tokens.userToken("alice@corp.test", UUID.randomUUID(), List.of(), Duration.ofMinutes(5));
        assertThat(dohAnswer(url, "X-Parapet-User-Token: " + foreign)).as("a user of another account").isEqualTo("198.51.100.40");
        String expired = tokens.userToken("alice@corp.test", ACCOUNT, List.of(), Duration.ofMinutes(-2));
        assertThat(dohAnswer(url, "X-Parapet-User-Token: " + expired)).as("an expired token").isEqualTo("198.51.100.40");
        String forged = TokenIssuer.inDirectory(WORK.resolve("forger")).userToken("alice@corp.test", ACCOUNT, List.of(), Duration.ofMinutes(5));
        assertThat(dohAnswer(url, "X-Parapet-User-Token: " + forged)).as("a token signed by another key").isEqualTo("198.51.100.40");
        // A profile group naming a directory group: its members (by their token's groups claim) get the group's policy.
        String bobInNewsroom = tokens.userToken("bob@corp.test", ACCOUNT, List.of("newsroom"), Duration.ofMinutes(5));
        String bobElsewhere = tokens.userToken("bob@corp.test", ACCOUNT, List.of("sales"), Duration.ofMinutes(5));
        assertThat(dohAnswer(url, "X-Parapet-User-Token: " + bobInNewsroom)).as("a member of the directory group").isEqualTo(BLOCK_PAGE);
        assertThat(dohAnswer(url, "X-Parapet-User-Token: " + bobElsewhere)).as("not a member").isEqualTo("198.51.100.40");
        assertThat(Cli.run("curl", "--silent", "http://127.0.0.1:" + httpPort + "/actuator/prometheus").output())
                .containsPattern("parapet_dns_user_tokens_total\\{[^}]*outcome=\"asserted_ignored\"\\} [1-9]")
                .containsPattern("parapet_dns_user_tokens_total\\{[^}]*outcome=\"foreign_account\"\\} [1-9]")
                .containsPattern("parapet_dns_user_tokens_total\\{[^}]*outcome=\"refused\"\\} [2-9]");

        Cli.Result noCredential = Cli.run("curl", "--silent", "--insecure", "-o", "/dev/null", "-w", "%{http_code}",
                "https://127.0.0.1:" + doh.port() + "/dns-query?dns=AAABAAABAAAAAAAAB2V4YW1wbGUDY29tAAABAAE");
        assertThat(noCredential.output()).isEqualTo("401");
        Path huge = Files.write(WORK.resolve("huge.bin"), new byte[70_000]);
        Cli.Result tooLarge = Cli.run("curl", "--silent", "--insecure", "-o", "/dev/null", "-w", "%{http_code}",
                "-H", "Content-Type: application/dns-message", "--data-binary", "@" + huge, "https://127.0.0.1:" + doh.port() + url);
        assertThat(tooLarge.output()).isEqualTo("413");
    }

    /** The A record dns-service answers for news.test over DoH (POST, curl) with one extra request header. */
    private String dohAnswer(String url, String header) throws Exception {
        Path query = WORK.resolve("news-query.bin");
        Files.write(query, Message.newQuery(Record.newRecord(Name.fromString("news.test."), Type.A, 1)).toWire());
        Path answer = WORK.resolve("news-answer.bin");
        Files.deleteIfExists(answer);
        Cli.Result result = Cli.run("curl", "--silent", "--show-error", "--insecure", "--fail", "-o", answer.toString(),
                "-H", "Content-Type: application/dns-message", "-H", header,
                "--data-binary", "@" + query, "https://127.0.0.1:" + doh.port() + url);
        assertThat(result.exitCode()).as(result.output()).isZero();
        return new Message(Files.readAllBytes(answer)).getSection(org.xbill.DNS.Section.ANSWER).get(0).rdataToString();
    }

    @Test
    @Order(7)
    void aRevokedAgentIsRefusedWithinASecond() throws Exception {
        configure();
        UUID account = UUID.randomUUID();
        records.key(account, 1, KeyStatus.ACTIVE);
        String doomed = records.agent(account, UUID.randomUUID(), 1);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (agents.verify(doomed).isEmpty()) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(20);
        }
        String[] kdig = {"kdig", "@127.0.0.1", "-p", String.valueOf(doh.port()), "+https=/dns-query/" + doomed, "www.allowed.test"};
        assertThat(Cli.run(kdig).output()).contains("198.51.100.10");
        long revoked = System.nanoTime();
        records.key(account, 1, KeyStatus.REVOKED);
        while (Cli.run(kdig).output().contains("198.51.100.10")) {
            assertThat(System.nanoTime() - revoked).as("refused within 5 s").isLessThan(TimeUnit.SECONDS.toNanos(5));
            Thread.sleep(20);
        }
        System.out.println("revoked agent refused over DoH " + (System.nanoTime() - revoked) / 1_000_000
                + " ms after the key's deletion was published");
    }

    @Test
    @Order(8)
    void aPolicyChangeIsEnforcedWithoutARestart() throws Exception {
        configure();
        assertThat(shortA(FROM_OFFICE, "later.test")).isEqualTo("198.51.100.41");
        Policy later = policy("Added later", 50, everyone(), PolicyType.BLOCK_ALLOW_LIST);
        later.setBlockAllowList(new BlockAllowList(List.of("later.test"), List.of()));
        long published = System.nanoTime();
        publishPolicy(later);
        while (!shortA(FROM_OFFICE, "later.test").equals(BLOCK_PAGE)) {
            assertThat(System.nanoTime() - published).isLessThan(TimeUnit.SECONDS.toNanos(10));
            Thread.sleep(10);
        }
        System.out.println("policy change enforced " + (System.nanoTime() - published) / 1_000_000 + " ms after its record was written");
    }

    @Test
    @Order(8)
    void aDetectedTunnelIsBlockedWhileItsDetectionHolds() throws Exception {
        configure();
        String name = "a1b2c3.t.tunnel.test";
        assertThat(shortA(FROM_OFFICE, name)).isEqualTo("198.51.100.42");
        String key = ACCOUNT + "/tunnel.test";
        long published = System.nanoTime();
        records.publish(Topics.TUNNEL_DETECTIONS.name(), key, TunnelDetection.newBuilder().setAccountId(ACCOUNT)
                .setRegisteredDomain("tunnel.test").setFirstSeen(Instant.now()).setLastSeen(Instant.now())
                .setActiveMillis(Duration.ofMinutes(15).toMillis()).setReasons(List.of("test")).setLastClient("address " + FROM_OFFICE)
                .build());
        while (!shortA(FROM_OFFICE, name).equals(BLOCK_PAGE)) {
            assertThat(System.nanoTime() - published).as("the detection enforced").isLessThan(TimeUnit.SECONDS.toNanos(10));
            Thread.sleep(20);
        }
        System.out.println("tunnel detection enforced " + (System.nanoTime() - published) / 1_000_000 + " ms after its record");
        assertThat(dig(FROM_OFFICE, name, "A")).contains("EDE: 15 (Blocked)").contains("Safe search").contains("DNS tunnel detected");
        assertThat(shortA(FROM_OFFICE, "www.allowed.test")).as("another domain").isEqualTo("198.51.100.10");

        records.publish(Topics.TUNNEL_DETECTIONS.name(), key, null);
        published = System.nanoTime();
        while (!shortA(FROM_OFFICE, name).equals("198.51.100.42")) {
            assertThat(System.nanoTime() - published).as("the end of the detection enforced").isLessThan(TimeUnit.SECONDS.toNanos(10));
            Thread.sleep(20);
        }
    }

    @Test
    @Order(2)
    void anApprovedAccessRequestAllowsTheNameToItsRequesterOnlyUntilItIsDeclined() throws Exception {
        configure();
        assertThat(dig(FROM_OFFICE, "www.blocked.test", "A")).contains(BLOCK_PAGE);
        // Approved for this office client's address (a port-53 client with no user), and for alice wherever she is.
        AccessRequest forAddress = approved("blocked.test", new AccessRequester(null, null, FROM_OFFICE, OFFICE));
        AccessRequest forAlice = approved("news.test", new AccessRequester("alice@corp.test", null, FROM_OFFICE, OFFICE));
        long published = System.nanoTime();
        records.publish(Topics.ACCESS_REQUESTS.name(), ACCOUNT + "/" + forAddress.getRequestId(), forAddress);
        records.publish(Topics.ACCESS_REQUESTS.name(), ACCOUNT + "/" + forAlice.getRequestId(), forAlice);
        while (dig(FROM_OFFICE, "www.blocked.test", "A").contains(BLOCK_PAGE)) {
            assertThat(System.nanoTime() - published).as("the approval enforced").isLessThan(TimeUnit.SECONDS.toNanos(10));
            Thread.sleep(20);
        }
        System.out.println("access request approval enforced " + (System.nanoTime() - published) / 1_000_000 + " ms after its record");
        assertThat(dig(FROM_OFFICE, "www.blocked.test", "A")).doesNotContain("EDE: 15");
        assertThat(dig("127.0.41.6", "www.blocked.test", "A")).as("another client of the same office").contains(BLOCK_PAGE);
        assertThat(dig(FROM_OFFICE, "gamble.test", "A")).as("another blocked name").contains(BLOCK_PAGE);

        String admin = RealInfrastructure.get().tokens().adminToken("admin@corp.test", ACCOUNT, "BASIC_ADMIN", Duration.ofMinutes(5));
        ExplainController.Explanation alice = explain(admin, "name=news.test&user=alice@corp.test", 200);
        assertThat(alice.action()).isEqualTo("ALLOWED");
        assertThat(alice.reason()).isEqualTo("ACCESS_REQUEST");
        assertThat(alice.note()).contains("Alice's list", "alice@corp.test", forAlice.getRequestId().toString());
        assertThat(explain(admin, "name=news.test&user=bob@corp.test", 200).reason()).isNotEqualTo("ACCESS_REQUEST");

        // Declined (ended early): stopped again. (Both end here, whatever happened above: the other tests share the resolver.)
        for (AccessRequest approval : List.of(forAddress, forAlice)) {
            AccessRequest ended = AccessRequest.newBuilder(approval).setStatus(AccessRequestStatus.DECLINED).setAllowUntil(Instant.now())
                    .setVersion(3).build();
            records.publish(Topics.ACCESS_REQUESTS.name(), ACCOUNT + "/" + ended.getRequestId(), ended);
        }
        published = System.nanoTime();
        while (!dig(FROM_OFFICE, "www.blocked.test", "A").contains(BLOCK_PAGE)
                || !"BLOCKED".equals(explain(admin, "name=news.test&user=alice@corp.test", 200).action())) {
            assertThat(System.nanoTime() - published).as("the end enforced").isLessThan(TimeUnit.SECONDS.toNanos(10));
            Thread.sleep(20);
        }
    }

    private static AccessRequest approved(String name, AccessRequester requester) {
        return AccessRequest.newBuilder().setAccountId(ACCOUNT).setRequestId(UUID.randomUUID()).setName(name).setReason("work")
                .setRequester(requester).setPolicyName("Blocked sites").setRequestedAt(Instant.now().minusSeconds(60))
                .setStatus(AccessRequestStatus.APPROVED).setDecidedBy("admin@corp.test").setDecidedAt(Instant.now())
                .setAllowUntil(Instant.now().plus(Duration.ofHours(1))).setVersion(2).build();
    }

    @Test
    @Order(9)
    void verdictsFollowTheLogSettings() throws Exception {
        configure();
        dig(FROM_OFFICE, "blocked.test", "A");
        dig(FROM_OFFICE, "intranet.test", "A");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        List<DnsVerdict> verdicts = List.of();
        while (verdicts.stream().noneMatch(v -> v.getQueryName().equals("blocked.test"))) {
            assertThat(System.nanoTime()).as("a verdict for blocked.test").isLessThan(deadline);
            Thread.sleep(200);
            verdicts = TopicRecords.valuesFor(Topics.VERDICTS.name(), ACCOUNT.toString());
        }
        assertThat(verdicts).as("a domain exception is never logged").noneMatch(v -> v.getQueryName().equals("intranet.test"));
        assertThat(verdicts).filteredOn(v -> v.getQueryName().equals("blocked.test") && v.getTransport().name().equals("UDP"))
                .isNotEmpty().allSatisfy(verdict -> {
            assertThat(verdict.getAction().name()).isEqualTo("BLOCKED");
            assertThat(verdict.getReason().name()).isEqualTo("BLOCK_LIST");
            assertThat(verdict.getLocationId()).isEqualTo(OFFICE);
            assertThat(verdict.getPolicyId()).isNotNull();
        });
        assertThat(verdicts).as("DoH verdicts name the agent").anyMatch(v -> v.getTransport().name().equals("DOH")
                && v.getAgentId() != null && v.getLocationId() == null);
    }

    @Test
    @Order(10)
    void malformedInputAndRateLimits() throws Exception {
        configure();
        try (Socket tcp = new Socket(InetAddress.getByName("127.0.0.1"), udp.port())) {
            tcp.getOutputStream().write(new byte[] {0, 5, 1, 2, 3, 4, 5});
            tcp.setSoTimeout(3_000);
            byte[] reply = tcp.getInputStream().readNBytes(2);
            assertThat(reply).as("a 5-byte frame is no query: nothing, or the connection closed").isEmpty();
        } catch (SocketTimeoutException | java.net.SocketException expected) {
            // no answer at all is as good
        }
        int sent = 3_000;
        int answered = 0;
        int truncated = 0;
        long started = System.nanoTime();
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(FROM_BUSY, 0))) {
            socket.setSoTimeout(500);
            byte[] query = Message.newQuery(Record.newRecord(Name.fromString("www.allowed.test."), Type.A, 1)).toWire();
            for (int i = 0; i < sent; i++) {
                socket.send(new DatagramPacket(query, query.length, InetAddress.getByName("127.0.0.1"), udp.port()));
            }
            try {
                while (true) {
                    DatagramPacket reply = new DatagramPacket(new byte[512], 512);
                    socket.receive(reply);
                    if ((reply.getData()[2] & 0x02) != 0) {
                        truncated++;
                    } else {
                        answered++;
                    }
                }
            } catch (SocketTimeoutException done) {
                // all that will come has come
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("rate limit: %d sent from one /24 in %.2f s: %d answered, %d truncated%n", sent, seconds, answered, truncated);
        assertThat(answered).as("at most a second's worth plus the refill").isLessThanOrEqualTo((int) (200 + 200 * seconds) + 1);
        assertThat(truncated).as("some slipped through truncated").isPositive();
        assertThat(answered + truncated).isLessThan(sent);
        assertThat(shortA(FROM_OFFICE, "www.allowed.test")).as("other sources are served").isEqualTo("198.51.100.10");
    }

    @Test
    @Order(10)
    void explainTellsWhichRuleDecides() throws Exception {
        configure();
        String admin = RealInfrastructure.get().tokens().adminToken("admin@corp.test", ACCOUNT, "BASIC_ADMIN", Duration.ofMinutes(5));
        ExplainController.Explanation blocked = explain(admin, "name=WWW.Blocked.test.", 200);
        assertThat(blocked.action()).isEqualTo("BLOCKED");
        assertThat(blocked.reason()).isEqualTo("BLOCK_LIST");
        assertThat(blocked.policyName()).isEqualTo("Blocked sites");
        assertThat(blocked.matchedDomain()).isEqualTo("blocked.test");
        assertThat(blocked.appliedVia()).isEqualTo("everyone");
        ExplainController.Explanation alice = explain(admin, "name=news.test&user=alice@corp.test", 200);
        assertThat(alice.action()).isEqualTo("BLOCKED");
        assertThat(alice.appliedVia()).isEqualTo("user");
        ExplainController.Explanation social = explain(admin, "name=social.test&location=" + BRANCH, 200);
        assertThat(social.action()).isEqualTo("WARNED");
        assertThat(social.categories()).containsExactly("Social networking");
        assertThat(social.appliedVia()).isEqualTo("location");
        assertThat(explain(admin, "name=intranet.test", 200).reason()).isEqualTo("DOMAIN_EXCEPTION");
        explain(admin, "name=" + "a".repeat(300), 400);
        explain(admin, "name=x.test&location=" + UUID.randomUUID(), 400);
        String other = RealInfrastructure.get().tokens().adminToken("admin@other.test", UUID.randomUUID(), "SUPER_ADMIN", Duration.ofMinutes(5));
        explain(other, "name=blocked.test", 403);
    }

    private ExplainController.Explanation explain(String token, String query, int status) {
        var spec = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + httpPort).build().get()
                .uri("/api/v1/accounts/" + ACCOUNT + "/dns/explain?" + query).headers(h -> h.setBearerAuth(token)).exchange()
                .expectStatus().isEqualTo(status);
        if (status != 200) {
            spec.expectBody().consumeWith(body -> { });
            return null;
        }
        return spec.expectBody(ExplainController.Explanation.class).returnResult().getResponseBody();
    }

    @Test
    @Order(11)
    void upstreamDown() throws Exception {
        configure();
        assertThat(shortA(FROM_OFFICE, "www.fresh.test")).as("the dead first upstream failed over").isEqualTo("198.51.100.12");
        dnsmasq.close();
        assertThat(shortA(FROM_OFFICE, "www.fresh.test")).as("cached still answers").isEqualTo("198.51.100.12");
        assertThat(dig(FROM_OFFICE, "never-asked.test", "A")).as("no upstream left: SERVFAIL").contains("status: SERVFAIL");
        dnsmasq = null;
    }
}
