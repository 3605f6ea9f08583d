package dev.parapet.kit.net;

import static org.assertj.core.api.Assertions.assertThat;

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
}
