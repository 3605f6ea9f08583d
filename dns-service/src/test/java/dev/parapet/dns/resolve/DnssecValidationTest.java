package dev.parapet.dns.resolve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Master;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;
import org.xbill.DNS.utils.base16;

import dev.parapet.dns.DnsProperties;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * DNSSEC validation of upstream answers against a real named serving signed zones ({@link SignedZones}):
 * what {@link Upstreams#send} gives the resolver for secure, bogus and insecure names, with validation
 * on and off.
 */
class DnssecValidationTest {

    private static SignedZones started;

    /** named, started by the first test that needs it (the anchor-file tests run without it); skips where it is missing. */
    static synchronized SignedZones zones() throws IOException, InterruptedException {
        if (started == null) {
            started = SignedZones.start();
        }
        return started;
    }

    @AfterAll
    static void stopNamed() throws IOException {
        if (started != null) {
            started.close();
        }
    }

    final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @Test
    void aSecureAnswerHasTheAdFlagAndItsRecordsWithoutSignaturesUnlessAskedFor() throws Exception {
        Upstreams upstreams = validating(zones().upstream());

        Message plain = send(upstreams, query("www.secure.test.", Type.A, false));
        assertThat(plain.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(plain.getHeader().getFlag(Flags.AD)).isTrue();
        assertThat(addresses(plain)).containsExactly(SignedZones.SECURE_ADDRESS);
        assertThat(types(plain, Section.ANSWER)).doesNotContain(Type.RRSIG);
        assertThat(plain.getOPT().getFlags() & ExtendedFlags.DO).isZero();

        Message withDo = send(upstreams, query("www.secure.test.", Type.A, true));
        assertThat(withDo.getHeader().getFlag(Flags.AD)).isTrue();
        assertThat(types(withDo, Section.ANSWER)).contains(Type.A, Type.RRSIG);
        assertThat(withDo.getOPT().getFlags() & ExtendedFlags.DO).isEqualTo(ExtendedFlags.DO);

        // The parent, where the anchor is, and a proven NXDOMAIN (NSEC) are secure too.
        Message parent = send(upstreams, query("www.test.", Type.A, false));
        assertThat(parent.getHeader().getFlag(Flags.AD)).isTrue();
        assertThat(addresses(parent)).containsExactly(SignedZones.PARENT_ADDRESS);
        Message missing = send(upstreams, query("nothere.secure.test.", Type.A, false));
        assertThat(missing.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(missing.getHeader().getFlag(Flags.AD)).isTrue();
        assertThat(types(missing, Section.AUTHORITY)).contains(Type.SOA).doesNotContain(Type.NSEC, Type.RRSIG);

        assertThat(meters.counter("parapet.dns.dnssec", "outcome", "secure").count()).isEqualTo(4);
    }

    @Test
    void aBogusAnswerIsServfailWithExtendedDnsError6AndAReason() throws Exception {
        Upstreams upstreams = validating(zones().upstream());

        for (boolean dnssecOk : new boolean[] {false, true}) {
            Message answer = send(upstreams, query("www.bogus.test.", Type.A, dnssecOk));
            assertThat(answer.getRcode()).isEqualTo(Rcode.SERVFAIL);
            assertThat(answer.getHeader().getFlag(Flags.AD)).isFalse();
            assertThat(answer.getSection(Section.ANSWER)).isEmpty();
            List<EDNSOption> errors = answer.getOPT().getOptions(EDNSOption.Code.EDNS_EXTENDED_ERROR);
            assertThat(errors).hasSize(1);
            ExtendedErrorCodeOption error = (ExtendedErrorCodeOption) errors.get(0);
            assertThat(error.getErrorCode()).isEqualTo(ExtendedErrorCodeOption.DNSSEC_BOGUS);
            assertThat(error.getText()).startsWith("Positive response has failed ANSWER rrset").contains("www.bogus.test.")
                    .doesNotContain("sigs:").hasSizeLessThanOrEqualTo(DnssecValidation.MAX_REASON)
                    .matches("[\\x20-\\x7e]+");
        }
        assertThat(meters.counter("parapet.dns.dnssec", "outcome", "bogus").count()).isEqualTo(2);
        assertThat(meters.counter("parapet.dns.dnssec", "outcome", "secure").count()).isZero();
    }

    @Test
    void anUnsignedZoneWithoutDsInItsSignedParentIsInsecure() throws Exception {
        Upstreams upstreams = validating(zones().upstream());

        Message answer = send(upstreams, query("www.plain.test.", Type.A, true));

        assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(answer.getHeader().getFlag(Flags.AD)).isFalse();
        assertThat(addresses(answer)).containsExactly(SignedZones.PLAIN_ADDRESS);
        assertThat(meters.counter("parapet.dns.dnssec", "outcome", "insecure").count()).isEqualTo(1);
    }

    @Test
    void anAnchorThatMatchesNoKeyMakesEverythingBelowItBogus(@TempDir Path directory) throws Exception {
        String anchor = Files.readString(zones().trustAnchors()).strip();
        char last = anchor.charAt(anchor.length() - 1);
        Path wrong = Files.writeString(directory.resolve("wrong.ds"),
                anchor.substring(0, anchor.length() - 1) + (last == '0' ? '1' : '0') + "\n");
        Upstreams upstreams = new Upstreams(properties(List.of(zones().upstream())),
                new DnssecValidation.Properties(wrong.toString()), meters);

        for (String name : List.of("www.secure.test.", "www.plain.test.")) {
            Message answer = send(upstreams, query(name, Type.A, false));
            assertThat(answer.getRcode()).as(name).isEqualTo(Rcode.SERVFAIL);
            ExtendedErrorCodeOption error = (ExtendedErrorCodeOption) answer.getOPT()
                    .getOptions(EDNSOption.Code.EDNS_EXTENDED_ERROR).get(0);
            assertThat(error.getText()).contains("Did not match a DS to a DNSKEY");
            assertThat(error.getErrorCode()).isEqualTo(ExtendedErrorCodeOption.DNSSEC_BOGUS);
        }
    }

    @Test
    void checkingDisabledPassesTheUpstreamsAnswerUnvalidated() throws Exception {
        Upstreams upstreams = validating(zones().upstream());

        Message cd = query("www.bogus.test.", Type.A, true);
        cd.getHeader().setFlag(Flags.CD);
        Message answer = send(upstreams, cd);

        assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(answer.getHeader().getFlag(Flags.AD)).isFalse();
        assertThat(addresses(answer)).containsExactly(SignedZones.BOGUS_ADDRESS);
        assertThat(types(answer, Section.ANSWER)).contains(Type.RRSIG);
        Message viaOverload = upstreams.send(query("www.secure.test.", Type.A, false), true).toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        assertThat(viaOverload.getHeader().getFlag(Flags.AD)).isFalse();
        assertThat(addresses(viaOverload)).containsExactly(SignedZones.SECURE_ADDRESS);
        assertThat(meters.find("parapet.dns.dnssec").counters()).allSatisfy(counter -> assertThat(counter.count()).isZero());
    }

    @Test
    void withoutATrustAnchorAnswersPassUntouched() throws Exception {
        Upstreams upstreams = new Upstreams(properties(List.of(zones().upstream())), meters);
        assertThat(upstreams.validating()).isFalse();
        assertThat(new DnssecValidation.Properties("").enabled()).isFalse();
        assertThat(new DnssecValidation.Properties("  ").enabled()).isFalse();

        Message query = query("www.bogus.test.", Type.A, false);
        Message answer = send(upstreams, query);

        SimpleResolver direct = new SimpleResolver(zones().address());
        Message expected = direct.send(query);
        assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(answer.getHeader().getFlag(Flags.AA)).isTrue(); // named's own header
        assertThat(answer.getSection(Section.ANSWER)).isEqualTo(expected.getSection(Section.ANSWER));
        assertThat(addresses(answer)).containsExactly(SignedZones.BOGUS_ADDRESS);
        assertThat(meters.find("parapet.dns.dnssec").counters()).isEmpty();
    }

    @Test
    void theValidatorsOwnQueriesFailOverToTheNextUpstream() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            // The first upstream never answers: the first query times out there and goes to named, which
            // stays preferred; the validator's DNSKEY and DS queries go the same way.
            Upstreams upstreams = validating("127.0.0.1:" + silent.getLocalPort(), zones().upstream());

            Message secure = send(upstreams, query("www.secure.test.", Type.A, false));
            Message bogus = send(upstreams, query("www.bogus.test.", Type.A, false));

            assertThat(secure.getHeader().getFlag(Flags.AD)).isTrue();
            assertThat(bogus.getRcode()).isEqualTo(Rcode.SERVFAIL);
        }
    }

    @Test
    void noUpstreamAnsweringIsNullAsWithoutValidation() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            Upstreams upstreams = validating("127.0.0.1:" + silent.getLocalPort());
            assertThat(send(upstreams, query("www.secure.test.", Type.A, false))).isNull();
        }
    }

    @Test
    void aTrustAnchorFileThatIsMissingOrNotDsAndDnskeyRecordsStopsTheStart(@TempDir Path directory) throws IOException {
        assertThatThrownBy(() -> upstreamsWithAnchors(directory.resolve("absent.ds")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("parapet.dns.dnssec.trust-anchors")
                .hasMessageContaining("cannot be read");
        Path empty = Files.writeString(directory.resolve("empty.ds"), "; nothing\n");
        assertThatThrownBy(() -> upstreamsWithAnchors(empty)).hasMessageContaining("no DS or DNSKEY record");
        Path address = Files.writeString(directory.resolve("a.ds"), ". IN A 192.0.2.1\n");
        assertThatThrownBy(() -> upstreamsWithAnchors(address)).hasMessageContaining("only IN DS and DNSKEY records");
        Path garbage = Files.writeString(directory.resolve("garbage.ds"), "trust-anchors { . initial-key 257 3 8 \"AwEAAa\"; };\n");
        assertThatThrownBy(() -> upstreamsWithAnchors(garbage)).hasMessageContaining("not zone-file DS/DNSKEY records");
        Path huge = Files.write(directory.resolve("huge.ds"), new byte[DnssecValidation.MAX_ANCHOR_FILE + 1]);
        assertThatThrownBy(() -> upstreamsWithAnchors(huge)).hasMessageContaining("larger than");
    }

    @Test
    void theShippedRootAnchorIsIanasKsk2017AndKsk2024AsDebianShipsThem() throws IOException {
        Path shipped = Path.of("..", "deploy", "dnssec", "root.ds");
        List<Record> records = records(shipped);
        assertThat(records).hasSize(2).allSatisfy(record -> {
            assertThat(record.getName()).isEqualTo(Name.root);
            assertThat(record.getType()).isEqualTo(Type.DS);
        });
        assertThat(records.stream().map(record -> ((DSRecord) record).getFootprint() + " " + ((DSRecord) record).getAlgorithm()
                + " " + ((DSRecord) record).getDigestID() + " " + base16.toString(((DSRecord) record).getDigest())))
                .containsExactly("20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D",
                        "38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16");
        Path debian = Path.of("/usr/share/dns/root.ds");
        if (Files.isReadable(debian)) {
            assertThat(records).containsExactlyInAnyOrderElementsOf(records(debian));
        }
        assertThat(new DnssecValidation(shipped, query -> null, Duration.ofSeconds(1), meters).anchoredNames())
                .containsExactly(Name.root);
    }

    private Upstreams validating(String... upstreams) throws IOException, InterruptedException {
        return new Upstreams(properties(List.of(upstreams)), new DnssecValidation.Properties(zones().trustAnchors().toString()),
                meters);
    }

    private Upstreams upstreamsWithAnchors(Path anchors) {
        return new Upstreams(properties(List.of("127.0.0.1:53")), new DnssecValidation.Properties(anchors.toString()), meters);
    }

    private static DnsProperties properties(List<String> upstreams) {
        return new DnsProperties("127.0.0.1", 0, 1, upstreams, Duration.ofMillis(500), 1, "192.0.2.1", "2001:db8::1",
                Duration.ofSeconds(60), Duration.ofSeconds(5), new DnsProperties.Cache(10, Duration.ofDays(1), Duration.ofDays(1), true),
                new DnsProperties.RateLimit(0, 2), new DnsProperties.Verdicts(false, 2));
    }

    /** The query as DnsResolver builds it (EDNS 1232), DO as given. */
    private static Message query(String name, int type, boolean dnssecOk) {
        Message query = Message.newQuery(Record.newRecord(Name.fromConstantString(name), type, DClass.IN));
        query.addRecord(new OPTRecord(1232, 0, 0, dnssecOk ? ExtendedFlags.DO : 0), Section.ADDITIONAL);
        return query;
    }

    private static Message send(Upstreams upstreams, Message query) throws Exception {
        return upstreams.send(query).toCompletableFuture().get(20, TimeUnit.SECONDS);
    }

    private static List<String> addresses(Message answer) {
        return answer.getSection(Section.ANSWER).stream().filter(record -> record.getType() == Type.A)
                .map(Record::rdataToString).toList();
    }

    private static List<Integer> types(Message answer, int section) {
        return answer.getSection(section).stream().map(Record::getType).toList();
    }

    private static List<Record> records(Path file) throws IOException {
        List<Record> records = new ArrayList<>();
        try (Master master = new Master(Files.newInputStream(file), Name.root, 0)) {
            Record record;
            while ((record = master.nextRecord()) != null) {
                records.add(record);
            }
        }
        return records;
    }
}
