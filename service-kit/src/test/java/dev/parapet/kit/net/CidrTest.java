package dev.parapet.kit.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;

import org.junit.jupiter.api.Test;

class CidrTest {

    @Test
    void rangesAreParsedIntoCanonicalForm() {
        assertThat(Cidr.parse("192.0.2.0/24").cidr()).hasValueSatisfying(c -> assertThat(c.toString()).isEqualTo("192.0.2.0/24"));
        assertThat(Cidr.parse("2001:DB8:0:0::/32").cidr()).hasValueSatisfying(c -> assertThat(c.toString()).isEqualTo("2001:db8::/32"));
        assertThat(Cidr.parse("203.0.113.7/32").cidr()).isPresent();
    }

    @Test
    void hostBitsNamesAndNonsenseAreRefusedWithAReason() {
        assertThat(Cidr.parse("192.0.2.1/24").error()).hasValueSatisfying(e -> assertThat(e).contains("host bits").contains("192.0.2.0/24"));
        assertThat(Cidr.parse("example.com/24").error()).isPresent();
        assertThat(Cidr.parse("192.0.2.0").error()).isPresent();
        assertThat(Cidr.parse("192.0.2.0/33").error()).isPresent();
        assertThat(Cidr.parse("256.0.0.0/8").error()).isPresent();
        assertThat(Cidr.parse("::/129").error()).isPresent();
        assertThat(Cidr.parse(null).error()).isPresent();
    }

    private static Cidr cidr(String text) {
        return Cidr.parse(text).cidr().orElseThrow();
    }

    @Test
    void overlapIsAnySharedAddressWithinOneFamily() {
        assertThat(cidr("192.0.2.0/24").overlaps(cidr("192.0.2.128/25"))).isTrue();
        assertThat(cidr("192.0.2.128/25").overlaps(cidr("192.0.2.0/24"))).isTrue();
        assertThat(cidr("192.0.2.0/25").overlaps(cidr("192.0.2.128/25"))).isFalse();
        assertThat(cidr("198.51.100.7/32").overlaps(cidr("198.51.100.7/32"))).isTrue();
        assertThat(cidr("198.51.100.7/32").overlaps(cidr("198.51.100.8/32"))).isFalse();
        assertThat(cidr("0.0.0.0/0").overlaps(cidr("203.0.113.0/24"))).isTrue();
        assertThat(cidr("2001:db8::/32").overlaps(cidr("2001:db8:1::/48"))).isTrue();
        assertThat(cidr("2001:db8::/48").overlaps(cidr("2001:db8:1::/48"))).isFalse();
        assertThat(cidr("::/0").overlaps(cidr("0.0.0.0/0"))).isFalse();
    }

    @Test
    void privateLoopbackAndLinkLocalRangesAreRecognised() {
        assertThat(cidr("10.1.0.0/16").nonPublicOverlap()).hasValueSatisfying(r -> assertThat(r.toString()).isEqualTo("10.0.0.0/8"));
        assertThat(cidr("127.0.0.1/32").nonPublicOverlap()).isPresent();
        assertThat(cidr("192.168.1.0/24").nonPublicOverlap()).isPresent();
        assertThat(cidr("::1/128").nonPublicOverlap()).isPresent();
        assertThat(cidr("fd00::/8").nonPublicOverlap()).isPresent();
        assertThat(cidr("0.0.0.0/0").nonPublicOverlap()).isPresent();
        assertThat(cidr("203.0.113.0/24").nonPublicOverlap()).isEmpty();
        assertThat(cidr("2001:db8::/32").nonPublicOverlap()).isEmpty();
    }

    /** An IPv6 address exactly as a name lookup gives it (never turned into IPv4, as literal parsing would). */
    private static InetAddress resolvedAs(String ipv6) throws Exception {
        byte[] bytes = new byte[16];
        String[] halves = ipv6.split("::", -1);
        String[] head = halves[0].isEmpty() ? new String[0] : halves[0].split(":");
        String[] tail = halves.length > 1 && !halves[1].isEmpty() ? halves[1].split(":") : new String[0];
        for (int i = 0; i < head.length; i++) {
            int group = Integer.parseInt(head[i], 16);
            bytes[2 * i] = (byte) (group >> 8);
            bytes[2 * i + 1] = (byte) group;
        }
        for (int i = 0; i < tail.length; i++) {
            int group = Integer.parseInt(tail[i], 16);
            int at = 16 - 2 * (tail.length - i);
            bytes[at] = (byte) (group >> 8);
            bytes[at + 1] = (byte) group;
        }
        return java.net.Inet6Address.getByAddress(null, bytes, -1);
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"::ffff:a00:1", "::ffff:7f00:1", "::ffff:a9fe:a9fe", "::a00:1", "::1", "::",
            "2002:a00:1::1", "2002:7f00:1::", "64:ff9b::808:808", "64:ff9b:1::1", "2001:0:4136:e378::1", "fd00::1", "fe80::1",
            "fec0::1", "ff02::1"})
    void resolvedIpv6AddressesThatReachNonPublicOrTranslatedIpv4AreNotPublic(String ipv6) throws Exception {
        InetAddress address = resolvedAs(ipv6);
        assertThat(address).isInstanceOf(java.net.Inet6Address.class);
        assertThat(Cidr.isPublic(address)).as(ipv6).isFalse();
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"10.0.0.1", "127.0.0.1", "169.254.169.254", "192.168.1.1", "172.16.0.1",
            "100.64.0.1", "0.0.0.0", "192.0.0.8", "198.18.0.1", "240.0.0.1", "255.255.255.255", "224.0.0.1"})
    void nonPublicIpv4AddressesAreNotPublic(String ipv4) throws Exception {
        assertThat(Cidr.isPublic(InetAddress.getByName(ipv4))).as(ipv4).isFalse();
    }

    @Test
    void addressesOnTheInternetArePublicAlsoWhenAnIpv6AddressCarriesOne() throws Exception {
        assertThat(Cidr.isPublic(InetAddress.getByName("203.0.113.5"))).isTrue();
        assertThat(Cidr.isPublic(InetAddress.getByName("8.8.8.8"))).isTrue();
        assertThat(Cidr.isPublic(resolvedAs("2001:db8::1"))).isTrue();
        assertThat(Cidr.isPublic(resolvedAs("2606:4700::1111"))).isTrue();
        assertThat(Cidr.isPublic(resolvedAs("::ffff:cb00:7105"))).as("203.0.113.5, mapped").isTrue();
        assertThat(Cidr.isPublic(resolvedAs("2002:cb00:7105::1"))).as("203.0.113.5, 6to4").isTrue();
    }
}
