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
}
