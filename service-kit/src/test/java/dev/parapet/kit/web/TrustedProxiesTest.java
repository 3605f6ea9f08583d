package dev.parapet.kit.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;

import io.netty.handler.codec.http.DefaultHttpHeaders;

class TrustedProxiesTest {

    /** Two load balancer networks: one IPv4, one IPv6. */
    private static final TrustedProxies XFF = TrustedProxies.parse(List.of("10.0.0.0/8", "2001:db8:aa::/48", "192.0.2.9"),
            TrustedProxies.Header.X_FORWARDED_FOR);
    private static final TrustedProxies FORWARDED = TrustedProxies.parse(List.of("10.0.0.0/8", "2001:db8:aa::/48"),
            TrustedProxies.Header.FORWARDED);

    private static final InetSocketAddress BALANCER = peer("10.1.2.3");
    private static final InetSocketAddress STRANGER = peer("198.51.100.1");

    private static InetSocketAddress peer(String address) {
        return new InetSocketAddress(address, 40_000);
    }

    private static String client(TrustedProxies proxies, InetSocketAddress peer, String... lines) {
        return proxies.clientAddress(peer, List.of(lines)).getAddress().getHostAddress();
    }

    @Test
    void aTrustedPeersForwardedClientIsTheClient() {
        assertThat(client(XFF, BALANCER, "203.0.113.7")).isEqualTo("203.0.113.7");
        assertThat(client(FORWARDED, BALANCER, "for=203.0.113.7;proto=https")).isEqualTo("203.0.113.7");
    }

    @Test
    void anUntrustedPeersHeadersAreIgnored() {
        assertThat(client(XFF, STRANGER, "203.0.113.7")).isEqualTo("198.51.100.1");
        assertThat(client(FORWARDED, STRANGER, "for=203.0.113.7")).isEqualTo("198.51.100.1");
        HttpHeaders headers = new HttpHeaders();
        headers.add("X-Forwarded-For", "203.0.113.7");
        assertThat(XFF.clientAddress(STRANGER, headers)).isSameAs(STRANGER);
    }

    @Test
    void withNoTrustedProxiesNothingIsBelievedNotEvenFromLoopback() {
        assertThat(client(TrustedProxies.none(), peer("127.0.0.1"), "203.0.113.7")).isEqualTo("127.0.0.1");
        assertThat(client(TrustedProxies.parse(List.of(), TrustedProxies.Header.X_FORWARDED_FOR), BALANCER, "203.0.113.7"))
                .isEqualTo("10.1.2.3");
        assertThat(TrustedProxies.parse(List.of("", " "), TrustedProxies.Header.X_FORWARDED_FOR).isEmpty())
                .as("an empty setting (PARAPET_WEB_TRUSTED_PROXIES=\"\") trusts nobody").isTrue();
    }

    @Test
    void theChainIsWalkedFromTheRightSkippingTrustedHopsAndAClientsOwnEntriesAreNotBelieved() {
        // The client wrote "6.6.6.6" itself; the outer balancer appended the client's real address, the inner one the outer's.
        assertThat(client(XFF, BALANCER, "6.6.6.6, 203.0.113.7, 10.9.9.9")).isEqualTo("203.0.113.7");
        assertThat(client(XFF, BALANCER, "6.6.6.6", "203.0.113.7, 10.9.9.9")).as("a header on several lines is one list")
                .isEqualTo("203.0.113.7");
        assertThat(client(FORWARDED, BALANCER, "for=6.6.6.6, for=203.0.113.7;by=10.9.9.9, for=10.9.9.9"))
                .isEqualTo("203.0.113.7");
        assertThat(client(XFF, BALANCER, "10.7.7.7, 10.9.9.9")).as("every hop trusted: the furthest known")
                .isEqualTo("10.7.7.7");
    }

    @Test
    void anEntryThatIsNotAnAddressEndsTheWalkAtTheLastTrustedHop() {
        assertThat(client(XFF, BALANCER, "203.0.113.7, unknown")).isEqualTo("10.1.2.3");
        assertThat(client(XFF, BALANCER, "203.0.113.7, evil.example")).as("names are never looked up").isEqualTo("10.1.2.3");
        assertThat(client(XFF, BALANCER, "203.0.113.7, 10.9.9.9, garbage")).isEqualTo("10.1.2.3");
        assertThat(client(XFF, BALANCER, "203.0.113.7, garbage, 10.9.9.9")).isEqualTo("10.9.9.9");
        assertThat(client(XFF, BALANCER, "")).isEqualTo("10.1.2.3");
        assertThat(client(XFF, BALANCER, "300.1.1.1")).isEqualTo("10.1.2.3");
        assertThat(client(XFF, BALANCER, "203.0.113.7:notaport")).isEqualTo("10.1.2.3");
        assertThat(client(XFF, BALANCER, "fe80::1%eth0")).as("no zones").isEqualTo("10.1.2.3");
    }

    @Test
    void obfuscatedIdentifiersAndMalformedForwardedElementsEndTheWalk() {
        assertThat(client(FORWARDED, BALANCER, "for=203.0.113.7, for=_hidden")).isEqualTo("10.1.2.3");
        assertThat(client(FORWARDED, BALANCER, "for=203.0.113.7, for=unknown")).isEqualTo("10.1.2.3");
        assertThat(client(FORWARDED, BALANCER, "for=203.0.113.7, proto=https")).as("an element without for")
                .isEqualTo("10.1.2.3");
        assertThat(client(FORWARDED, BALANCER, "for=203.0.113.7, for=1.1.1.1;for=2.2.2.2")).as("for twice")
                .isEqualTo("10.1.2.3");
        assertThat(client(FORWARDED, BALANCER, "for=\"203.0.113.7, for=1.1.1.1")).as("an unterminated quote")
                .isEqualTo("10.1.2.3");
        assertThat(client(FORWARDED, BALANCER, "for=\"[2001:db8::7]:_port\"")).as("an obfuscated port is only a port")
                .isEqualTo("2001:db8:0:0:0:0:0:7");
        assertThat(client(FORWARDED, BALANCER, "for=\"6.6.6.6\", for=203.0.113.7", "for=\"203.0.113.8;x\"")).isEqualTo("10.1.2.3");
    }

    @Test
    void commasAndSemicolonsInsideQuotedStringsDoNotSplit() {
        assertThat(client(FORWARDED, BALANCER, "for=203.0.113.7;host=\"a,b;c\", for=10.9.9.9;proto=\"h\\\"s\""))
                .isEqualTo("203.0.113.7");
        assertThat(client(FORWARDED, BALANCER, "FOR=203.0.113.7")).as("parameter names are case-insensitive")
                .isEqualTo("203.0.113.7");
    }

    @Test
    void ipv6ClientsAndProxiesInEveryWrittenForm() {
        assertThat(client(FORWARDED, BALANCER, "for=\"[2001:db8:cafe::17]:4711\"")).isEqualTo("2001:db8:cafe:0:0:0:0:17");
        assertThat(client(FORWARDED, BALANCER, "for=\"[2001:db8:cafe::17]\"")).isEqualTo("2001:db8:cafe:0:0:0:0:17");
        assertThat(client(XFF, BALANCER, "2001:db8:cafe::17")).isEqualTo("2001:db8:cafe:0:0:0:0:17");
        assertThat(client(XFF, BALANCER, "[2001:db8:cafe::17]:4711")).isEqualTo("2001:db8:cafe:0:0:0:0:17");
        assertThat(client(XFF, BALANCER, "203.0.113.7:4711")).isEqualTo("203.0.113.7");
        assertThat(XFF.clientAddress(BALANCER, List.of("203.0.113.7:4711")).getPort()).isEqualTo(4711);
        InetSocketAddress ipv6Balancer = peer("2001:db8:aa::5");
        assertThat(client(XFF, ipv6Balancer, "203.0.113.7, 2001:db8:aa::6")).isEqualTo("203.0.113.7");
        assertThat(client(XFF, peer("2001:db8:ab::5"), "203.0.113.7")).as("outside the /48").isEqualTo("2001:db8:ab:0:0:0:0:5");
        assertThat(client(XFF, BALANCER, "::ffff:203.0.113.7")).as("IPv4-mapped is the IPv4 address").isEqualTo("203.0.113.7");
    }

    @Test
    void onlyTheConfiguredHeaderIsRead() {
        HttpHeaders headers = new HttpHeaders();
        headers.add("Forwarded", "for=6.6.6.6");
        headers.add("X-Forwarded-For", "203.0.113.7");
        assertThat(XFF.clientAddress(BALANCER, headers).getAddress().getHostAddress()).isEqualTo("203.0.113.7");
        assertThat(FORWARDED.clientAddress(BALANCER, headers).getAddress().getHostAddress()).isEqualTo("6.6.6.6");
        DefaultHttpHeaders netty = new DefaultHttpHeaders();
        netty.add("x-forwarded-for", "6.6.6.6");
        netty.add("x-forwarded-for", "203.0.113.7");
        assertThat(XFF.clientAddress(BALANCER, netty).getAddress().getHostAddress()).as("Netty's headers, several lines")
                .isEqualTo("203.0.113.7");
        assertThat(XFF.clientAddress(BALANCER, new DefaultHttpHeaders())).isSameAs(BALANCER);
    }

    @Test
    void aRangeThatIsNotOneStopsTheService() {
        assertThatThrownBy(() -> TrustedProxies.parse(List.of("10.0.0.1/8"), TrustedProxies.Header.X_FORWARDED_FOR))
                .hasMessageContaining("10.0.0.1/8").hasMessageContaining("host bits");
        assertThatThrownBy(() -> TrustedProxies.parse(List.of("lb.example"), TrustedProxies.Header.X_FORWARDED_FOR))
                .hasMessageContaining("lb.example");
    }
}
