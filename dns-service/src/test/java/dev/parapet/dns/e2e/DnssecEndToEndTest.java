package dev.parapet.dns.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.parapet.dns.resolve.SignedZones;
import dev.parapet.dns.resolve.StandaloneResolver;

/**
 * DNSSEC through the whole chain, asked by real clients (dig, kdig) of dns-service on a real socket,
 * whose upstream is a real authoritative server (BIND's named) serving a signed zone, a deliberately
 * broken one and an unsigned one (SignedZones).
 */
class DnssecEndToEndTest {

    @TempDir
    static Path directory;
    static SignedZones zones;
    static StandaloneResolver resolver;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        SignedZones.assumeInstalled();
        zones = SignedZones.start();
        resolver = new StandaloneResolver(directory, List.of("blocked.secure.test"), List.of(zones.upstream()),
                Duration.ofSeconds(2), zones.trustAnchors());
        port = resolver.listen();
    }

    @AfterAll
    static void stop() throws Exception {
        if (resolver != null) {
            resolver.close();
        }
        if (zones != null) {
            zones.close();
        }
    }

    private static String dig(String... query) throws Exception {
        return Cli.dig("127.0.0.1", port, query);
    }

    private static String kdig(String... query) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("kdig", "@127.0.0.1", "-p", String.valueOf(port), "+retry=0",
                "+time=3"));
        command.addAll(List.of(query));
        return Cli.run(command.toArray(String[]::new)).output();
    }

    @Test
    void aValidatedAnswerHasTheAdFlagForClientsThatAsk() throws Exception {
        String kdig = kdig("+dnssec", "www.secure.test", "A");
        assertThat(kdig).contains("status: NOERROR").containsPattern("Flags: qr rd ra ad;")
                .contains(SignedZones.SECURE_ADDRESS).contains("RRSIG");
        String dig = dig("+dnssec", "www.secure.test", "A");
        assertThat(dig).containsPattern("flags: qr rd ra ad;").contains(SignedZones.SECURE_ADDRESS);
        assertThat(dig("+adflag", "www.secure.test", "A")).as("AD asked without DO").containsPattern("flags: qr rd ra ad;")
                .doesNotContain("RRSIG");
        assertThat(dig("+noadflag", "www.secure.test", "A")).as("neither DO nor AD: not told")
                .containsPattern("flags: qr rd ra;").contains(SignedZones.SECURE_ADDRESS);
    }

    @Test
    void aBogusAnswerIsServfailWithExtendedDnsError6() throws Exception {
        String dig = dig("+dnssec", "www.bogus.test", "A");
        assertThat(dig).contains("status: SERVFAIL").contains("EDE: 6 (DNSSEC Bogus)").contains("ANSWER: 0,");
        assertThat(kdig("+edns", "www.bogus.test", "A")).contains("status: SERVFAIL").contains("DNSSEC Bogus");
        assertThat(kdig("+noedns", "www.bogus.test", "A")).as("no EDNS, no room for the reason").contains("status: SERVFAIL");
        assertThat(dig("+cd", "+dnssec", "www.bogus.test", "A")).as("checking disabled: the client judges")
                .contains("status: NOERROR").contains(SignedZones.BOGUS_ADDRESS).containsPattern("flags: qr rd ra cd;");
        assertThat(dig("+dnssec", "www.bogus.test", "A")).as("the CD answer was not cached for the others")
                .contains("status: SERVFAIL");
    }

    @Test
    void anUnsignedZoneBelowASignedParentIsInsecureWithoutAd() throws Exception {
        assertThat(kdig("+dnssec", "www.plain.test", "A")).contains("status: NOERROR").contains(SignedZones.PLAIN_ADDRESS)
                .containsPattern("Flags: qr rd ra;");
    }

    @Test
    void aBlockedNameUnderASignedZoneIsStillBlocked() throws Exception {
        assertThat(dig("+dnssec", "blocked.secure.test", "A")).contains("192.0.2.1").containsPattern("flags: qr rd ra;");
    }
}
