package dev.parapet.diagnostics.siem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.parapet.diagnostics.Feed;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.siem.SiemDestination;
import dev.parapet.schemas.v1.siem.SiemFacility;
import dev.parapet.schemas.v1.siem.SiemFormat;
import dev.parapet.schemas.v1.verdicts.Action;
import dev.parapet.schemas.v1.verdicts.DnsVerdict;
import dev.parapet.stack.Ports;
import dev.parapet.stack.RealInfrastructure;
import dev.parapet.stack.RealInfrastructure.WithRealInfrastructure;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Destinations set by accounts' administrators, as settings-service writes them to {@code parapet.siem-destinations.v1}:
 * each starts its account's export to a real rsyslogd, a change moves it, a tombstone stops it, an account the operator
 * configured keeps the operator's; and such a destination is never connected to at a loopback or private address unless
 * the operator allows it.
 */
@WithRealInfrastructure
class AccountSiemDestinationsTest {

    @TempDir
    Path directory;
    Feed feed;
    Rsyslog rsyslog;
    Rsyslog.Certificates certificates;
    AccountSiemDestinations destinations;
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final UUID account = UUID.randomUUID();
    final UUID operators = UUID.randomUUID();
    final UUID waiting = UUID.randomUUID();
    final Instant created = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    final int firstPort = Ports.free();
    final int secondPort = Ports.free();

    @BeforeEach
    void start() throws Exception {
        createTopics();
        feed = new Feed();
        certificates = Rsyslog.Certificates.make(directory.resolve("tls"));
        rsyslog = new Rsyslog(directory.resolve("rsyslog"), certificates,
                Map.of(firstPort, directory.resolve("first.log"), secondPort, directory.resolve("second.log")));
        rsyslog.start();
        // The operator configured a destination for one account (never reached here: only the account's own record is).
        SiemProperties properties = new SiemProperties(List.of(new SiemProperties.Destination(operators, "127.0.0.1", 9, certificates.ca(),
                true, dev.parapet.diagnostics.siem.SiemFormat.JSON, Syslog.Facility.LOCAL0, null, null)), "test-host", 50, "earliest", Duration.ofSeconds(5),
                Duration.ofMillis(100), Duration.ofSeconds(1), true, 1);
        Map<String, Object> consumer = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfrastructure.get().bootstrapServers());
        String registry = RealInfrastructure.get().registryUrl();
        destinations = new AccountSiemDestinations(properties, "test-host", consumer, registry, meters);
        destinations.start();
    }

    @AfterEach
    void stop() throws Exception {
        // Each test's accounts are its own; their records go, so that a test run again on the same broker starts clean.
        for (UUID each : List.of(account, operators, waiting)) {
            feed.records.publish(Topics.SIEM_DESTINATIONS.name(), each.toString(), null);
        }
        destinations.stop();
        rsyslog.close();
        feed.close();
    }

    private SiemDestination destination(UUID account, int port, long version, SiemFormat format) throws IOException {
        return SiemDestination.newBuilder().setAccountId(account).setHost("127.0.0.1").setPort(port)
                .setCaCertificates(Files.readString(certificates.ca())).setFormat(format).setFacility(SiemFacility.LOCAL0)
                .setCreatedAt(created).setVersion(version).setUpdatedBy("admin@example.com").setUpdatedAt(Instant.now()).build();
    }

    private List<DnsVerdict> verdicts(int count, UUID... accounts) throws Exception {
        List<DnsVerdict> verdicts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            verdicts.add(Feed.verdict(accounts[i % accounts.length], Instant.now(), Action.BLOCKED, "name" + i + ".example", List.of(),
                    null, null, null));
        }
        feed.verdicts(verdicts);
        return verdicts;
    }

    @Test
    void anAdministratorsDestinationStartsItsExportMovesWithItsChangesAndStopsWithItsRemoval() throws Exception {
        feed.records.publish(Topics.SIEM_DESTINATIONS.name(), account.toString(), destination(account, firstPort, 1, SiemFormat.JSON));
        feed.records.publish(Topics.SIEM_DESTINATIONS.name(), operators.toString(), destination(operators, firstPort, 1, SiemFormat.JSON));
        List<DnsVerdict> first = verdicts(30, account, operators, UUID.randomUUID());
        SiemExportTest.await("the account's 10 verdicts at the first receiver", () -> rsyslog.received(firstPort).size() >= 10);
        assertThat(destinations.runningVersions()).as("not the account the operator configured").isEqualTo(Map.of(account, 1L));
        Thread.sleep(1_000);
        assertThat(rsyslog.received(firstPort)).hasSize(10)
                .allSatisfy(line -> assertThat(line).contains("\"accountId\":\"" + account + "\""));
        assertThat(Set.copyOf(rsyslog.received(firstPort).stream().map(line -> line.replaceAll(".*\"eventId\":\"([^\"]+)\".*", "$1"))
                .toList())).isEqualTo(Set.copyOf(SiemExportTest.eventIds(first, account)));

        // Moved to another receiver, in CEF: what comes after goes there, and nothing is sent twice to the first.
        feed.records.publish(Topics.SIEM_DESTINATIONS.name(), account.toString(), destination(account, secondPort, 2, SiemFormat.CEF));
        SiemExportTest.await("the change applied", () -> destinations.runningVersions().equals(Map.of(account, 2L)));
        verdicts(10, account);
        SiemExportTest.await("the later verdicts at the second receiver", () -> rsyslog.received(secondPort).size() >= 10);
        assertThat(rsyslog.received(secondPort)).hasSize(10).allSatisfy(line -> assertThat(line).startsWith("CEF:0|Parapet|"));
        assertThat(rsyslog.received(firstPort)).hasSize(10);

        // A second account's destination beyond max-account-destinations (1 here) waits for room.
        feed.records.publish(Topics.SIEM_DESTINATIONS.name(), waiting.toString(), destination(waiting, firstPort, 1, SiemFormat.JSON));
        SiemExportTest.await("the second account's record read", () -> meters.counter("parapet.diagnostics.siem.destinations.refused")
                .count() > 0);
        assertThat(destinations.runningVersions()).isEqualTo(Map.of(account, 2L));

        // Removed: the export stops, later verdicts of the account go nowhere, and the waiting account's starts.
        feed.records.publish(Topics.SIEM_DESTINATIONS.name(), account.toString(), null);
        SiemExportTest.await("the export stopped, the waiting one started", () -> destinations.runningVersions().equals(Map.of(waiting, 1L)));
        verdicts(10, account);
        verdicts(5, waiting);
        SiemExportTest.await("the waiting account's verdicts at the first receiver", () -> rsyslog.received(firstPort).size() >= 15);
        Thread.sleep(2_000);
        assertThat(rsyslog.received(secondPort)).hasSize(10);
        assertThat(rsyslog.received(firstPort)).hasSize(15);
        assertThat(rsyslog.received(firstPort).subList(10, 15)).allSatisfy(line -> assertThat(line).contains("\"accountId\":\"" + waiting
                + "\""));
    }

    @Test
    void anAdministratorsDestinationIsNeverReachedAtALoopbackOrPrivateAddressUnlessTheOperatorAllowsIt() throws Exception {
        SiemDestination loopback = destination(account, firstPort, 1, SiemFormat.JSON);
        assertThatThrownBy(() -> SyslogTls.ofAccount(loopback, Duration.ofSeconds(5), false).open())
                .isInstanceOf(IOException.class).hasMessageContaining("127.0.0.1, not a public address");
        SiemDestination named = SiemDestination.newBuilder(loopback).setHost("localhost").build();
        assertThatThrownBy(() -> SyslogTls.ofAccount(named, Duration.ofSeconds(5), false).open())
                .isInstanceOf(IOException.class).hasMessageContaining("not a public address");
        SyslogTls.ofAccount(loopback, Duration.ofSeconds(5), true).open().close();

        assertThatThrownBy(() -> SyslogTls.ofAccount(SiemDestination.newBuilder(loopback).setCaCertificates("no certificate").build(),
                Duration.ofSeconds(5), true)).isInstanceOf(IllegalArgumentException.class);
    }

    static void createTopics() throws Exception {
        SiemExportTest.createVerdictsTopic();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfrastructure.get().bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(Topics.SIEM_DESTINATIONS.name(), Topics.SIEM_DESTINATIONS.partitions(), (short) 1)
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }
}
