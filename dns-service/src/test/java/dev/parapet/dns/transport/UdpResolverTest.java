package dev.parapet.dns.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

import dev.parapet.dns.policy.ResolverState;
import dev.parapet.schemas.AvroSerdes;
import dev.parapet.schemas.Topics;
import dev.parapet.schemas.v1.common.Scope;
import dev.parapet.schemas.v1.exceptions.AccountExceptions;
import dev.parapet.schemas.v1.locations.Location;
import dev.parapet.schemas.v1.policies.BlockAllowList;
import dev.parapet.schemas.v1.policies.Policy;
import dev.parapet.schemas.v1.policies.PolicyType;
import dev.parapet.stack.RealInfrastructure;
import dev.parapet.stack.RealInfrastructure.WithRealInfrastructure;

/** Real DNS packets over real UDP sockets to dns-service, configured through the real topics. */
@WithRealInfrastructure
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "parapet.dns.port=0", "parapet.dns.block-page-ipv4=192.0.2.100", "parapet.dns.block-page-ipv6=2001:db8::100"})
class UdpResolverTest {

    static FakeUpstream upstream;
    static final UUID ACCOUNT = UUID.randomUUID();
    static final String OFFICE = "127.0.31.7";

    @Autowired
    UdpDnsServer server;
    @Autowired
    ResolverState state;

    @BeforeAll
    static void startUpstream() throws IOException {
        upstream = new FakeUpstream();
    }

    @AfterAll
    static void stopUpstream() {
        upstream.close();
    }

    @DynamicPropertySource
    static void upstreams(DynamicPropertyRegistry registry) {
        registry.add("parapet.dns.upstreams", () -> "127.0.0.1:" + upstream.port());
    }

    private static void publish(String topic, String key, SpecificRecord value) throws Exception {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, RealInfrastructure.get().bootstrapServers());
        try (KafkaProducer<String, SpecificRecord> producer = new KafkaProducer<>(config, new StringSerializer(),
                AvroSerdes.serializer(RealInfrastructure.get().registryUrl(), false))) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    private static Policy blockList(String name, List<String> blocked, List<String> allowed) {
        return Policy.newBuilder().setAccountId(ACCOUNT).setPolicyId(UUID.randomUUID()).setName(name).setVersion(1)
                .setScope(new Scope(true, List.of(), List.of(), List.of())).setType(PolicyType.BLOCK_ALLOW_LIST)
                .setBlockAllowList(new BlockAllowList(blocked, allowed)).setUpdatedBy("test").setUpdatedAt(Instant.now()).build();
    }

    private void configure() throws Exception {
        if (state.snapshot().locate(InetAddress.getByName(OFFICE)).isPresent()) {
            return;
        }
        UUID location = UUID.randomUUID();
        publish(Topics.LOCATIONS.name(), ACCOUNT + "/" + location, Location.newBuilder().setAccountId(ACCOUNT)
                .setLocationId(location).setName("Office").setVersion(1).setCidrs(List.of("127.0.31.0/24"))
                .setUpdatedBy("test").setUpdatedAt(Instant.now()).build());
        Policy policy = blockList("Blocked sites", List.of("casino.example", "intranet.example"), List.of("good.casino.example"));
        publish(Topics.POLICIES.name(), ACCOUNT + "/" + policy.getPolicyId(), policy);
        publish(Topics.EXCEPTIONS.name(), ACCOUNT.toString(), AccountExceptions.newBuilder().setAccountId(ACCOUNT).setVersion(1)
                .setDomains(List.of("intranet.example")).setIpRanges(List.of()).setUpdatedBy("test").setUpdatedAt(Instant.now()).build());
        state.follower().when(() -> {
            try {
                // Everything published above is applied: the location, the Block List and the exception.
                var office = state.snapshot().locate(InetAddress.getByName(OFFICE));
                return office.isPresent()
                        && state.snapshot().decide(office.get(), "casino.example".getBytes(), 14).action().name().equals("BLOCKED")
                        && state.snapshot().decide(office.get(), "intranet.example".getBytes(), 16).bypasses();
            } catch (IOException e) {
                return false;
            }
        }, Duration.ofSeconds(30)).get();
    }

    private Message ask(String from, String name, int type, boolean edns) throws Exception {
        configure();
        SimpleResolver resolver = new SimpleResolver(new InetSocketAddress("127.0.0.1", server.port()));
        resolver.setLocalAddress(new InetSocketAddress(from, 0));
        resolver.setTimeout(Duration.ofSeconds(5));
        if (edns) {
            resolver.setEDNS(0);
        } else {
            resolver.setEDNS(-1);
        }
        return resolver.send(Message.newQuery(Record.newRecord(Name.fromString(name + "."), type, 1)));
    }

    private static List<String> answers(Message message) {
        return message.getSection(Section.ANSWER).stream().map(Record::rdataToString).toList();
    }

    @Test
    void aSourceOutsideEveryLocationIsRefused() throws Exception {
        Message answer = ask("127.0.32.9", "example.com", Type.A, false);
        assertThat(answer.getRcode()).isEqualTo(Rcode.REFUSED);
        assertThat(answer.getSection(Section.ANSWER)).isEmpty();
    }

    @Test
    void aBlockedNameAndItsSubdomainsGetTheBlockPageWithAnExtendedError() throws Exception {
        Message answer = ask(OFFICE, "www.Casino.example", Type.A, true);
        assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(answers(answer)).containsExactly("192.0.2.100");
        assertThat(answer.getSection(Section.ANSWER).get(0).getTTL()).isEqualTo(60);
        List<EDNSOption> errors = answer.getOPT().getOptions(EDNSOption.Code.EDNS_EXTENDED_ERROR);
        assertThat(errors).singleElement().satisfies(option -> {
            ExtendedErrorCodeOption error = (ExtendedErrorCodeOption) option;
            assertThat(error.getErrorCode()).isEqualTo(ExtendedErrorCodeOption.BLOCKED);
            assertThat(error.getText()).contains("Blocked sites");
        });
        assertThat(answers(ask(OFFICE, "casino.example", Type.AAAA, false))).containsExactly("2001:db8:0:0:0:0:0:100");
        Message mx = ask(OFFICE, "casino.example", Type.MX, false);
        assertThat(mx.getRcode()).as("other types: NODATA").isEqualTo(Rcode.NOERROR);
        assertThat(mx.getSection(Section.ANSWER)).isEmpty();
    }

    @Test
    void allowedNamesExceptionsAndUnlistedNamesAreResolvedUpstream() throws Exception {
        assertThat(answers(ask(OFFICE, "good.casino.example", Type.A, false))).as("the more specific Allow wins")
                .containsExactly(FakeUpstream.ANSWER);
        assertThat(answers(ask(OFFICE, "wiki.intranet.example", Type.A, false))).as("a domain exception bypasses the Block")
                .containsExactly(FakeUpstream.ANSWER);
        assertThat(answers(ask(OFFICE, "example.org", Type.A, false))).containsExactly(FakeUpstream.ANSWER);
    }

    @Test
    void aNewBlockIsEnforcedOnceItsRecordIsRead() throws Exception {
        configure();
        String name = "new-" + System.nanoTime() + ".example";
        assertThat(answers(ask(OFFICE, name, Type.A, false))).containsExactly(FakeUpstream.ANSWER);
        Policy added = blockList("Added later", List.of(name), List.of());
        long published = System.nanoTime();
        publish(Topics.POLICIES.name(), ACCOUNT + "/" + added.getPolicyId(), added);
        long deadline = published + Duration.ofSeconds(10).toNanos();
        while (!answers(ask(OFFICE, name, Type.A, false)).contains("192.0.2.100")) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(20);
        }
        System.out.println("a new Block List was enforced " + (System.nanoTime() - published) / 1_000_000 + " ms after its record was written");
    }

    @Test
    void malformedPacketsGetFormerrOrNothingAndNeverStopTheListener() throws Exception {
        configure();
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(OFFICE, 0))) {
            socket.setSoTimeout(1000);
            byte[] garbage = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, (byte) 0xC0, (byte) 0xFF, 0x7f};
            socket.send(new DatagramPacket(garbage, garbage.length, InetAddress.getByName("127.0.0.1"), server.port()));
            DatagramPacket reply = new DatagramPacket(new byte[512], 512);
            socket.receive(reply);
            Message formerr = new Message(java.util.Arrays.copyOf(reply.getData(), reply.getLength()));
            assertThat(formerr.getHeader().getID()).isEqualTo(0x1234);
            assertThat(formerr.getRcode()).isEqualTo(Rcode.FORMERR);

            socket.send(new DatagramPacket(new byte[] {1, 2, 3}, 3, InetAddress.getByName("127.0.0.1"), server.port()));
            boolean answered;
            try {
                socket.receive(new DatagramPacket(new byte[512], 512));
                answered = true;
            } catch (SocketTimeoutException e) {
                answered = false;
            }
            assertThat(answered).as("a packet shorter than a header is dropped").isFalse();
        }
        assertThat(answers(ask(OFFICE, "example.org", Type.A, false))).containsExactly(FakeUpstream.ANSWER);
    }
}
