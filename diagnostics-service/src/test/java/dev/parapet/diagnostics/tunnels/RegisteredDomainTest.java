package dev.parapet.diagnostics.tunnels;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RegisteredDomainTest {

    @Test
    void splitsAtThePublicSuffixListsRegisteredDomain() {
        assertThat(RegisteredDomain.of("www.example.com")).isEqualTo(new RegisteredDomain("example.com", "www"));
        assertThat(RegisteredDomain.of("a.b.shop.example.co.uk")).isEqualTo(new RegisteredDomain("example.co.uk", "a.b.shop"));
        assertThat(RegisteredDomain.of("example.com")).isEqualTo(new RegisteredDomain("example.com", ""));
        assertThat(RegisteredDomain.of("WWW.Example.COM.")).isEqualTo(new RegisteredDomain("example.com", "www"));
        assertThat(RegisteredDomain.of("co.uk")).isEqualTo(new RegisteredDomain("co.uk", ""));
    }

    @Test
    void aTunnelsLongOrOddLeftmostLabelsDoNotStopTheSplit() {
        String label = "a".repeat(63);
        assertThat(RegisteredDomain.of(label + "." + label + ".t.example.org"))
                .isEqualTo(new RegisteredDomain("example.org", label + "." + label + ".t"));
        assertThat(RegisteredDomain.of("0ab\\200\\201x.t.example.org").registered()).isEqualTo("example.org");
    }

    @Test
    void aNameUnderNoKnownSuffixSplitsBeforeItsLastTwoLabels() {
        assertThat(RegisteredDomain.of("abc.tunnel.internal-corp")).isEqualTo(new RegisteredDomain("tunnel.internal-corp", "abc"));
        assertThat(RegisteredDomain.of("localhost")).isEqualTo(new RegisteredDomain("localhost", ""));
    }
}
