package dev.parapet.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.type.classreading.SimpleMetadataReaderFactory;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

import dev.parapet.dns.resolve.DnsResolver;
import dev.parapet.dns.transport.TcpDnsServer;
import dev.parapet.dns.transport.UdpDnsServer;
import dev.parapet.stack.Ports;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Standalone mode answers over UDP before the Spring context exists, and the context then runs on the very same
 * objects: one resolver, one UDP listener (started once, stopped with the context), the first queries counted.
 */
class StandaloneDnsTest {

    /** Where blocked names are sent (the block page), as the answer that shows a name was blocked. */
    private static final String BLOCK_PAGE = "192.0.2.10";

    @Test
    void theKafkaConfiguredServiceStartsNothingEarly() throws Exception {
        assertThat(StandaloneDns.start(new StandardEnvironment())).isNull();
    }

    @Test
    void answersWithoutAnyContextThenHandsItsObjectsToOne(@TempDir Path directory) throws Exception {
        int port = Ports.free();
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test", Map.of(
                "parapet.dns.standalone.blocklist", Files.write(directory.resolve("list.txt"),
                        "# a comment\n0.0.0.0 blocked.example\n".getBytes()).toString(),
                "parapet.dns.port", port, "parapet.dns.upstreams", "127.0.0.1:9",
                "parapet.dns.rate-limit.responses-per-second", 0, "parapet.dns.block-page-ipv4", BLOCK_PAGE)));
        StandaloneDns dns = StandaloneDns.start(environment);
        assertThat(dns).isNotNull();
        assertThat(blockedAnswer(port, "www.blocked.example.")).isEqualTo(BLOCK_PAGE); // no context exists yet

        try (GenericApplicationContext context = new GenericApplicationContext()) {
            dns.handTo(context);
            context.refresh();
            assertThat(context.getBean(DnsResolver.class)).isSameAs(dns.beans().get("dnsResolver"));
            assertThat(context.getBeansOfType(UdpDnsServer.class)).hasSize(1)
                    .containsValue((UdpDnsServer) dns.beans().get("udpDnsServer"));
            StandaloneDns.MadeEarly scanFilter = context.getBean(StandaloneDns.MadeEarly.class);
            SimpleMetadataReaderFactory metadata = new SimpleMetadataReaderFactory();
            assertThat(scanFilter.match(metadata.getMetadataReader(UdpDnsServer.class.getName()), metadata)).isTrue();
            assertThat(scanFilter.match(metadata.getMetadataReader(DnsResolver.class.getName()), metadata)).isTrue();
            assertThat(scanFilter.match(metadata.getMetadataReader(TcpDnsServer.class.getName()), metadata)).isFalse();
            assertThat(blockedAnswer(port, "blocked.example.")).isEqualTo(BLOCK_PAGE);
        }
        // The context's close stopped the listener made before it.
        assertThatThrownBy(() -> blockedAnswer(port, "blocked.example.")).isInstanceOf(java.io.IOException.class);
    }

    @Test
    void theApplicationRunsOnTheEarlyObjectsAndCountsTheirQueries(@TempDir Path directory) throws Exception {
        int port = Ports.free();
        Path list = Files.writeString(directory.resolve("list.txt"), "blocked.example\n");
        Path issuerKey = directory.resolve("issuer.pem");
        Files.writeString(issuerKey, "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(
                KeyPairGenerator.getInstance("RSA").generateKeyPair().getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n");
        try (ConfigurableApplicationContext context = DnsServiceApplication.run(
                "--parapet.dns.standalone.blocklist=" + list, "--parapet.dns.port=" + port,
                "--parapet.dns.address=127.0.0.1", "--parapet.dns.upstreams=127.0.0.1:9",
                "--parapet.dns.rate-limit.responses-per-second=0", "--parapet.dns.dot.enabled=false",
                "--parapet.dns.block-page-ipv4=" + BLOCK_PAGE,
                "--spring.security.oauth2.resourceserver.jwt.public-key-location=file:" + issuerKey,
                "--parapet.security.jwt.issuer=test", "--spring.security.oauth2.resourceserver.jwt.audiences=test",
                "--parapet.kafka.create-topics=false", "--parapet.accounts.follow=false",
                "--management.health.kafka.enabled=false", "--management.health.schema-registry.enabled=false",
                "--server.port=0")) {
            assertThat(context.getBeansOfType(UdpDnsServer.class)).hasSize(1);
            assertThat(context.getBeansOfType(DnsResolver.class)).hasSize(1);
            assertThat(blockedAnswer(port, "www.blocked.example.")).isEqualTo(BLOCK_PAGE);
            assertThat(answer(port, "blocked.example.", true)).isEqualTo(BLOCK_PAGE);
            // Counted by the meters made before the context, and seen in the context's own registry.
            assertThat(context.getBean(MeterRegistry.class).counter("parapet.dns.queries", "outcome", "stopped").count())
                    .isEqualTo(2.0);
        }
    }

    private static String blockedAnswer(int port, String name) throws Exception {
        return answer(port, name, false);
    }

    /** The first address answered for a name, over UDP (a 700 ms timeout) or TCP. */
    private static String answer(int port, String name, boolean tcp) throws Exception {
        SimpleResolver resolver = new SimpleResolver("127.0.0.1");
        resolver.setPort(port);
        resolver.setTCP(tcp);
        resolver.setTimeout(tcp ? Duration.ofSeconds(2) : Duration.ofMillis(700));
        Message answer = resolver.send(Message.newQuery(Record.newRecord(Name.fromString(name), Type.A, DClass.IN)));
        assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
        return ((ARecord) answer.getSection(Section.ANSWER).get(0)).getAddress().getHostAddress();
    }
}
