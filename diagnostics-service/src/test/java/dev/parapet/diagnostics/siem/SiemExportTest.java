package dev.parapet.diagnostics.siem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import javax.net.ssl.SSLHandshakeException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.parapet.diagnostics.Feed;
import dev.parapet.diagnostics.siem.SiemProperties.Destination;
import dev.parapet.diagnostics.siem.Syslog.Facility;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;
import dev.parapet.stack.Ports;
import dev.parapet.stack.RealInfrastructure;
import dev.parapet.stack.RealInfrastructure.WithRealInfrastructure;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import tools.jackson.databind.json.JsonMapper;

/**
 * Verdicts produced into the real broker reach a real rsyslogd over TLS: one account's as JSON on one port,
 * another's as CEF on another, a third account's nowhere; each exactly once while nothing fails, and every
 * one at least once across a restart of rsyslogd. A hostile name arrives as one field of one message.
 */
@WithRealInfrastructure
class SiemExportTest {

    static final JsonMapper JSON = JsonMapper.builder().build();
    static final Pattern CEF_EVENT_ID = Pattern.compile(" externalId=([0-9a-f-]{36}) ");

    @TempDir
    Path directory;
    Feed feed;
    Rsyslog rsyslog;
    final List<SiemExport> exports = new ArrayList<>();
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final UUID jsonAccount = UUID.randomUUID();
    final UUID cefAccount = UUID.randomUUID();
    final UUID elsewhere = UUID.randomUUID();
    final int jsonPort = Ports.free();
    final int cefPort = Ports.free();

    @BeforeEach
    void start() throws Exception {
        createVerdictsTopic();
        feed = new Feed();
        Rsyslog.Certificates certificates = Rsyslog.Certificates.make(directory.resolve("tls"));
        rsyslog = new Rsyslog(directory.resolve("rsyslog"), certificates,
                Map.of(jsonPort, directory.resolve("json.log"), cefPort, directory.resolve("cef.log")));
        rsyslog.start();
        SiemProperties properties = new SiemProperties(List.of(
                new Destination(jsonAccount, "127.0.0.1", jsonPort, certificates.ca(), true, SiemFormat.JSON, Facility.LOCAL0, null, null),
                new Destination(cefAccount, "localhost", cefPort, certificates.ca(), true, SiemFormat.CEF, Facility.USER, null, null)),
                "test-host", 50, "earliest", Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofSeconds(1), false, 50);
        Map<String, Object> consumer = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfrastructure.get().bootstrapServers());
        for (Destination destination : properties.destinations()) {
            SiemExport export = new SiemExport(destination.account(), destination.group(), new Syslog(destination.facility(), properties.hostname(), destination.format()),
                    new SyslogTls(destination, properties.connectTimeout()), consumer, RealInfrastructure.get().registryUrl(), properties,
                    meters);
            export.start();
            exports.add(export);
        }
    }

    @AfterEach
    void stop() {
        exports.forEach(SiemExport::stop);
        rsyslog.close();
        feed.close();
    }

    @Test
    void eachAccountsVerdictsReachItsReceiverOnceAndEveryOneArrivesAcrossARestartOfTheReceiver() throws Exception {
        String hostile = SyslogTest.HOSTILE;
        List<DnsVerdict> first = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            UUID account = List.of(jsonAccount, cefAccount, elsewhere).get(i % 3);
            first.add(i < 3
                    ? Feed.verdict(account, Instant.now(), Action.BLOCKED, hostile, List.of("phishing"), null, UUID.randomUUID(), hostile)
                    : Feed.verdict(account, Instant.now(), i % 2 == 0 ? Action.ALLOWED : Action.BLOCKED, "name" + i + ".example",
                    List.of(), UUID.randomUUID(), null, null));
        }
        feed.verdicts(first);

        await("the first 40 verdicts of each account", () -> jsonIds().size() == 40 && cefIds().size() == 40);
        assertThat(failures(jsonAccount) + failures(cefAccount)).as("nothing failed, so nothing was sent twice").isZero();
        assertThat(jsonIds()).as("each of the account's verdicts exactly once").doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(eventIds(first, jsonAccount));
        assertThat(cefIds()).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(eventIds(first, cefAccount));

        List<String> json = rsyslog.received(jsonPort);
        assertThat(json).hasSize(40).allSatisfy(line -> assertThat(JSON.readTree(line).get("accountId").asString())
                .isEqualTo(jsonAccount.toString()));
        assertThat(JSON.readTree(json.get(0)).get("queryName").asString()).as("the hostile name, whole, as one value").isEqualTo(hostile);
        assertThat(JSON.readTree(json.get(0)).get("userEmail").asString()).isEqualTo(hostile);
        List<String> cef = rsyslog.received(cefPort);
        assertThat(cef).hasSize(40).allSatisfy(line -> assertThat(line).startsWith("CEF:0|Parapet|Parapet DNS|1|")
                .contains(" cs4=" + cefAccount + " "));
        assertThat(cef.get(0)).contains(" dhost=" + VerdictCef.extension(hostile) + " act=BLOCKED ")
                .contains(" suser=" + VerdictCef.extension(hostile) + " dhost=");

        rsyslog.close();
        List<DnsVerdict> second = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            second.add(Feed.verdict(List.of(jsonAccount, cefAccount, elsewhere).get(i % 3), Instant.now(), Action.WARNED,
                    "later" + i + ".example", List.of(), null, null, null));
        }
        feed.verdicts(second);
        await("both exports failing while rsyslogd is down", () -> failures(jsonAccount) > 0 && failures(cefAccount) > 0);
        rsyslog.start();

        await("every verdict of each account", () -> Set.copyOf(jsonIds()).size() == 60 && Set.copyOf(cefIds()).size() == 60);
        List<DnsVerdict> all = new ArrayList<>(first);
        all.addAll(second);
        assertThat(Set.copyOf(jsonIds())).as("at least once").isEqualTo(Set.copyOf(eventIds(all, jsonAccount)));
        assertThat(Set.copyOf(cefIds())).isEqualTo(Set.copyOf(eventIds(all, cefAccount)));
        assertThat(reconnects(jsonAccount)).isPositive();
        System.out.printf("SIEM export across a restart: %d JSON and %d CEF duplicates, %.0f and %.0f failures%n", jsonIds().size() - 60,
                cefIds().size() - 60, failures(jsonAccount), failures(cefAccount));
    }

    @Test
    void aReceiverIsRefusedWhenTheCaFileDidNotSignItsCertificateOrItsCertificateDoesNotNameTheHost() throws Exception {
        Path ownCa = directory.resolve("tls").resolve("ca.pem");
        Rsyslog.Certificates stranger = Rsyslog.Certificates.make(directory.resolve("stranger"));
        assertThatThrownBy(tls("127.0.0.1", jsonPort, stranger.ca(), true)::open).isInstanceOf(SSLHandshakeException.class);

        Rsyslog.Certificates elsewhereNamed = Rsyslog.Certificates.make(directory.resolve("misnamed"), "DNS:siem.example");
        int misnamedPort = Ports.free();
        try (Rsyslog misnamed = new Rsyslog(directory.resolve("misnamed-rsyslog"), elsewhereNamed,
                Map.of(misnamedPort, directory.resolve("misnamed.log")))) {
            misnamed.start();
            assertThatThrownBy(tls("127.0.0.1", misnamedPort, elsewhereNamed.ca(), true)::open).isInstanceOf(SSLHandshakeException.class)
                    .hasStackTraceContaining("127.0.0.1");
            tls("127.0.0.1", misnamedPort, elsewhereNamed.ca(), false).open().close();
        }
        tls("localhost", jsonPort, ownCa, true).open().close();
    }

    @Test
    void aReceiverThatAsksForAClientCertificateGetsTheConfiguredOne() throws Exception {
        Rsyslog.Certificates certificates = Rsyslog.Certificates.make(directory.resolve("tls"));
        int port = Ports.free();
        UUID account = UUID.randomUUID();
        try (Rsyslog mutual = new Rsyslog(directory.resolve("mutual-rsyslog"), certificates, Map.of(port, directory.resolve("mutual.log")),
                "x509/certvalid")) {
            mutual.start();
            Destination destination = new Destination(account, "127.0.0.1", port, certificates.ca(), true, SiemFormat.JSON, Facility.LOCAL0,
                    certificates.clientCertificate(), certificates.clientKey());
            SiemProperties properties = new SiemProperties(List.of(destination), "test-host", 50, "earliest", Duration.ofSeconds(5),
                    Duration.ofMillis(100), Duration.ofSeconds(1), false, 50);
            SiemExport export = new SiemExport(destination.account(), destination.group(), new Syslog(Facility.LOCAL0, "test-host", SiemFormat.JSON),
                    new SyslogTls(destination, properties.connectTimeout()), Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    RealInfrastructure.get().bootstrapServers()), RealInfrastructure.get().registryUrl(), properties, meters);
            exports.add(export);
            export.start();
            List<DnsVerdict> verdicts = List.of(
                    Feed.verdict(account, Instant.now(), Action.BLOCKED, "one.example", List.of(), null, null, null),
                    Feed.verdict(account, Instant.now(), Action.ALLOWED, "two.example", List.of(), null, null, null));
            feed.verdicts(verdicts);
            await("both verdicts through mutual TLS", () -> mutual.received(port).size() == 2);
            trySendingWithoutClientCertificate(port, certificates.ca(), verdicts.get(0));
            Thread.sleep(2000);
            assertThat(mutual.received(port)).as("nothing arrived without the client certificate").hasSize(2);
            Destination notAKey = new Destination(account, "127.0.0.1", port, certificates.ca(), true, SiemFormat.JSON, Facility.LOCAL0,
                    certificates.clientCertificate(), certificates.ca());
            assertThatThrownBy(() -> new SyslogTls(notAKey, Duration.ofSeconds(5))).hasMessageContaining("PKCS #8");
            assertThat(mutual.received(port)).extracting(line -> JSON.readTree(line).get("eventId").asString())
                    .containsExactlyInAnyOrderElementsOf(eventIds(verdicts, account));
        }
    }

    @Test
    void aStopEndsConnectionAttemptsTheReceiversNeverAnswerAtOnceForEveryDestination() throws Exception {
        // Receivers that take the TCP connection and never answer the TLS handshake, with a connect timeout of 5 minutes:
        // a stop that waited for the attempts would take that long, destination after destination.
        try (ServerSocket silentOne = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
             ServerSocket silentTwo = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            silentOne.setSoTimeout(60_000);
            silentTwo.setSoTimeout(60_000);
            Path ca = Rsyslog.Certificates.make(directory.resolve("silent-tls")).ca();
            UUID one = UUID.randomUUID();
            UUID two = UUID.randomUUID();
            List<Destination> destinations = List.of(
                    new Destination(one, "127.0.0.1", silentOne.getLocalPort(), ca, true, SiemFormat.JSON, Facility.LOCAL0, null, null),
                    new Destination(two, "127.0.0.1", silentTwo.getLocalPort(), ca, true, SiemFormat.JSON, Facility.LOCAL0, null, null));
            SiemProperties properties = new SiemProperties(destinations, "test-host", 50, "earliest", Duration.ofMinutes(5),
                    Duration.ofMillis(100), Duration.ofSeconds(1), false, 50);
            List<SiemExport> silent = new ArrayList<>();
            for (Destination destination : destinations) {
                silent.add(new SiemExport(destination.account(), destination.group(), new Syslog(Facility.LOCAL0, "test-host", SiemFormat.JSON),
                        new SyslogTls(destination, properties.connectTimeout()), Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        RealInfrastructure.get().bootstrapServers()), RealInfrastructure.get().registryUrl(), properties, meters));
            }
            SiemConfiguration.SiemExports both = new SiemConfiguration.SiemExports(silent);
            both.start();
            feed.verdicts(List.of(Feed.verdict(one, Instant.now(), Action.BLOCKED, "one.example", List.of(), null, null, null),
                    Feed.verdict(two, Instant.now(), Action.BLOCKED, "two.example", List.of(), null, null, null)));
            try (Socket attemptOne = silentOne.accept(); Socket attemptTwo = silentTwo.accept()) {
                Thread.sleep(500);   // into the handshake, waiting for an answer that never comes
                long stopping = System.nanoTime();
                both.stop();
                double took = (System.nanoTime() - stopping) / 1e9;
                assertThat(took).as("seconds the stop of both exports took, with their handshakes unanswered").isLessThan(5.0);
                assertThat(failures(one) + failures(two)).as("a stop is no failure").isZero();
            }
        }
    }

    /** Writes a message without a client certificate: rsyslogd refuses the handshake, or takes the bytes and drops them. */
    void trySendingWithoutClientCertificate(int port, Path ca, DnsVerdict verdict) {
        try (SyslogTls.Connection connection = tls("127.0.0.1", port, ca, true).open()) {
            connection.write(List.of(new Syslog(Facility.LOCAL0, "test-host", SiemFormat.JSON).frame(verdict)));
        } catch (IOException refused) {
            // refused at the handshake: the file shows it either way
        }
    }

    SyslogTls tls(String host, int port, Path ca, boolean verifyHostname) {
        return new SyslogTls(new Destination(elsewhere, host, port, ca, verifyHostname, SiemFormat.JSON, Facility.LOCAL0, null, null),
                Duration.ofSeconds(5));
    }

    List<String> jsonIds() throws Exception {
        List<String> ids = new ArrayList<>();
        for (String line : rsyslog.received(jsonPort)) {
            ids.add(JSON.readTree(line).get("eventId").asString());
        }
        return ids;
    }

    List<String> cefIds() throws Exception {
        List<String> ids = new ArrayList<>();
        for (String line : rsyslog.received(cefPort)) {
            Matcher id = CEF_EVENT_ID.matcher(line);
            assertThat(id.find()).as(line).isTrue();
            ids.add(id.group(1));
        }
        return ids;
    }

    static List<String> eventIds(List<DnsVerdict> verdicts, UUID account) {
        return verdicts.stream().filter(verdict -> verdict.getAccountId().equals(account)).map(verdict -> verdict.getEventId().toString())
                .collect(Collectors.toList());
    }

    double failures(UUID account) {
        return meters.counter("parapet.diagnostics.siem.failures", "account", account.toString()).count();
    }

    double reconnects(UUID account) {
        return meters.counter("parapet.diagnostics.siem.reconnects", "account", account.toString()).count();
    }

    static void await(String what, CheckedCondition condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 60 s: " + what);
            }
            Thread.sleep(100);
        }
    }

    interface CheckedCondition {
        boolean holds() throws Exception;
    }

    static void createVerdictsTopic() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfrastructure.get().bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(Topics.VERDICTS.name(), Topics.VERDICTS.partitions(), (short) 1))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }
}
