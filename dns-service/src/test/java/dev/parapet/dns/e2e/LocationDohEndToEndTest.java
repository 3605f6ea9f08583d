package dev.parapet.dns.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import dev.parapet.dns.policy.ResolverState;
import dev.parapet.dns.transport.DohTlsServer;
import dev.parapet.kit.agents.AgentCredentialVerifier;
import dev.parapet.kit.net.LocationEndpoints;
import dev.parapet.kit.secrets.Secrets;
import dev.parapet.kit.testing.TestAgents;
import dev.parapet.kit.testing.TopicRecords;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.common.Scope;
import dev.parapet.schemas.v1.keys.KeyStatus;
import dev.parapet.schemas.v1.locations.EncryptedDns;
import dev.parapet.schemas.v1.locations.Location;
import dev.parapet.schemas.v1.policies.BlockAllowList;
import dev.parapet.schemas.v1.policies.Policy;
import dev.parapet.schemas.v1.policies.PolicyType;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;
import dev.parapet.stack.Dnsmasq;
import dev.parapet.stack.RealInfrastructure.WithRealInfrastructure;

/**
 * A location without a static address, reached on its own DoH path ({@code /dns-query/l/<secret>}): configured
 * through the real topics, asked by real clients (curl, kdig) over real TLS and HTTP on loopback, forwarding to a
 * real dnsmasq. Its location policy applies there (and not to an agent of the same account), a rotated-out
 * secret and garbage get 404, and the verdicts name the location.
 */
@WithRealInfrastructure
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "parapet.dns.port=0", "parapet.dns.doh.port=0", "parapet.dns.dot.port=0", "parapet.dns.block-page-ipv4=192.0.2.100",
        "parapet.dns.block-page-ipv6=2001:db8::100", "parapet.dns.upstream-timeout=500ms"})
class LocationDohEndToEndTest {

    static final Path WORK = Path.of("target", "e2e-location-" + UUID.randomUUID()).toAbsolutePath();
    static final UUID ACCOUNT = UUID.randomUUID();
    static final UUID HOME = UUID.randomUUID();
    static final String BLOCK_PAGE = "192.0.2.100";

    static Dnsmasq dnsmasq;
    static TestAgents records;

    @Autowired
    DohTlsServer doh;
    @Autowired
    dev.parapet.dns.transport.DotServer dot;
    @Autowired
    ResolverState state;
    @Autowired
    AgentCredentialVerifier agents;
    @LocalServerPort
    int httpPort;

    @BeforeAll
    static void startUpstream() throws Exception {
        dnsmasq = new Dnsmasq(WORK.resolve("dnsmasq"), List.of("host-record=games.test,198.51.100.70",
                "host-record=www.allowed.test,198.51.100.10"));
        records = new TestAgents();
    }

    @AfterAll
    static void stop() throws Exception {
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
        registry.add("parapet.dns.doh.certificate", () -> certificate.toString());
        registry.add("parapet.dns.doh.private-key", () -> key.toString());
        registry.add("parapet.dns.upstreams", () -> "127.0.0.1:" + dnsmasq.port());
    }

    /** The location as settings-service writes it: no range, its endpoints' verifier (never the secret). */
    private static void publishHome(long version, String secret) throws Exception {
        publishHome(version, secret, LocationEndpoints.newLabel());
    }

    private static void publishHome(long version, String secret, String dotLabel) throws Exception {
        records.publish(Topics.LOCATIONS.name(), ACCOUNT + "/" + HOME, Location.newBuilder().setAccountId(ACCOUNT)
                .setLocationId(HOME).setName("Home office").setVersion(version).setCidrs(List.of()).setUpdatedBy("test")
                .setUpdatedAt(Instant.now())
                .setEncryptedDns(new EncryptedDns(Secrets.verifier(secret), dotLabel, Instant.now())).build());
    }

    private String tls(String path) {
        return "https://127.0.0.1:" + doh.port() + path;
    }

    /** POSTs a query for the name with curl; the first answer's data, or the HTTP status when it is not 200. */
    private static String post(String url, String name) throws Exception {
        Path query = WORK.resolve("query-" + UUID.randomUUID() + ".bin");
        Files.write(query, Message.newQuery(Record.newRecord(Name.fromString(name + "."), Type.A, 1)).toWire());
        Path answer = WORK.resolve("answer-" + UUID.randomUUID() + ".bin");
        Cli.Result result = Cli.run("curl", "--silent", "--show-error", "--insecure", "-o", answer.toString(), "-w", "%{http_code}",
                "-H", "Content-Type: application/dns-message", "--data-binary", "@" + query, url);
        if (!result.output().equals("200")) {
            return result.output();
        }
        return new Message(Files.readAllBytes(answer)).getSection(Section.ANSWER).get(0).rdataToString();
    }

    @Test
    void theLocationsDohPathAppliesItsPoliciesUntilRotatedAndAnythingElseIsNotFound() throws Exception {
        String secret = LocationEndpoints.newSecret();
        String label = LocationEndpoints.newLabel();
        publishHome(1, secret, label);
        Policy homeOnly = Policy.newBuilder().setAccountId(ACCOUNT).setPolicyId(UUID.randomUUID()).setName("No games at home")
                .setVersion(1).setPriority(100).setScope(new Scope(false, List.of(), List.of(), List.of(HOME)))
                .setType(PolicyType.BLOCK_ALLOW_LIST).setBlockAllowList(new BlockAllowList(List.of("games.test"), List.of()))
                .setUpdatedBy("test").setUpdatedAt(Instant.now()).build();
        records.publish(Topics.POLICIES.name(), ACCOUNT + "/" + homeOnly.getPolicyId(), homeOnly);
        records.key(ACCOUNT, 1, KeyStatus.ACTIVE);
        String agent = records.agent(ACCOUNT, UUID.randomUUID(), 1);
        String path = LocationEndpoints.DOH_PATH_PREFIX + secret;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!(post(tls(path), "games.test").equals(BLOCK_PAGE) && agents.verify(agent).isPresent())) {
            assertThat(System.nanoTime()).as("configuration applied").isLessThan(deadline);
            Thread.sleep(100);
        }

        // The location's policy applies on its path, over TLS (curl POST, kdig GET) and on the service's HTTP port ...
        assertThat(post(tls(path), "www.allowed.test")).isEqualTo("198.51.100.10");
        Cli.Result kdig = Cli.run("kdig", "@127.0.0.1", "-p", String.valueOf(doh.port()), "+https=" + path, "+https-get",
                "games.test", "A");
        assertThat(kdig.output()).as(kdig.output()).contains("HTTP/2").contains(BLOCK_PAGE);
        assertThat(post("http://127.0.0.1:" + httpPort + path, "games.test")).isEqualTo(BLOCK_PAGE);
        String get = Base64.getUrlEncoder().withoutPadding()
                .encodeToString(Message.newQuery(Record.newRecord(Name.fromString("games.test."), Type.A, 1)).toWire());
        assertThat(Cli.run("curl", "--silent", "-o", "/dev/null", "-w", "%{http_code}",
                "http://127.0.0.1:" + httpPort + path + "?dns=" + get).output()).isEqualTo("200");
        // Over DNS over TLS, a client naming the location's DoT host (SNI) is at the location, from any address;
        // without it, or naming another label, it is a client of no location (loopback is in no range): REFUSED.
        String dotHost = label + ".dot.parapet.local";
        Cli.Result viaDot = Cli.run("kdig", "@127.0.0.1", "-p", String.valueOf(dot.port()), "+tls", "+tls-sni=" + dotHost,
                "+retry=0", "games.test", "A");
        assertThat(viaDot.output()).as(viaDot.output()).contains("TLS").contains(BLOCK_PAGE);
        assertThat(Cli.run("kdig", "@127.0.0.1", "-p", String.valueOf(dot.port()), "+tls", "+tls-sni=" + dotHost.toUpperCase(),
                "+retry=0", "www.allowed.test", "A").output()).contains("198.51.100.10");
        for (String other : List.of("localhost", LocationEndpoints.newLabel() + ".dot.parapet.local")) {
            assertThat(Cli.run("kdig", "@127.0.0.1", "-p", String.valueOf(dot.port()), "+tls", "+tls-sni=" + other, "+retry=0",
                    "games.test", "A").output()).as(other).contains("REFUSED").doesNotContain(BLOCK_PAGE);
        }
        // ... and not to an agent of the same account, which is at no location.
        assertThat(post(tls("/dns-query/" + agent), "games.test")).isEqualTo("198.51.100.70");

        // Garbage, an unknown secret of the right shape and the hash of the real one: 404, the same words.
        String unknown = LocationEndpoints.newSecret();
        for (String wrong : List.of("garbage", unknown, LocationEndpoints.fingerprint(secret), secret + "x",
                secret.substring(1) + ".", secret.substring(1) + "~")) {
            assertThat(post(tls(LocationEndpoints.DOH_PATH_PREFIX + wrong), "games.test")).as(wrong).isEqualTo("404");
            assertThat(post("http://127.0.0.1:" + httpPort + LocationEndpoints.DOH_PATH_PREFIX + wrong, "games.test")).as(wrong)
                    .isEqualTo("404");
        }
        String refusal = Cli.run("curl", "--silent", "--insecure", tls(LocationEndpoints.DOH_PATH_PREFIX + unknown + "?dns=" + get))
                .output();
        assertThat(refusal).contains("No such DNS over HTTPS endpoint").doesNotContain(ACCOUNT.toString());
        assertThat(post(tls("/dns-query/l"), "games.test")).as("'l' alone is no agent credential").isEqualTo("401");

        // Verdicts of the path name the location, and no agent.
        List<DnsVerdict> verdicts = List.of();
        while (verdicts.stream().noneMatch(v -> v.getQueryName().equals("games.test") && HOME.equals(v.getLocationId()))) {
            assertThat(System.nanoTime()).as("a verdict naming the location").isLessThan(deadline + TimeUnit.SECONDS.toNanos(20));
            Thread.sleep(200);
            verdicts = TopicRecords.valuesFor(Topics.VERDICTS.name(), ACCOUNT.toString());
        }
        assertThat(verdicts).filteredOn(v -> HOME.equals(v.getLocationId())).allSatisfy(verdict -> {
            assertThat(verdict.getTransport().name()).isIn("DOH", "DOT");
            assertThat(verdict.getAgentId()).isNull();
        });

        // Rotated: the old secret is refused as soon as the new record is followed; the new one works.
        String rotated = LocationEndpoints.newSecret();
        long published = System.nanoTime();
        publishHome(2, rotated);
        while (!post(tls(path), "games.test").equals("404")) {
            assertThat(System.nanoTime() - published).as("the old secret refused").isLessThan(TimeUnit.SECONDS.toNanos(10));
            Thread.sleep(20);
        }
        System.out.println("rotated-out location DoH secret refused " + (System.nanoTime() - published) / 1_000_000 + " ms after its record");
        assertThat(post(tls(LocationEndpoints.DOH_PATH_PREFIX + rotated), "games.test")).isEqualTo(BLOCK_PAGE);
        assertThat(state.snapshot().locateByDohSecret(secret)).isEmpty();
    }
}
